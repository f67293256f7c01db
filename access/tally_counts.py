"""Counts from the tallies (`store.tally_models`): a saved view's count, or the inbox's, as a
sum over the few rows of a tally instead of a count of tickets.

A tally holds the columns a view filters on (status, priority, usergroup, source, assignee;
and per tag) and those a person's scope reads (the same and privacy), but not the
requester. So the count is the tally's sum over the scope said without "filed by the
person" (`scope.visible(..., filed=False)`), plus the tickets the person filed that this
leaves out, counted in the tickets by the requester's index (none for a person who sees every
ticket). A query a tally cannot answer (a requester, words, custom fields, service-level
filters, several tags) is counted in the tickets (`access.inbox`)."""

from __future__ import annotations

import peewee

from access import scope
from access.grants import Grants
from access.search_terms import split_search
from access.views import TicketQuery
from access.vocabulary import TICKET_PRIORITIES, TICKET_STATUSES
from store import dialect, tallies
from store.models import Person, Ticket
from store.planner import unindexed
from store.rows import tuple_rows
from store.tag_models import Tag, TicketTag
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
    return TagTally if terms.tags else ViewTally


def count(grants: Grants, query: TicketQuery, tally: Tallied, untagged: scope.Predicate) -> int:
    """How many tickets in the person's scope `query` (which `tally` answers) selects;
    `untagged` is the list's predicate for `query` without its tag (scope included). One
    statement: the tally's sum and, beside it, the tickets the person filed that it leaves out."""
    where = scope._all(scope.visible(grants, tally, filed=False), _filters(grants, query, tally))
    filed = _filed(grants, query, untagged)
    if where is scope.FALSE:
        return 0 if filed is None else int(Ticket.select().where(filed).count())
    return _sum(tally, where, filed)


def _filed(grants: Grants, query: TicketQuery, untagged: scope.Predicate) -> peewee.Select | None:
    """The count of the tickets the person filed that the tally's scope leaves out, read along
    the requester's index (the tag tested per ticket, not read as a list); None when there are
    none to add (a person who sees every ticket)."""
    without_filed = scope.visible(grants, Ticket, filed=False)
    if without_filed is scope.TRUE:
        return None
    filed = untagged & (Ticket.requester == grants.person_id)
    for name in split_search(query.search).tags:
        filed &= unindexed(Ticket.number).in_(_tickets_tagged(name))
    if without_filed is not scope.FALSE:
        filed &= ~peewee.fn.COALESCE(without_filed, False)
    return Ticket.select(peewee.fn.COUNT(peewee.SQL("*"))).where(filed)


def _tag_id(name: str) -> peewee.SelectQuery:
    return Tag.select(Tag.id).where(Tag.name == name.casefold())


def _tickets_tagged(name: str) -> peewee.SelectQuery:
    return TicketTag.select(TicketTag.ticket).where(TicketTag.tag == _tag_id(name))


def _filters(grants: Grants, query: TicketQuery, tally: Tallied) -> scope.Predicate:
    """`query`'s filters over the tally's columns (no group, no assignee: 0)."""
    where: list[scope.Predicate] = []
    if query.statuses:
        where.append(tally.status.in_(list(query.statuses)))
    if query.priorities:
        where.append(tally.priority.in_(list(query.priorities)))
    if query.usergroups:
        where.append(tally.usergroup.in_([g or 0 for g in query.usergroups]))
    if query.sources:
        where.append(tally.source.in_(list(query.sources)))
    if query.mine:
        where.append(tally.assignee == grants.person_id)
    if query.unassigned:
        where.append(tally.assignee == 0)
    if query.assignee:  # no one of that name: no ticket (the list says why)
        person = Person.select(Person.id).where(Person.username == query.assignee)
        where.append(tally.assignee == person)
    for name in split_search(query.search).tags:
        where.append(TagTally.tag == _tag_id(name))
    return scope._all(*where)


def _sum(tally: Tallied, where: scope.Predicate, filed: peewee.Select | None) -> int:
    """The tally's sum over `where`, plus the count `filed` when given, in one statement. On
    PostgreSQL the same statement counts the rows writers appended since the last fold, and
    past `tallies.FOLD_AFTER` of them they are folded."""
    db = tally._meta.database
    added = [] if filed is None else [filed]
    if dialect.is_sqlite(db):
        summed = tally.select(peewee.fn.COALESCE(peewee.fn.SUM(tally.n), 0), *added).where(where)
        (row,) = tuple_rows(summed)
        return int(sum(row))
    ((total, appended, *more),) = tuple_rows(
        tally.select(
            peewee.fn.COALESCE(peewee.fn.SUM(tally.n).filter(where), 0),
            peewee.fn.COUNT(tally.id).filter(~tally.folded),
            *added,
        )
    )
    if appended > tallies.FOLD_AFTER:
        tallies.fold(db)
    return int(total) + int(sum(more))
