"""The ticket list through the gate (`gate.inbox`): a page of the tickets in a person's scope,
their counts per group, where a ticket sits in the list, and searching them. Every read is
scoped in SQL (`access.scope`)."""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping
from datetime import datetime
from functools import reduce
from typing import Any, NamedTuple

import peewee

from access import scope, tags
from access.business_time import Calendar
from access.catalogue import PEOPLE_LIST, TICKETS_LIST, TICKETS_VIEW_CONTACT, TICKETS_VIEW_NOTES
from access.errors import InvalidInput
from access.grants import Grants
from access.list_views import GroupCount, TicketQuery, TicketRow, ticket_reference
from access.me import capabilities_of
from access.request import Part, Request
from access.search_terms import SearchTerms, split_search
from access.vocabulary import OPEN_STATUSES, TICKET_ORDERS, TICKET_PRIORITIES, TICKET_STATUSES
from store import search
from store.changes import newest_event
from store.models import Person, Source, Ticket, Usergroup
from store.planner import unindexed
from store.rows import dict_rows, tuple_rows

Requester = Person.alias("requester")
Assignee = Person.alias("assignee")

_SEARCH_WORD = r"\w+"
# A search matches the tickets of at most this many requesters by name or e-mail.
MAX_REQUESTERS = 500
MAX_SEARCH_WORDS = 32


class InboxStart(NamedTuple):
    """What the inbox's first frame shows (`Inbox.opening`): the person's capabilities, the
    first page, the newest audit event before it, and the calendars of the due column by
    policy (none for a person who does not list tickets)."""

    permissions: frozenset[str]
    first_page: list[TicketRow]
    last_change: int
    calendars: Mapping[int, Calendar]


class Inbox(Part):
    """`gate.inbox`: the list of tickets a person sees, as the inbox and the command line
    show it."""

    def list_tickets(
        self,
        query: TicketQuery | None = None,
        *,
        offset: int = 0,
        limit: int = 100,
        total: int | None = None,
    ) -> list[TicketRow]:
        """A page of the tickets in scope, newest activity first.

        With `total` (the count the caller already has), a page past the middle is read from
        the other end of the index, so jumping to the end costs the same as the first page.
        """
        return _page(self._open(), query or TicketQuery(), offset, limit, total)

    def opening(self, query: TicketQuery, limit: int) -> InboxStart:
        """What the inbox's first frame shows, in one request over the grants the session
        read as it began (`Part._open_first`): the newest audit event (`last_change`, read
        before the page, so that a change made after it is polled in), the person's
        capabilities (`gate.me.capabilities`), the first page of `query` and, when they list
        tickets, the calendars of the due column (`gate.sla.due_calendars`)."""
        request = self._open_first()
        last_change = newest_event()
        permissions = capabilities_of(request.grants())
        page = _page(request, query, 0, limit, None)
        calendars: dict[int, Calendar] = {}
        if TICKETS_LIST in permissions:
            from access.calendar_reads import due_calendars

            calendars = due_calendars(request)
        return InboxStart(permissions, page, last_change, calendars)

    def last_change(self) -> int:
        """The newest audit event: a session's change feed starts after it. Needs no right: the
        number tells only that changes were made, not which; the feed reads them through the
        person's scope."""
        return newest_event()

    def count_tickets(self, query: TicketQuery | None = None) -> int:
        return count_in_scope(self._open(), query or TicketQuery())

    def ticket_position(self, query: TicketQuery, number: int) -> int | None:
        """Where ticket `number` sits in the list `query` selects (how many of its tickets
        come before it in the query's order), or None when the list does not hold it: a list
        keeps its cursor on a ticket after others' changes re-sort it. Two statements: the
        ticket's sort keys, then a count over the part of the order's index before them."""
        request = self._open()
        if query.order not in TICKET_ORDERS:
            raise InvalidInput(f"unknown order {query.order!r}; one of {', '.join(TICKET_ORDERS)}")
        where = _filtered(request, query)
        keys = (
            Ticket.select(Ticket.updated_at, Ticket.priority, Ticket.due_at)
            .where((Ticket.number == number) & where)
            .tuples()
            .first()
        )
        if keys is None:
            return None
        updated_at, priority, due_at = keys
        if query.order == "due":
            before = _before_due(number, due_at)
        else:
            before = _before(query.order, number, updated_at, priority)
        return int(Ticket.select().where(where & before).count())

    def group_counts(self, query: TicketQuery | None = None) -> list[GroupCount]:
        """Tickets in scope per usergroup (the group filter), the query's group filter ignored."""
        query = query or TicketQuery()
        request = self._open()
        grants = request.grants()
        base = TicketQuery(
            statuses=query.statuses,
            sources=query.sources,
            assignee=query.assignee,
            requester=query.requester,
            mine=query.mine,
            unassigned=query.unassigned,
            search=query.search,
        )
        # Grouped on `+usergroup` so the planner scans the covering inbox index once instead
        # of walking the usergroup index with a table lookup per ticket.
        unscoped = scope.visible(grants) is scope.TRUE
        group = Ticket.usergroup if unscoped else scope.scoped_column(Ticket.usergroup)
        counted = (
            Ticket.select(group.alias("g"), peewee.fn.COUNT(Ticket.number).alias("n"))
            .where(_filtered(request, base))
            .group_by(group)
        )
        per_group = {row["g"]: row["n"] for row in dict_rows(counted)}
        names = {
            g.id: g.name
            for g in Usergroup.select(Usergroup.id, Usergroup.name).where(
                Usergroup.id.in_([k for k in per_group if k is not None])
            )
        }
        result = [GroupCount(gid, names[gid], n) for gid, n in per_group.items() if gid in names]
        result.sort(key=lambda g: g.name.casefold())
        if None in per_group:
            result.append(GroupCount(None, "(no group)", per_group[None]))
        return result


def count_in_scope(request: Request, query: TicketQuery, *, upto: int | None = None) -> int:
    """How many tickets in the person's scope `query` selects (the inbox's count, a saved
    view's): from a tally when one answers the query (`access.tally_counts`), else counted;
    counted no further than `upto` when given (the count is then at most `upto`)."""
    from access import tally_counts  # the counts, not the inbox's first page

    tally = tally_counts.tally_of(query)
    if tally is None:
        by_index = _count_by_index(request, query, upto)
        if by_index is not None:
            return by_index
        counted = Ticket.select(Ticket.number).where(_filtered(request, query, counting=True))
        return int((counted if upto is None else counted.limit(upto)).count())
    untagged = _filtered(request, query._replace(search=""), counting=True)
    return tally_counts.count(request.grants(), query, tally, untagged)


def _count_by_index(request: Request, query: TicketQuery, upto: int | None = None) -> int | None:
    """The count of a search whose words alone decide which tickets match (no requester's
    name or e-mail holds them, `#42` is not asked for, and the person reads notes on every
    ticket they see or on none): the index's matches joined with the tickets the rest of the
    query selects (`search.count_matches`), or the matches alone for a person who sees every
    ticket and filters nothing else. None otherwise."""
    asked = _words_alone(request, query)
    if asked is None:
        return None
    terms, notes = asked
    exact = _by_scope_words(request, query, terms, notes)
    if exact is not None:
        return exact if upto is None else min(exact, upto)
    if notes is None:  # no one list of matches: counted in the tickets
        return None
    rest = _filtered(request, query, counting=True, with_text=False)
    where = None if rest is scope.TRUE else rest
    return search.count_matches(terms.text, include_notes=notes, where=where, upto=upto)


def _words_alone(request: Request, query: TicketQuery) -> tuple[SearchTerms, bool | None] | None:
    """The terms of a search whose words alone decide which tickets match, with whether the
    person reads the notes of every ticket they see, of none, or (None) of some
    (`_notes_everywhere`); None otherwise."""
    terms = split_search(query.search)
    if not terms.text or ticket_reference(terms.text) is not None:
        return None
    _check_search_length(terms.text)
    if any(_requesters_matching(terms.text)):
        return None
    return terms, _notes_everywhere(request.grants())


def exact_word_count(request: Request, query: TicketQuery) -> int | None:
    """The exact count of a search of words from the scope tokens (SQLite's index, PostgreSQL's
    bitsets: `access.word_counts`); None where it cannot be counted so."""
    asked = _words_alone(request, query)
    return None if asked is None else _by_scope_words(request, query, *asked)


def _by_scope_words(
    request: Request, query: TicketQuery, terms: SearchTerms, notes: bool | None
) -> int | None:
    """`exact_word_count` once the words are known to decide alone: the filters said as scope
    tokens too (no tags, custom fields or due times), the rest as `word_counts.count` says."""
    if terms.tags or terms.fields or query.breached or query.due_within is not None:
        return None
    from access import scope_fts, word_counts  # counts of words only

    grants = request.grants()
    real = _filtered(request, query, counting=True, with_text=False)  # checks the filters
    people = [
        None if name is None else _person_filtered_by(grants, name)
        for name in (query.assignee, query.requester)
    ]
    filters = scope_fts.filters(query, grants.person_id, *people)
    scoped = scope_fts.narrowed(scope_fts.visible(grants), filters)
    readable: bool | word_counts.Notes = notes is True
    if notes is None:  # notes on some tickets: where, as tokens and as SQL
        notes_ok = scope.may(grants, TICKETS_VIEW_NOTES)
        readable = word_counts.Notes(scope_fts.notes_readable(grants), notes_ok)
    return word_counts.count(terms.text, notes=readable, scoped=scoped, real=real)


def _notes_everywhere(grants: Grants) -> bool | None:
    """Whether the person reads the notes of every ticket they see (True) or of none (False);
    None when of some. A search then asks one list of matches (notes included or not)."""
    notes_ok = scope.may(grants, TICKETS_VIEW_NOTES)
    if notes_ok is scope.TRUE or notes_ok is scope.FALSE:
        return notes_ok is scope.TRUE
    # `may` is `counts_on_visible` and `visible`: on every ticket seen when the first holds.
    return True if scope.counts_on_visible(grants, TICKETS_VIEW_NOTES) is scope.TRUE else None


def _filtered(
    request: Request,
    query: TicketQuery,
    *,
    in_order: bool = False,
    counting: bool = False,
    with_text: bool = True,
) -> scope.Predicate:
    """The tickets in scope that `query` selects; `in_order` when a page is read in inbox
    order (the search may then plan for that order), `counting` when they are only counted
    (no order: statuses and priorities seek along a counting index, `store.models.Ticket`);
    without the words of the search when not `with_text` (the caller matches them)."""
    grants = request.grants()
    where = scope.visible(grants)
    if query.statuses:
        unknown = set(query.statuses) - set(TICKET_STATUSES)
        if unknown:
            raise InvalidInput(f"unknown status {sorted(unknown)[0]!r}")
        # One status keeps its index (already in inbox order); several are tested per row
        # along the covering inbox index, which gives the order without a sort.
        indexed = counting or len(query.statuses) == 1
        status = Ticket.status if indexed else unindexed(Ticket.status)
        where &= status.in_(list(query.statuses))
    if query.priorities:
        unknown = set(query.priorities) - set(TICKET_PRIORITIES)
        if unknown:
            raise InvalidInput(f"unknown priority {sorted(unknown)[0]!r}")
        priority = Ticket.priority if counting else unindexed(Ticket.priority)
        where &= priority.in_(list(query.priorities))
    if query.usergroups:
        ids = [g for g in query.usergroups if g is not None]
        parts: list[scope.Predicate] = []
        if ids:
            parts.append(Ticket.usergroup.in_(ids))
        if None in query.usergroups:
            parts.append(Ticket.usergroup.is_null())
        where &= scope._any(parts)
    if query.sources:
        where &= Ticket.source.in_(list(query.sources))
    if query.mine:
        where &= Ticket.assignee == grants.person_id
    if query.unassigned:
        where &= Ticket.assignee.is_null()
    if query.assignee:
        where &= Ticket.assignee == _person_filtered_by(grants, query.assignee)
    if query.requester:
        where &= Ticket.requester == _person_filtered_by(grants, query.requester)
    terms = split_search(query.search)
    for name in terms.tags:
        where &= tags.tagged(name)
    if terms.fields:
        from access import ticket_fields  # a search of custom fields alone

        for name, value in terms.fields:
            where &= ticket_fields.with_value(name, value)
    if terms.text and with_text:
        where &= _matching(grants, terms.text, in_order)
    due = due_filter(request, query, counting=counting)
    return where if due is scope.TRUE else where & due


def due_filter(request: Request, query: TicketQuery, *, counting: bool = False) -> scope.Predicate:
    """The service-level filters, counted from the session's clock (`request.now`), of the
    tickets not resolved or closed (`is_breached`): breached, a range per status of the
    breached index when counted, so a breached count reads only the breached; due within a
    business time of each ticket's calendar (`access.due_window`), the breached included."""
    if not query.breached and query.due_within is None:
        return scope.TRUE
    parts = [_open_work(query, counting)]
    if query.breached:
        parts.append(Ticket.due_at <= request.now)
    if query.due_within is not None:
        if query.due_within.days < 0 or query.due_within.minutes < 0:
            raise InvalidInput("a time a ticket is due within must not be negative")
        from access import due_window  # the filter "due within" alone

        parts.append(due_window.due_within(request, query.due_within))
    return scope._all(*parts)


def _open_work(query: TicketQuery, counting: bool) -> scope.Predicate:
    """The tickets not resolved or closed: a term on the status, unless the query's own
    statuses keep to them already; a page (not a count) keeps the index of its order."""
    if query.statuses and set(query.statuses) <= set(OPEN_STATUSES):
        return scope.TRUE
    status = Ticket.status if counting else unindexed(Ticket.status)
    return status.in_(list(OPEN_STATUSES))


def _matching(grants: Grants, text: str, in_order: bool) -> scope.Predicate:
    """`#42` is that ticket. Otherwise every word in the subject or the public
    conversation (notes count only where the person may read notes on that ticket), or in
    the requester's name (their e-mail only where the person may see contacts)."""
    number = ticket_reference(text)
    if number is not None:
        return Ticket.number == number
    _check_search_length(text)
    notes_ok = scope.may(grants, TICKETS_VIEW_NOTES)
    if notes_ok is scope.FALSE:
        in_text = search.public_match(text, in_order=in_order)
    elif notes_ok is scope.TRUE:
        in_text = search.any_match(text, in_order=in_order)
    else:
        in_text = search.public_or_noted_match(text, notes_ok, in_order=in_order)
    by_name, by_email = _requesters_matching(text)
    if by_name:
        in_text |= Ticket.requester.in_(by_name)
    if by_email:
        contact_ok = scope.may(grants, TICKETS_VIEW_CONTACT)
        if contact_ok is not scope.FALSE:
            in_text |= Ticket.requester.in_(by_email) & contact_ok
    return in_text


def _asker(grants: Grants, text: str) -> search.Asker | None:
    """The search as a question about one ticket, where notes are readable everywhere the
    person looks or nowhere (a mixed scope needs the ticket's columns beside the answer),
    and no requester's name or e-mail matches (the question asks only the text)."""
    terms = split_search(text)
    if not text.strip() or ticket_reference(text) is not None or terms.tags or terms.fields:
        return None
    _check_search_length(text)
    if any(_requesters_matching(text)):
        return None
    notes_ok = scope.may(grants, TICKETS_VIEW_NOTES)
    if notes_ok is scope.TRUE or notes_ok is scope.FALSE:
        return search.asker(text, include_notes=notes_ok is scope.TRUE)
    return None


def ticket_rows(grants: Grants, where: scope.Predicate) -> peewee.ModelSelect[Ticket]:
    as_supervisor = peewee.Case(None, [(scope.as_supervisor(grants), 1)], 0)
    as_assignee = peewee.Case(None, [(scope.as_assignee(grants), 1)], 0)
    return (
        Ticket.select(
            Ticket.number,
            Ticket.subject,
            Ticket.status,
            Ticket.priority,
            Ticket.private,
            Ticket.created_at,
            Ticket.updated_at,
            Ticket.version,
            Ticket.first_response_due,
            Ticket.next_response_due,
            Ticket.resolution_due,
            Ticket.due_at,
            Ticket.sla_policy,
            Requester.username.alias("requester_name"),
            Usergroup.name.alias("group_name"),
            Source.name.alias("source_name"),
            Assignee.username.alias("assignee_name"),
            as_supervisor.alias("as_supervisor"),
            as_assignee.alias("as_assignee"),
            tags.names_column().alias("tag_names"),
        )
        .join(Requester, on=(Ticket.requester == Requester.id))
        .switch(Ticket)
        .join(Source, on=(Ticket.source == Source.id))
        .switch(Ticket)
        .join(Usergroup, peewee.JOIN.LEFT_OUTER, on=(Ticket.usergroup == Usergroup.id))
        .switch(Ticket)
        .join(Assignee, peewee.JOIN.LEFT_OUTER, on=(Ticket.assignee == Assignee.id))
        .where(where)
    )


def ticket_row(data: dict[str, Any], now: datetime) -> TicketRow:
    return TicketRow(
        number=data["number"],
        subject=data["subject"],
        requester=data["requester_name"],
        usergroup=data["group_name"],
        source=data["source_name"],
        status=data["status"],
        priority=data["priority"],
        assignee=data["assignee_name"],
        private=bool(data["private"]),
        created_at=data["created_at"],
        updated_at=data["updated_at"],
        version=data["version"],
        as_supervisor=bool(data["as_supervisor"]),
        as_assignee=bool(data["as_assignee"]),
        first_response_due=data["first_response_due"],
        next_response_due=data["next_response_due"],
        resolution_due=data["resolution_due"],
        breached=is_breached(data["status"], data["due_at"], now),
        tags=tags.names_of(data["tag_names"]),
        sla_policy=data["sla_policy"],
    )


def is_breached(status: str, due_at: datetime | str | None, now: datetime) -> bool:
    """Whether a ticket is breached at `now`, as the breached filter decides it: the work late
    now, a ticket not resolved or closed whose earliest due time (`Ticket.due_at`) has passed
    (a pending one's clock fell due before it paused). A resolved or closed ticket keeps the
    due time a stopped clock had passed, but is done: its verdicts are in the SLA report."""
    if due_at is None or status not in OPEN_STATUSES:
        return False
    due = due_at if isinstance(due_at, datetime) else datetime.fromisoformat(due_at)
    return due <= now


def _person_filtered_by(grants: Grants, username: str) -> int:
    """The id of the person a list is filtered by (`--assignee`, `--requester`). To someone
    who may not list people an unknown name selects no ticket, as a person with none in their
    scope does: whether a name exists is not told (no person has the id -1)."""
    person = Person.get_or_none(Person.username == username)
    if person is not None:
        return int(person.id)
    if grants.holds(PEOPLE_LIST):
        raise InvalidInput(f"no person named {username!r}")
    return -1


def _check_search_length(text: str) -> None:
    """A search has at most MAX_SEARCH_WORDS words: each is one more condition on the text and
    on the requesters' names, and hundreds overflow the database's parser."""
    words = len(re.findall(_SEARCH_WORD, text))
    if words > MAX_SEARCH_WORDS:
        raise InvalidInput(f"a search takes at most {MAX_SEARCH_WORDS} words; this one has {words}")


def _requesters_matching(text: str) -> tuple[list[int], list[int]]:
    """The people whose username or display name holds every word of `text`, and those whose
    e-mail does (and not their name): ids, at most MAX_REQUESTERS of each."""
    words = re.findall(_SEARCH_WORD, text)
    if not words:
        return [], []

    def holding_every_word(*columns: peewee.Field) -> scope.Predicate:
        each = [reduce(operator.or_, [c.contains(w) for c in columns]) for w in words]
        return reduce(operator.and_, each)

    by_name = holding_every_word(Person.username, Person.display_name)
    names = Person.select(Person.id).where(by_name).limit(MAX_REQUESTERS)
    emails = (
        Person.select(Person.id)
        .where(holding_every_word(Person.email) & ~by_name)
        .limit(MAX_REQUESTERS)
    )
    return [p for (p,) in tuple_rows(names)], [p for (p,) in tuple_rows(emails)]


# Most urgent first: the rank of each priority, as SQL.
_PRIORITY_RANK = peewee.Case(
    Ticket.priority,
    [(p, i) for i, p in enumerate(reversed(TICKET_PRIORITIES))],
    len(TICKET_PRIORITIES),
)


def _page(
    request: Request, query: TicketQuery, offset: int, limit: int, total: int | None
) -> list[TicketRow]:
    """`Inbox.list_tickets` in `request`."""
    if offset < 0 or limit < 0:
        raise InvalidInput("offset and limit must not be negative")
    grants = request.grants()
    if query.order not in TICKET_ORDERS:
        raise InvalidInput(f"unknown order {query.order!r}; one of {', '.join(TICKET_ORDERS)}")
    newest_first = query.order != "waiting"
    reverse = False
    if total is not None and offset > total // 2:
        end = min(offset + limit, total)
        offset, limit = total - end, max(0, end - offset)
        reverse = True
    order = _order(query.order, reverse)
    page_keys: Any = None
    by_activity = query.order in ("activity", "waiting")
    ask = _asker(grants, query.search) if by_activity else None
    if ask is not None:  # a word in most tickets: ask about the newest ones in turn
        in_scope = Ticket.select(Ticket.number, Ticket.updated_at).where(
            _filtered(request, query._replace(search=""))
        )
        page_keys = search.page_by_asking(in_scope, newest_first != reverse, ask, offset, limit)
    if page_keys is None:
        # Skip rows over the ticket index alone, then join names for the one page.
        keys = Ticket.select(Ticket.number).where(_filtered(request, query, in_order=True))
        page_keys = keys.order_by(*order).offset(offset).limit(limit)
    page = ticket_rows(grants, Ticket.number.in_(page_keys)).order_by(*order)
    rows = [ticket_row(d, request.now) for d in dict_rows(page)]
    return rows[::-1] if reverse else rows


def _order(order: str, reverse: bool) -> tuple[peewee.Ordering, ...]:
    """The ORDER BY of an inbox order, or of its reverse (a page read from the other end)."""
    if order == "due":  # the earliest due time first, tickets with no clock running last
        if reverse:
            return (Ticket.due_at.desc(), Ticket.number.desc())
        return (Ticket.due_at.asc(), Ticket.number.asc())
    newest = order != "waiting"
    by_time = (
        (Ticket.updated_at.desc(), Ticket.number.desc())
        if newest != reverse
        else (Ticket.updated_at.asc(), Ticket.number.asc())
    )
    if order == "priority":
        return ((_PRIORITY_RANK.desc() if reverse else _PRIORITY_RANK.asc()), *by_time)
    return by_time


def _before_due(number: int, due_at: Any) -> scope.Predicate:
    """The tickets the order by due time puts before ticket `number`: a range on the due-time
    index (`due_at`, `number`)."""
    return (Ticket.due_at <= due_at) & ((Ticket.due_at < due_at) | (Ticket.number < number))


def _before(order: str, number: int, updated_at: Any, priority: str) -> scope.Predicate:
    """The tickets an inbox order puts before ticket `number` (with those sort keys): a
    range on the order's index (`updated_at`, `number`), so counting them reads no table."""
    if order == "waiting":
        earlier = (Ticket.updated_at < updated_at) | (Ticket.number < number)
        by_time = (Ticket.updated_at <= updated_at) & earlier
    else:
        later = (Ticket.updated_at > updated_at) | (Ticket.number > number)
        by_time = (Ticket.updated_at >= updated_at) & later
    if order != "priority" or priority not in TICKET_PRIORITIES:
        return by_time
    rank = TICKET_PRIORITIES.index(priority)
    more_urgent = list(TICKET_PRIORITIES[rank + 1 :])
    return unindexed(Ticket.priority).in_(more_urgent) | ((Ticket.priority == priority) & by_time)
