"""The scoped queries: SQL predicates over `Ticket` that say which tickets a person sees and on
which tickets a permission counts. Every read path and every action is built on these two, so
list, counts, search, detail and pickers can never disagree.
"""

from __future__ import annotations

from functools import reduce
from operator import and_, or_
from typing import TYPE_CHECKING

import peewee

from access.catalogue import (
    SOURCES_ARCHIVED,
    SUPERVISOR_RIGHTS,
    TICKETS_LIST,
    TICKETS_VIEW,
    PermissionKey,
)
from access.grants import Grants, RoleGrant
from access.vocabulary import SCOPE_ALL, SCOPE_OWN, SCOPE_USERGROUPS
from store.models import Ticket
from store.planner import unindexed

if TYPE_CHECKING:
    from typing import TypeAlias

    from store.tally_models import TagTally, ViewTally

    # The table a scope is said over: the tickets, or a tally of them (`store.tally_models`,
    # loaded by the counts that use them).
    Counted: TypeAlias = type[Ticket] | type[ViewTally] | type[TagTally]

# A condition on `Ticket`: a composed expression, or one of the constants below.
Predicate = peewee.ColumnBase

TRUE = peewee.SQL("1 = 1")
FALSE = peewee.SQL("1 = 0")


def scoped_column(column: peewee.Field) -> peewee.ColumnBase:
    """`+column`: the same value, but SQLite will not pick a narrow index for a scope term.

    A person's scope is an OR of several terms; left alone, the planner answers it with one
    index per term and a table lookup per row, which costs seconds at a million tickets. With
    the terms unindexable it scans the covering inbox index instead (see `store.models.Ticket`).
    Filters the person chose (group, status, assignee) keep their indexes.
    """
    return unindexed(column)


def _any(expressions: list[Predicate]) -> Predicate:
    """OR, folding the constants, so that an unrestricted role leaves no predicate for the
    planner to evaluate per row."""
    if any(e is TRUE for e in expressions):
        return TRUE
    kept = [e for e in expressions if e is not FALSE]
    return reduce(or_, kept) if kept else FALSE


def _all(*expressions: Predicate) -> Predicate:
    """AND, folding the constants."""
    if any(e is FALSE for e in expressions):
        return FALSE
    kept = [e for e in expressions if e is not TRUE]
    return reduce(and_, kept) if kept else TRUE


def is_own(grants: Grants, on: Counted = Ticket, *, filed: bool = True) -> Predicate:
    """Filed by the person or assigned to them; without `filed` (as over a tally, `on`,
    which knows no requester), assigned to them."""
    assigned = scoped_column(on.assignee) == grants.person_id
    if not filed:
        return assigned
    return (scoped_column(Ticket.requester) == grants.person_id) | assigned


def role_covers(
    role: RoleGrant, grants: Grants, on: Counted = Ticket, *, filed: bool = True
) -> Predicate:
    """The tickets a role's scopes reach: its sources, then all / the person's groups / own."""
    parts: list[Predicate] = []
    if not role.all_sources:
        if not role.source_ids:
            return FALSE
        parts.append(scoped_column(on.source).in_(sorted(role.source_ids)))
    if role.ticket_scope == SCOPE_USERGROUPS:
        if not grants.groups:
            return FALSE
        parts.append(scoped_column(on.usergroup).in_(sorted(grants.groups)) & ~on.private)
    elif role.ticket_scope == SCOPE_OWN:
        parts.append(is_own(grants, on, filed=filed))
    elif role.ticket_scope != SCOPE_ALL:
        return FALSE
    return _all(*parts)


def supervised(grants: Grants, on: Counted = Ticket) -> Predicate:
    """Non-private tickets of the groups the person supervises."""
    if not grants.supervises:
        return FALSE
    return scoped_column(on.usergroup).in_(sorted(grants.supervises)) & ~on.private


def not_archived(grants: Grants, on: Counted = Ticket) -> Predicate:
    """Tickets of archived sources exist only for people with `sources.archived`."""
    if grants.holds(SOURCES_ARCHIVED) or not grants.archived_source_ids:
        return TRUE
    return scoped_column(on.source).not_in(sorted(grants.archived_source_ids))


def seen_without_supervision(
    grants: Grants, on: Counted = Ticket, *, filed: bool = True
) -> Predicate:
    rules = [is_own(grants, on, filed=filed)]
    rules += [
        role_covers(role, grants, on, filed=filed) for role in grants.roles_with(TICKETS_LIST)
    ]
    return _any(rules)


def visible(grants: Grants, on: Counted = Ticket, *, filed: bool = True) -> Predicate:
    """Who sees a ticket: own (filed or assigned), a `tickets.list` role whose scope covers it,
    or supervision of its group; never an archived source's ticket without `sources.archived`.

    Without `filed` (over a tally, `on`), the same but for having filed the ticket: the
    requester is the one term of a scope a tally cannot say. The term is only ever ORed in, so
    the tickets visible are those visible without it and those the person filed
    (`access.tally_counts`)."""
    return _all(
        _any([seen_without_supervision(grants, on, filed=filed), supervised(grants, on)]),
        not_archived(grants, on),
    )


def as_supervisor(grants: Grants) -> Predicate:
    """True for visible tickets the person sees only because they supervise the group."""
    if not grants.supervises:
        return FALSE
    seen = seen_without_supervision(grants)
    if seen is TRUE:
        return FALSE
    if seen is FALSE:
        return supervised(grants)
    # COALESCE: with no assignee, `assignee = me` is NULL, and NOT NULL is not true.
    return supervised(grants) & ~peewee.fn.COALESCE(seen, False)


def as_assignee(grants: Grants) -> Predicate:
    """True for visible tickets the person sees only because they are assigned to them: no
    `tickets.list` role reaches them, they do not supervise the group, they did not file them.
    (An assignee must be able to work on a ticket when assigned; a role or the ticket may have
    changed since.)"""
    reached = _any(
        [
            scoped_column(Ticket.requester) == grants.person_id,
            *(role_covers(role, grants) for role in grants.roles_with(TICKETS_LIST)),
            supervised(grants),
        ]
    )
    if reached is TRUE:
        return FALSE
    mine = scoped_column(Ticket.assignee) == grants.person_id
    if reached is FALSE:
        return mine
    return mine & ~peewee.fn.COALESCE(reached, False)


def may(grants: Grants, permission: PermissionKey) -> Predicate:
    """The visible tickets on which `permission` counts for this person.

    A ticket permission counts only through a role whose scope covers the ticket, or through
    supervision for the supervisor's rights. The requester's own rights (read, add a message)
    are not permissions and are handled by the gate.
    """
    return _all(counts_on_visible(grants, permission), visible(grants))


def counts_on_visible(grants: Grants, permission: PermissionKey) -> Predicate:
    """`may` on the tickets already known to be visible: `may` is this and `visible`. For a
    statement that asks for many permissions on tickets it selects as visible, which then says
    `visible` once instead of once per permission."""
    rules = [role_covers(role, grants) for role in grants.roles_with(permission)]
    if permission in SUPERVISOR_RIGHTS:
        rules.append(supervised(grants))
    if permission == TICKETS_VIEW:
        # Whoever works a ticket may read it: the assignee sees it by rule 1.
        rules.append(Ticket.assignee == grants.person_id)
    return _any(rules)
