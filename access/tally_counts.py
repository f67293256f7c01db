"""Counts from the tallies (`store.tally_models`): a saved view's count, or the inbox's, as a
sum over the few rows of a tally instead of a count of tickets.

A tally holds the columns a view filters on (status, priority, usergroup, source, assignee;
per tag without the priority) and those a person's scope reads (the same and privacy), but
not the requester. So the count is the tally's sum over the scope said without "filed by the
person" (`scope.visible(..., filed=False)`), plus the tickets the person filed that this
leaves out, counted in the tickets by the requester's index (none for a person who sees every
ticket). A query a tally cannot answer (a requester, words, custom fields, service-level
filters, several tags, a priority with a tag) is counted in the tickets (`access.inbox`)."""

from __future__ import annotations

import peewee

from access import scope
from access.grants import Grants
from access.search_terms import split_search
from access.views import TicketQuery
from access.vocabulary import TICKET_PRIORITIES, TICKET_STATUSES
from store import dialect, tallies
from store.models import Person, Ticket
from store.rows import tuple_rows
from store.tag_models import Tag
from store.tally_models import TagTally, ViewTally

Tallied = type[ViewTally] | type[TagTally]


def tally_of(query: TicketQuery) -> Tallied | None:
    """The tally that answers `query`'s count, None when none does."""
    terms = split_search(query.search)
    if query.requester or query.breached or query.due_within is not None:
        return None
    if terms.text or terms.fields or len(terms.tags) > 1:
        return None
    if set(query.statuses) - set(TICKET_STATUSES):
        return None  # the tickets' count says what is wrong with it
    if set(query.priorities) - set(TICKET_PRIORITIES):
        return None
    if terms.tags:
        return None if query.priorities else TagTally
    return ViewTally


def count(grants: Grants, query: TicketQuery, listed: scope.Predicate) -> int | None:
    """How many tickets `listed` (the list's predicate for `query`, scope included) holds,
    from a tally; None when no tally answers `query`."""
    tally = tally_of(query)
    if tally is None:
        return None
    where = scope._all(scope.visible(grants, tally, filed=False), _filters(grants, query, tally))
    total = 0 if where is scope.FALSE else _sum(tally, where)
    without_filed = scope.visible(grants, Ticket, filed=False)
    if without_filed is not scope.TRUE:
        filed = listed & (Ticket.requester == grants.person_id)
        if without_filed is not scope.FALSE:
            filed &= ~peewee.fn.COALESCE(without_filed, False)
        total += int(Ticket.select().where(filed).count())
    return total


def _filters(grants: Grants, query: TicketQuery, tally: Tallied) -> scope.Predicate:
    """`query`'s filters over the tally's columns (no group, no assignee: 0)."""
    where: list[scope.Predicate] = []
    if query.statuses:
        where.append(tally.status.in_(list(query.statuses)))
    if query.priorities:
        where.append(ViewTally.priority.in_(list(query.priorities)))
    if query.usergroups:
        where.append(tally.usergroup.in_([g or 0 for g in query.usergroups]))
    if query.sources:
        where.append(tally.source.in_(list(query.sources)))
    if query.mine:
        where.append(tally.assignee == grants.person_id)
    if query.unassigned:
        where.append(tally.assignee == 0)
    if query.assignee:
        person = Person.get_or_none(Person.username == query.assignee)
        where.append(tally.assignee == (person.id if person is not None else -1))
    for name in split_search(query.search).tags:
        tag = Tag.select(Tag.id).where(Tag.name == name.casefold())
        where.append(TagTally.tag == tag)
    return scope._all(*where)


def _sum(tally: Tallied, where: scope.Predicate) -> int:
    """The tally's sum over `where`. On PostgreSQL the same statement counts the rows writers
    appended since the last fold, and past `tallies.FOLD_AFTER` of them they are folded."""
    db = tally._meta.database
    if dialect.is_sqlite(db):
        summed = tally.select(peewee.fn.COALESCE(peewee.fn.SUM(tally.n), 0)).where(where)
        return int(summed.scalar())
    ((summed, appended),) = tuple_rows(
        tally.select(
            peewee.fn.COALESCE(peewee.fn.SUM(tally.n).filter(where), 0),
            peewee.fn.COUNT(tally.id).filter(~tally.folded),
        )
    )
    if appended > tallies.FOLD_AFTER:
        tallies.fold(db)
    return int(summed)
