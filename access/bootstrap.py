"""The first administrator of a new database: the one write that cannot go through the gate,
because nobody exists yet to pass it."""

from __future__ import annotations

import peewee

from access import audit
from access.audit_actions import DATABASE_INIT
from access.catalogue import PERMISSIONS
from access.errors import InvalidInput
from access.validation import checked_username
from store.models import Person, PersonRole, Role, RolePermission, Source

ADMIN_ROLE = "Administrator"


def create_first_admin(db: peewee.Database, username: str, display_name: str) -> None:
    """An Administrator role with every permission, the admin holding it, and a web form to
    file tickets through. Refused on a database that already has people."""
    checked_username(username)
    with db.atomic():
        if Person.select().exists():
            raise InvalidInput("this database already has people; add more with `people add`")
        person = Person.create(username=username, display_name=display_name)
        role = Role.get_or_none(Role.name == ADMIN_ROLE) or Role.create(name=ADMIN_ROLE)
        RolePermission.insert_many(
            [{"role": role.id, "permission": key} for key in sorted(PERMISSIONS)]
        ).on_conflict_ignore().execute()
        PersonRole.create(person=person.id, role=role.id)
        if not Source.select().exists():
            Source.create(name="Web form", kind="web")
        audit.record(
            person.id,
            DATABASE_INIT,
            "person",
            person.id,
            after={"admin": username, "role": ADMIN_ROLE},
        )
