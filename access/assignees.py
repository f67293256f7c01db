"""Whom an assign picker offers: the active people who may work on at least one of the chosen
tickets, by their own roles or as supervisors of the ticket's group.

Every candidate's reach is read in one statement, whatever the size of the team: the rules of
`access.scope.may` for `tickets.reply`, written over the people's roles, scopes and groups as
they stand in the database (correlated subqueries on the candidate) instead of over one
person's grants read beforehand.
"""

from __future__ import annotations

from collections.abc import Iterable

import peewee

from access import scope
from access.catalogue import (
    SOURCES_ARCHIVED,
    TICKETS_ASSIGN,
    TICKETS_LIST,
    TICKETS_REPLY,
    PermissionKey,
)
from access.change_pipeline import CHUNK
from access.errors import NotFound
from access.request import Part
from access.views import Assignee
from access.vocabulary import SCOPE_ALL, SCOPE_OWN, SCOPE_USERGROUPS
from store.models import (
    GroupMember,
    GroupSupervisor,
    Person,
    PersonRole,
    Role,
    RolePermission,
    RoleSource,
    Source,
    Ticket,
)
from store.rows import tuple_rows


class Assignees(Part):
    """`gate.assignees`: whom a ticket may be given to."""

    def assignable_people(self, numbers: Iterable[int]) -> list[Assignee]:
        """The active people who may work on (reply to) at least one of these tickets, by
        their own roles or as supervisors: whom an assign picker offers, never customers. Asked
        by someone who may assign at least one of them."""
        grants = self._open().grants()
        wanted = list(dict.fromkeys(int(n) for n in numbers))[:CHUNK]
        if not _any_of(wanted, scope.may(grants, TICKETS_ASSIGN)):
            if _any_of(wanted, Ticket.assignee == grants.person_id):
                return []  # theirs to hand back (to nobody), not to give to anyone
            raise NotFound("none of these tickets can be assigned by you")
        reached = Ticket.select(Ticket.number).where(
            Ticket.number.in_(wanted) & may_work_on(Person.id)
        )
        people = (
            Person.select(Person.username, Person.display_name)
            .where((Person.active == True) & peewee.fn.EXISTS(reached))  # noqa: E712
            .order_by(Person.username)
        )
        return [Assignee(username, name) for username, name in tuple_rows(people)]


def _any_of(numbers: list[int], condition: scope.Predicate) -> bool:
    return bool(numbers) and (
        Ticket.select(Ticket.number).where(Ticket.number.in_(numbers) & condition).exists()
    )


def may_work_on(person: peewee.ColumnBase) -> peewee.ColumnBase:
    """`scope.may(grants of person, tickets.reply)` on `Ticket`, for the person whose id is the
    (outer) column `person`: a role with the right whose scope covers the ticket, or
    supervision of its group; the ticket visible to them; an archived source's ticket only
    with `sources.archived`."""
    supervised = _supervises(person)
    works = _by_role(person, TICKETS_REPLY) | supervised
    sees = _owns(person) | _by_role(person, TICKETS_LIST) | supervised
    return works & sees & _archive_allowed(person)


def _owns(person: peewee.ColumnBase) -> peewee.ColumnBase:
    """They filed the ticket or it is assigned to them."""
    return (Ticket.requester == person) | (Ticket.assignee == person)


def _supervises(person: peewee.ColumnBase) -> peewee.ColumnBase:
    """A non-private ticket of a group they supervise."""
    return ~Ticket.private & _in_group(GroupSupervisor, person)


def _in_their_group(person: peewee.ColumnBase) -> peewee.ColumnBase:
    """A non-private ticket of a group they belong to, as a member or as a supervisor."""
    return ~Ticket.private & (_in_group(GroupMember, person) | _in_group(GroupSupervisor, person))


def _in_group(
    link: type[GroupMember] | type[GroupSupervisor], person: peewee.ColumnBase
) -> peewee.ColumnBase:
    """The ticket's group is one `person` is linked to by `link` (member or supervisor)."""
    linked = link.select(link.id).where(
        (link.person == person) & (link.usergroup == Ticket.usergroup)
    )
    return peewee.fn.EXISTS(linked)


def _by_role(person: peewee.ColumnBase, permission: PermissionKey) -> peewee.ColumnBase:
    """One of their roles grants `permission` and its scopes cover the ticket (`scope.role_covers`):
    its sources, then all tickets, their groups' or their own."""
    listed = RoleSource.select(RoleSource.id).where(
        (RoleSource.role == Role.id) & (RoleSource.source == Ticket.source)
    )
    covered = (
        (Role.ticket_scope == SCOPE_ALL)
        | ((Role.ticket_scope == SCOPE_USERGROUPS) & _in_their_group(person))
        | ((Role.ticket_scope == SCOPE_OWN) & _owns(person))
    )
    roles = (
        PersonRole.select(PersonRole.id)
        .join(Role, on=(Role.id == PersonRole.role))
        .join(RolePermission, on=(RolePermission.role == Role.id))
        .where(
            (PersonRole.person == person)
            & (RolePermission.permission == permission)
            & ((Role.all_sources == True) | peewee.fn.EXISTS(listed))  # noqa: E712
            & covered
        )
    )
    return peewee.fn.EXISTS(roles)


def _archive_allowed(person: peewee.ColumnBase) -> peewee.ColumnBase:
    """The ticket's source is not archived, or one of their roles grants `sources.archived`."""
    archived = Source.select(Source.id).where(
        (Source.id == Ticket.source) & (Source.archived == True)  # noqa: E712
    )
    allowed = (
        PersonRole.select(PersonRole.id)
        .join(RolePermission, on=(RolePermission.role == PersonRole.role))
        .where((PersonRole.person == person) & (RolePermission.permission == SOURCES_ARCHIVED))
    )
    return ~peewee.fn.EXISTS(archived) | peewee.fn.EXISTS(allowed)
