"""Finding what an administrative action names: each lookup returns the row or raises
`NotFound` with one sentence, so every entity is looked up the same way."""

from __future__ import annotations

from collections.abc import Iterable

import peewee

from access.errors import InvalidInput, NotFound
from store.models import CustomField, Person, Role, RolePermission, Source, Usergroup
from store.reply_models import CannedReply, Macro


def person_named(username: str) -> Person:
    person = Person.get_or_none(Person.username == username)
    if person is None:
        raise NotFound(f"no person named {username!r}")
    return person


def role_named(name: str) -> Role:
    role = Role.get_or_none(Role.name == name)
    if role is None:
        raise NotFound(f"no role named {name!r}")
    return role


def source_named(name: str) -> Source:
    source = Source.get_or_none(Source.name == name)
    if source is None:
        raise NotFound(f"no source named {name!r}")
    return source


def usergroup_named(name: str) -> Usergroup:
    group = Usergroup.get_or_none(Usergroup.name == name)
    if group is None:
        raise NotFound(f"no usergroup named {name!r}")
    return group


def sources_named(names: Iterable[str]) -> list[Source]:
    return [source_named(name) for name in names]


def field_named(name: str) -> CustomField:
    field = CustomField.get_or_none(CustomField.name == name)
    if field is None:
        raise NotFound(f"no custom field named {name!r}")
    return field


def canned_reply_named(name: str) -> CannedReply:
    row = CannedReply.get_or_none(CannedReply.name == name)
    if row is None:
        raise NotFound(f"no canned reply named {name!r}")
    return row


def macro_named(name: str) -> Macro:
    row = Macro.get_or_none(Macro.name == name)
    if row is None:
        raise NotFound(f"no macro named {name!r}")
    return row


def role_permissions(role_id: int) -> frozenset[str]:
    return frozenset(
        r.permission
        for r in RolePermission.select(RolePermission.permission).where(
            RolePermission.role == role_id
        )
    )


def require_free_name(name_field: peewee.Field, name: str, what: str) -> None:
    """Refuse a name another role, group, source or field already has."""
    if name_field.model.get_or_none(name_field == name) is not None:
        raise InvalidInput(f"a {what} named {name!r} already exists")
