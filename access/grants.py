"""A person's effective grants: every role they hold, with its scopes, and the groups they belong
to or supervise. Read in one statement, once per request, so a role change counts from the next
request."""

from __future__ import annotations

import operator
import weakref
from collections import defaultdict
from dataclasses import dataclass
from functools import reduce
from typing import Any, NamedTuple, cast

import peewee

from access.catalogue import PermissionKey
from store.models import (
    GroupMember,
    GroupSupervisor,
    Person,
    PersonRole,
    Role,
    RolePermission,
    RoleSource,
    Source,
    database_proxy,
)


class RoleGrant(NamedTuple):
    role_id: int
    name: str
    permissions: frozenset[str]
    all_sources: bool
    source_ids: frozenset[int]
    ticket_scope: str  # all, usergroups or own


@dataclass(frozen=True)
class Grants:
    person_id: int
    username: str
    display_name: str
    active: bool
    roles: tuple[RoleGrant, ...]
    member_of: frozenset[int]
    supervises: frozenset[int]
    archived_source_ids: frozenset[int]

    def holds(self, permission: PermissionKey) -> bool:
        """True when any role grants `permission` (for a ticket permission: in some scope)."""
        return any(permission in role.permissions for role in self.roles)

    def roles_with(self, permission: PermissionKey) -> tuple[RoleGrant, ...]:
        return tuple(role for role in self.roles if permission in role.permissions)

    @property
    def permissions(self) -> frozenset[str]:
        held: set[str] = set()
        for role in self.roles:
            held |= role.permissions
        return frozenset(held)

    @property
    def groups(self) -> frozenset[int]:
        """The usergroups the person belongs to, as member or as supervisor."""
        return self.member_of | self.supervises


def read_grants(person: peewee.Expression) -> Grants | None:
    """The grants of the person `person` (a condition on `Person`) selects, in one statement;
    None when nobody matches.

    One statement because every request reads them: the parts (the person, their roles, the
    roles' permissions and sources, their groups, the archived sources) come as rows of one
    UNION ALL, each tagged with its kind, in columns of the same type in every part.

    Every change reads them inside its write transaction, where each millisecond holds up the
    other writers, and Peewee took twenty times longer to build the statement than SQLite to
    run it; so for the usual `Person.field == value` the SQL is built once per database."""
    sql, params = _statement(person)
    rows = list(database_proxy.execute_sql(sql, params).fetchall())
    return _grants_of_rows(rows)


def _statement(person: peewee.Expression) -> tuple[str, list[object]]:
    if not (
        isinstance(person, peewee.Expression)
        and person.op == peewee.OP.EQ
        and isinstance(person.lhs, peewee.Field)
        and person.lhs.model is Person
        and type(person.rhs) in _PLACEHOLDERS
    ):
        return _union(person).sql()
    field, value = person.lhs, person.rhs
    known = _built.setdefault(database_proxy.obj, {})
    if field.name not in known:
        # By name and by id together: a gate is made by name, outside any transaction, and
        # then reads by id inside each change's, which the first change must not pay for.
        for each, kind in ((field, type(value)), (Person.id, int), (Person.username, str)):
            if each.name not in known:
                placeholder = _PLACEHOLDERS[kind]
                sql, params = _union(each == placeholder).sql()
                known[each.name] = (sql, params, placeholder)
    sql, params, placeholder = known[field.name]
    return sql, [value if p == placeholder else p for p in params]


def _union(person: peewee.Expression) -> peewee.SelectBase:
    who = Person.select(Person.id).where(person)
    held = PersonRole.select(PersonRole.role).where(PersonRole.person.in_(who))
    parts = [
        Person.select(
            _kind("person"),
            Person.id,
            Person.username,
            Person.display_name,
            Person.active.cast("INTEGER"),
        ).where(person),
        Role.select(
            _kind("role"), Role.id, Role.name, Role.ticket_scope, Role.all_sources.cast("INTEGER")
        ).where(Role.id.in_(held)),
        RolePermission.select(
            _kind("permission"), RolePermission.role, RolePermission.permission, _TEXT, _NUMBER
        ).where(RolePermission.role.in_(held)),
        RoleSource.select(_kind("source"), RoleSource.role, _TEXT, _TEXT, RoleSource.source).where(
            RoleSource.role.in_(held)
        ),
        GroupMember.select(_kind("member"), GroupMember.usergroup, _TEXT, _TEXT, _NUMBER).where(
            GroupMember.person.in_(who)
        ),
        GroupSupervisor.select(
            _kind("supervises"), GroupSupervisor.usergroup, _TEXT, _TEXT, _NUMBER
        ).where(GroupSupervisor.person.in_(who)),
        Source.select(_kind("archived"), Source.id, _TEXT, _TEXT, _NUMBER).where(
            Source.archived == True  # noqa: E712
        ),
    ]
    return cast(peewee.SelectBase, reduce(operator.add, parts))


def _grants_of_rows(rows: list[tuple[Any, ...]]) -> Grants | None:
    people = [row for row in rows if row[0] == "person"]
    if len(people) != 1:
        return None
    _, person_id, username, display_name, active = people[0]
    permissions: dict[int, set[str]] = defaultdict(set)
    sources: dict[int, set[int]] = defaultdict(set)
    of_kind: dict[str, set[int]] = defaultdict(set)
    for kind, ref, name, _, number in rows:
        if kind == "permission":
            permissions[ref].add(name)
        elif kind == "source":
            sources[ref].add(number)
        else:
            of_kind[kind].add(ref)
    roles = sorted(
        (
            RoleGrant(
                role_id=ref,
                name=name,
                permissions=frozenset(permissions[ref]),
                all_sources=bool(number),
                source_ids=frozenset(sources[ref]),
                ticket_scope=scope,
            )
            for kind, ref, name, scope, number in rows
            if kind == "role"
        ),
        key=lambda role: role.name,
    )
    return Grants(
        person_id=person_id,
        username=username,
        display_name=display_name,
        active=bool(active),
        roles=tuple(roles),
        member_of=frozenset(of_kind["member"]),
        supervises=frozenset(of_kind["supervises"]),
        archived_source_ids=frozenset(of_kind["archived"]),
    )


# A value no person has, marking where the statement built once takes the person's own.
_PLACEHOLDERS: dict[type, object] = {int: -(2**62) + 7, str: "\x00ticketty-person\x00"}
_built: weakref.WeakKeyDictionary[peewee.Database, dict[str, tuple[str, list[Any], object]]]
_built = weakref.WeakKeyDictionary()

_TEXT = peewee.Cast(peewee.SQL("NULL"), "TEXT")
_NUMBER = peewee.Cast(peewee.SQL("NULL"), "INTEGER")


def _kind(name: str) -> peewee.ColumnBase:
    return peewee.Cast(peewee.Value(name), "TEXT")
