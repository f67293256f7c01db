"""The gate: every read and every change a person makes goes through here.

Reads are scoped in SQL (`access.scope`); a ticket outside a person's scope is `NotFound`, never
`PermissionDenied`. Each change checks its permission, writes the change and its audit event in
one IMMEDIATE transaction, and otherwise raises having written nothing.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Concatenate, ParamSpec, TypeVar

import peewee

from access import audit
from access.audit_actions import denied
from access.catalogue import ROLES_EDIT, SUPERVISOR_RIGHTS, PermissionKey
from access.errors import (
    AccessError,
    Conflict,
    InvalidInput,
    NoChange,
    NoSuchPerson,
    PermissionDenied,
    UnknownPerson,
)
from access.grants import Grants, read_grants
from access.lookup import require_free_name
from access.own_changes import OwnChanges
from access.versions import TARGET_KIND, bump
from store.db import DatabaseError, describe_failure
from store.models import (
    Person,
    PersonRole,
    Role,
    RolePermission,
    Source,
    Usergroup,
    database_proxy,
)


class GateBase:
    """The acting person, their grants, and the transaction discipline shared by every action."""

    def __init__(self, db: peewee.Database, username: str) -> None:
        """`db` must be the database the models run on (the one `store.db.connect` opened
        last): statements and transactions go through `database_proxy`, so that a transaction
        and its statements always share one connection per thread. A gate over another
        database would silently act on that one, so it is refused."""
        if database_proxy.obj is not db:
            raise ValueError("the gate's database is not the one the models run on")
        self.username = username
        grants = read_grants(Person.username == username)
        if grants is None:
            raise NoSuchPerson(f"no person named {username!r}")
        if not grants.active:
            raise UnknownPerson(f"{username} is deactivated")
        self.person_id: int = grants.person_id
        self._request = threading.local()
        self.own_changes = OwnChanges()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Every public method of a part of the gate is one request: the person's grants are
        read at most once in it, however many checks it makes or other methods it calls.

        Public methods are the product's operations, and each checks its right (or, like
        `grants`, is about the person themselves); the plumbing they share (`_writing`,
        `_record`, `_require`, ...) is private, so that nobody outside the gate writes an audit
        event or a change without a check. tests/access/test_gate_boundary.py calls each public
        method as a person without rights."""
        super().__init_subclass__(**kwargs)
        for name, member in list(vars(cls).items()):
            if not name.startswith("_") and inspect.isfunction(member):
                setattr(cls, name, _one_request(member))

    def grants(self) -> Grants:
        """The person's grants, read once per request (the app's worker threads each make
        their own): a role change made by an admin counts from the next request. The person's
        own: needs no right."""
        request = self._request
        cached: Grants | None = getattr(request, "grants", None)
        if cached is not None:
            return cached
        grants = read_grants(Person.id == self.person_id)
        if grants is None or not grants.active:
            raise UnknownPerson(f"{self.username} is deactivated")
        if getattr(request, "open", False):
            request.grants = grants
        return grants

    def holds(self, permission: PermissionKey) -> bool:
        """Whether the person holds `permission` somewhere (a role). Like `grants` and
        `capabilities`, this is about the person themselves and needs no right."""
        return self.grants().holds(permission)

    def capabilities(self) -> frozenset[str]:
        """Every permission the person holds somewhere: through a role, or as a supervisor
        (on their groups' tickets). Screens show an action when it is in here; the gate still
        checks each ticket."""
        grants = self.grants()
        return grants.permissions | (SUPERVISOR_RIGHTS if grants.supervises else frozenset())

    def _require(self, permission: PermissionKey, grants: Grants | None = None) -> Grants:
        grants = grants or self.grants()
        if not grants.holds(permission):
            raise PermissionDenied(f"{self.username} lacks {permission}")
        return grants

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One write transaction, writers serialised (BEGIN IMMEDIATE on SQLite, its
        PostgreSQL form in `store.postgres`); driver errors become one readable sentence. The
        audit events it records are the session's own (`own_changes`): known as such before
        COMMIT, so that the session's live feed never takes them for another's, and forgotten
        if the transaction fails."""
        with audit.collected() as written:
            try:
                with self._transaction():
                    yield
                    self.own_changes.add(written)
            except BaseException:
                self.own_changes.forget(written)
                raise

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        try:
            with database_proxy.atomic():
                yield
        except (AccessError, DatabaseError):
            raise
        except peewee.IntegrityError as exc:
            raise InvalidInput(f"that would break a rule of the data: {exc}") from exc
        except peewee.DatabaseError as exc:
            raise DatabaseError(describe_failure(str(database_proxy.database), exc)) from exc

    def _record(self, action: str, target_kind: str, target_id: int | None, **kw: Any) -> None:
        audit.record(self.person_id, action, target_kind, target_id, **kw)

    def _rename(
        self,
        row: Role | Usergroup | Source,
        new_name: str,
        expected_version: int | None,
        what: str,
        action: str,
    ) -> None:
        """Rename a role, usergroup or source inside the write transaction: the same name is no
        change, a taken one is refused, the version is compared and set, the rename audited."""
        name = row.name
        if new_name == name:
            raise NoChange(f"{what} {name} is already so named; nothing changed")
        model = type(row)
        require_free_name(model.name, new_name, what)
        bump(row, expected_version, f"{what} {name}")
        model.update(name=new_name).where(model.id == row.id).execute()
        self._record(action, TARGET_KIND[model], row.id, before=name, after=new_name)

    def _update_recorded(
        self,
        row: peewee.Model,
        changes: Mapping[peewee.Field, object],
        action: str,
        target_kind: str,
    ) -> None:
        """Write `changes` to `row` and audit them, each field's value before and after."""
        before = {f.name: getattr(row, f.name) for f in changes}
        model = type(row)
        model.update(changes).where(model._meta.primary_key == row.get_id()).execute()
        after = {f.name: v for f, v in changes.items()}
        self._record(action, target_kind, row.get_id(), before=before, after=after)

    def _record_denied(
        self, action: str, target_kind: str, target_id: int | None, why: str
    ) -> None:
        """Refused attempts are logged too, in a transaction of their own (the refused change
        itself wrote nothing). A log that cannot be written must not hide the refusal."""
        try:
            with database_proxy.atomic():
                audit.record(self.person_id, denied(action), target_kind, target_id, after=why)
        except peewee.DatabaseError:
            pass

    def _check_role_editors_remain(self) -> None:
        """The last active person able to edit roles cannot lose that right. Call inside the
        transaction after the change; raising rolls it back."""
        holders = (
            Person.select(Person.id)
            .join(PersonRole)
            .join(RolePermission, on=(RolePermission.role == PersonRole.role))
            .where((RolePermission.permission == ROLES_EDIT) & (Person.active == True))  # noqa: E712
            .count()
        )
        if holders == 0:
            raise PermissionDenied(
                "this would leave nobody able to edit roles; give roles.edit to someone else first"
            )


Part = TypeVar("Part", bound=GateBase)
Params = ParamSpec("Params")
Result = TypeVar("Result")


def _one_request(
    method: Callable[Concatenate[Part, Params], Result],
) -> Callable[Concatenate[Part, Params], Result]:
    """`method` as a request: the outermost call on a thread opens it, and its end forgets the
    grants read in it."""

    @functools.wraps(method)
    def request(self: Part, /, *args: Params.args, **kwargs: Params.kwargs) -> Result:
        state = self._request
        if getattr(state, "open", False):
            return method(self, *args, **kwargs)
        state.open, state.grants = True, None
        try:
            return method(self, *args, **kwargs)
        finally:
            state.open, state.grants = False, None

    return request


def conflict_if_stale(expected: int | None, actual: int, what: str) -> None:
    if expected is not None and expected != actual:
        raise Conflict(f"{what} was changed by someone else; reload it and try again")
