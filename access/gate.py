"""The gate: every read and every change a person makes goes through here.

Reads are scoped in SQL (`access.scope`); a ticket outside a person's scope is `NotFound`, never
`PermissionDenied`. Each change checks its permission, writes the change and its audit event in
one IMMEDIATE transaction, and otherwise raises having written nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import peewee

from access import audit
from access.catalogue import SUPERVISOR_RIGHTS
from access.errors import (
    AccessError,
    Conflict,
    InvalidInput,
    PermissionDenied,
    UnknownPerson,
)
from access.grants import Grants, load_grants
from store.db import DatabaseError, describe_failure
from store.models import Person, PersonRole, RolePermission, database_proxy


class GateBase:
    """The acting person, their grants, and the transaction discipline shared by every action."""

    def __init__(self, db: peewee.Database, username: str) -> None:
        # Transactions go through `database_proxy`, the database the models run on, so a
        # transaction and its statements always share one connection per thread.
        self.db = db
        self.username = username
        person = Person.get_or_none(Person.username == username)
        if person is None:
            raise UnknownPerson(f"no person named {username!r}")
        if not person.active:
            raise UnknownPerson(f"{username} is deactivated")
        self.person_id: int = person.id

    def grants(self) -> Grants:
        """Fresh grants: a role change made by an admin counts from the next request."""
        person = Person.get_or_none(Person.id == self.person_id)
        if person is None or not person.active:
            raise UnknownPerson(f"{self.username} is deactivated")
        return load_grants(person)

    def holds(self, permission: str) -> bool:
        return self.grants().holds(permission)

    def capabilities(self) -> frozenset[str]:
        """Every permission the person holds somewhere: through a role, or as a supervisor
        (on their groups' tickets). Screens show an action when it is in here; the gate still
        checks each ticket."""
        grants = self.grants()
        return grants.permissions | (SUPERVISOR_RIGHTS if grants.supervises else frozenset())

    def require(self, permission: str, grants: Grants | None = None) -> Grants:
        grants = grants or self.grants()
        if not grants.holds(permission):
            raise PermissionDenied(f"{self.username} lacks {permission}")
        return grants

    @contextmanager
    def writing(self) -> Iterator[None]:
        """One IMMEDIATE write transaction; driver errors become one readable sentence."""
        try:
            with database_proxy.atomic():
                yield
        except (AccessError, DatabaseError):
            raise
        except peewee.IntegrityError as exc:
            raise InvalidInput(f"that would break a rule of the data: {exc}") from exc
        except peewee.DatabaseError as exc:
            raise DatabaseError(describe_failure(str(self.db.database), exc)) from exc

    def record(self, action: str, target_kind: str, target_id: int | None, **kw: Any) -> None:
        audit.record(self.person_id, action, target_kind, target_id, **kw)

    def record_denied(self, action: str, target_kind: str, target_id: int | None, why: str) -> None:
        """Refused attempts are logged too, in a transaction of their own (the refused change
        itself wrote nothing). A log that cannot be written must not hide the refusal."""
        try:
            with database_proxy.atomic():
                audit.record(self.person_id, f"denied.{action}", target_kind, target_id, after=why)
        except peewee.DatabaseError:
            pass

    def check_role_editors_remain(self) -> None:
        """The last active person able to edit roles cannot lose that right. Call inside the
        transaction after the change; raising rolls it back."""
        holders = (
            Person.select(Person.id)
            .join(PersonRole)
            .join(RolePermission, on=(RolePermission.role == PersonRole.role))
            .where((RolePermission.permission == "roles.edit") & (Person.active == True))  # noqa: E712
            .count()
        )
        if holders == 0:
            raise PermissionDenied(
                "this would leave nobody able to edit roles; give roles.edit to someone else first"
            )


def conflict_if_stale(expected: int | None, actual: int, what: str) -> None:
    if expected is not None and expected != actual:
        raise Conflict(f"{what} was changed by someone else; reload it and try again")
