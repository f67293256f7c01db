"""A person's effective grants: every role they hold, with its scopes, and the groups they belong
to or supervise. Read in one statement, once per request, so a role change counts from the next
request."""

from __future__ import annotations

import functools
import operator
from collections import defaultdict
from functools import reduce
from typing import Any, NamedTuple, cast

import peewee

from access.catalogue import PermissionKey
from store.dialect import prepared
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


class Grants(NamedTuple):
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
    run it; so for the usual `Person.field == value` the SQL is written out (`_text`)."""
    sql, params = _statement(person)
    database = database_proxy.obj  # the one connection prepared on and run on
    if _written_out(person):  # one text per person column, prepared once per connection
        sql, params = prepared(database, sql, params)
    rows = list(database.execute_sql(sql, params).fetchall())
    return _grants_of_rows(rows)


def _written_out(person: peewee.Expression) -> bool:
    """True for the usual `Person.field == value`, whose statement `_text` writes out."""
    return (
        isinstance(person, peewee.Expression)
        and person.op == peewee.OP.EQ
        and isinstance(person.lhs, peewee.Field)
        and person.lhs.model is Person
        and type(person.rhs) in (int, str)
    )


def _statement(person: peewee.Expression) -> tuple[str, list[object]]:
    if not _written_out(person):
        return _union(person).sql()
    db = database_proxy.obj
    value = person.rhs
    sql = _text(db.param, person.lhs.column_name, db.compound_select_parentheses)
    return sql, [p for kind in _KINDS for p in (kind, value)] + ["archived", True]


@functools.cache
def _text(placeholder: str, column: str, parentheses: int) -> str:
    """What `_union(Person.<column> == value).sql()` builds, written out: every request reads
    the grants, and Peewee took longer to build the statement than SQLite to run it, once per
    person column in every process (at every start; bench/NOTES.md). `parentheses`: the
    backend's `compound_select_parentheses` (PostgreSQL's puts each part of the union in
    them). A test checks that it is what Peewee builds, on each backend
    (tests/access/test_grants_statement.py)."""
    parts = [part.format(p=placeholder, who=column) for part in _GRANTS_PARTS]
    if parentheses == peewee.CSQ_PARENTHESES_NEVER:
        return " UNION ALL ".join(parts)
    text = parts[0]
    for part in parts[1:]:
        text = f"({text}) UNION ALL ({part})"
    return text


_GRANTS_PARTS = (
    'SELECT CAST({p} AS TEXT), "t1"."id", "t1"."username", "t1"."display_name", '
    'CAST("t1"."active" AS INTEGER) FROM "person" AS "t1" WHERE ("t1"."{who}" = {p})',
    'SELECT CAST({p} AS TEXT), "t2"."id", "t2"."name", "t2"."ticket_scope", '
    'CAST("t2"."all_sources" AS INTEGER) FROM "role" AS "t2" WHERE ("t2"."id" IN '
    '(SELECT "t3"."role_id" FROM "person_role" AS "t3" WHERE ("t3"."person_id" IN '
    '(SELECT "t4"."id" FROM "person" AS "t4" WHERE ("t4"."{who}" = {p})))))',
    'SELECT CAST({p} AS TEXT), "t5"."role_id", "t5"."permission", CAST(NULL AS TEXT), '
    'CAST(NULL AS INTEGER) FROM "role_permission" AS "t5" WHERE ("t5"."role_id" IN '
    '(SELECT "t6"."role_id" FROM "person_role" AS "t6" WHERE ("t6"."person_id" IN '
    '(SELECT "t7"."id" FROM "person" AS "t7" WHERE ("t7"."{who}" = {p})))))',
    'SELECT CAST({p} AS TEXT), "t8"."role_id", CAST(NULL AS TEXT), CAST(NULL AS TEXT), '
    '"t8"."source_id" FROM "role_source" AS "t8" WHERE ("t8"."role_id" IN '
    '(SELECT "t9"."role_id" FROM "person_role" AS "t9" WHERE ("t9"."person_id" IN '
    '(SELECT "t10"."id" FROM "person" AS "t10" WHERE ("t10"."{who}" = {p})))))',
    'SELECT CAST({p} AS TEXT), "t11"."usergroup_id", CAST(NULL AS TEXT), '
    'CAST(NULL AS TEXT), CAST(NULL AS INTEGER) FROM "group_member" AS "t11" WHERE '
    '("t11"."person_id" IN (SELECT "t12"."id" FROM "person" AS "t12" WHERE '
    '("t12"."{who}" = {p})))',
    'SELECT CAST({p} AS TEXT), "t13"."usergroup_id", CAST(NULL AS TEXT), '
    'CAST(NULL AS TEXT), CAST(NULL AS INTEGER) FROM "group_supervisor" AS "t13" WHERE '
    '("t13"."person_id" IN (SELECT "t14"."id" FROM "person" AS "t14" WHERE '
    '("t14"."{who}" = {p})))',
    'SELECT CAST({p} AS TEXT), "t15"."id", CAST(NULL AS TEXT), CAST(NULL AS TEXT), '
    'CAST(NULL AS INTEGER) FROM "source" AS "t15" WHERE ("t15"."archived" = {p})',
)
# The kinds of the union's parts, in its order, each with the person's value after it; the
# archived sources' part last, with its flag.
_KINDS = ("person", "role", "permission", "source", "member", "supervises")


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


_TEXT = peewee.Cast(peewee.SQL("NULL"), "TEXT")
_NUMBER = peewee.Cast(peewee.SQL("NULL"), "INTEGER")


def _kind(name: str) -> peewee.ColumnBase:
    return peewee.Cast(peewee.Value(name), "TEXT")
