"""Whether a ticket meets a rule's conditions: the ticket's facts read in one statement for many
tickets (the words and the requester's groups only when a rule asks for them), and the test of
each condition on them. No rights are checked here: the runner asks the gate, as the rule's
owner, before anything is done."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import peewee

from access.business_time import Calendar, business_minutes, business_seconds
from access.calendars import read_calendar
from access.rule_text import (
    CALENDAR,
    DUE,
    GROUP,
    HAS_TAG,
    HOURS,
    IDLE,
    INSIDE,
    LACKS_TAG,
    PRIORITY,
    REQUESTER_GROUP,
    SOURCE,
    STATUS,
    WORDS,
    Kept,
)
from access.sla_rules import parse_duration, working_day_minutes
from access.vocabulary import CUSTOMER
from store import word_candidates
from store.among import among
from store.models import NO_DUE, BusinessCalendar, GroupMember, Message, Ticket, utcnow
from store.prepared import PreparedSelect, kept_as_is
from store.rows import tuple_rows
from store.tag_models import Tag, TicketTag


@dataclass
class Facts:
    """What conditions look at on one ticket."""

    number: int
    subject: str
    status: str
    priority: str
    source: int
    usergroup: int | None
    requester: int
    assignee: int | None
    updated_at: datetime
    due_at: datetime = NO_DUE
    words: str | None = None  # subject and newest customer message, lower case, when read
    requester_groups: frozenset[int] | None = None
    tags: frozenset[str] | None = None


# Tickets per statement: well under SQLite's limit of parameters, for a replay of a month.
FACTS_CHUNK = 500

FACT_COLUMNS: tuple[peewee.Field, ...] = (
    Ticket.number,
    Ticket.subject,
    Ticket.status,
    Ticket.priority,
    Ticket.source,
    Ticket.usergroup,
    Ticket.requester,
    Ticket.assignee,
    Ticket.updated_at,
    Ticket.due_at,
)

# The facts read only when a rule asks for them, by the condition that needs them.
TAGS = "tags"
_COSTLY = {WORDS: WORDS, REQUESTER_GROUP: REQUESTER_GROUP, HAS_TAG: TAGS, LACKS_TAG: TAGS}


def _one_ticket(number: int) -> peewee.Query:
    return Ticket.select(*FACT_COLUMNS).where(Ticket.number == number)


def _newest_words(number: int, kind: str) -> peewee.Query:
    newest = Message.select(peewee.fn.MAX(Message.id)).where(
        (Message.ticket == number) & (Message.kind == kind)
    )
    return Message.select(Message.body).where(Message.id == newest)


def _tickets(*numbers: int) -> peewee.Query:
    return Ticket.select(*FACT_COLUMNS).where(among(Ticket.number, numbers))


def _newest_bodies(kind: str, *numbers: int) -> peewee.Query:
    newest = (
        Message.select(peewee.fn.MAX(Message.id))
        .where((Message.kind == kind) & among(Message.ticket, numbers))
        .group_by(Message.ticket)
    )
    return Message.select(Message.ticket, Message.body).where(Message.id.in_(newest))


def _groups_of(*people: int) -> peewee.Query:
    return GroupMember.select(GroupMember.person, GroupMember.usergroup).where(
        among(GroupMember.person, people)
    )


def _tags_of(*numbers: int) -> peewee.Query:
    return (
        TicketTag.select(TicketTag.ticket, Tag.name)
        .join(Tag, on=(TicketTag.tag == Tag.id))
        .where(among(TicketTag.ticket, numbers))
    )


# The statements of the facts, built once per database (and padded count of tickets).
_ONE_TICKET = PreparedSelect(_one_ticket)
_NEWEST_WORDS = PreparedSelect(_newest_words)
_TICKETS = PreparedSelect(_tickets, listed_after=0)
_NEWEST_BODIES = PreparedSelect(_newest_bodies, listed_after=1)
_GROUPS_OF = PreparedSelect(_groups_of, listed_after=0)
_TAGS_OF = PreparedSelect(_tags_of, listed_after=0)


# Each fact's conversion, and the types of the driver's values it leaves as they are.
_CONVERSIONS = [(kept_as_is(c, "python_value"), c.python_value) for c in FACT_COLUMNS]


def _facts(row: Sequence[Any]) -> Facts:
    """The facts of a row of `FACT_COLUMNS` as the driver gives it."""
    return Facts(
        *[
            v if type(v) in as_is else convert(v)
            for (as_is, convert), v in zip(_CONVERSIONS, row, strict=True)
        ]
    )


def read_facts(numbers: Sequence[int], needs: set[str]) -> dict[int, Facts]:
    """The facts of these tickets (those that exist), with what `needs` names of the costlier
    ones (`words`, `requester-group`, `tags`)."""
    if len(numbers) == 1:
        return _read_one(numbers[0], needs)
    facts: dict[int, Facts] = {}
    for start in range(0, len(numbers), FACTS_CHUNK):
        chunk = list(numbers[start : start + FACTS_CHUNK])
        read = {row[0]: _facts(row) for row in _TICKETS.rows(*chunk)}
        add_costly(read, needs)
        facts.update(read)
    return facts


def read_facts_where(
    where: peewee.ColumnBase, needs: set[str], *, after: int = 0, limit: int | None = None
) -> list[Facts]:
    """The facts of the tickets `where` selects numbered above `after`, in order of number, at
    most `limit` of them, read as one query (a replay pages through a month by number); the
    words by a column of it."""
    columns: list[Any] = list(FACT_COLUMNS)
    if WORDS in needs:
        newest = Message.select(peewee.fn.MAX(Message.id)).where(
            (Message.ticket == Ticket.number) & (Message.kind == CUSTOMER)
        )
        columns.append(Message.select(Message.body).where(Message.id == newest))
    query = Ticket.select(*columns).where(where & (Ticket.number > after)).order_by(Ticket.number)
    if limit is not None:
        query = query.limit(limit)
    facts: list[Facts] = []
    for row in tuple_rows(query):
        fact = Facts(*row[: len(FACT_COLUMNS)])
        if WORDS in needs:
            fact.words = f"{fact.subject}\n{row[-1] or ''}".lower()
        facts.append(fact)
    rest = needs - {WORDS}
    for start in range(0, len(facts) if rest else 0, FACTS_CHUNK):
        add_costly({f.number: f for f in facts[start : start + FACTS_CHUNK]}, rest)
    return facts


def _read_one(number: int, needs: set[str]) -> dict[int, Facts]:
    row = _ONE_TICKET.first(number)
    if row is None:
        return {}
    fact = _facts(row)
    if WORDS in needs:
        body = _NEWEST_WORDS.first(number, CUSTOMER)
        fact.words = f"{fact.subject}\n{'' if body is None else body[0]}".lower()
    read = {number: fact}
    add_costly(read, needs - {WORDS})
    return read


def add_costly(facts: dict[int, Facts], needs: set[str]) -> None:
    """The words, the requesters' groups and the tags, read only when a rule asks for them."""
    if not facts:
        return
    if WORDS in needs:
        bodies: dict[int, str] = dict(_NEWEST_BODIES.rows(CUSTOMER, *facts))
        for fact in facts.values():
            fact.words = f"{fact.subject}\n{bodies.get(fact.number, '')}".lower()
    if REQUESTER_GROUP in needs:
        groups: dict[int, set[int]] = {}
        requesters = {f.requester for f in facts.values()}
        for person, group in _GROUPS_OF.rows(*requesters):
            groups.setdefault(person, set()).add(group)
        for fact in facts.values():
            fact.requester_groups = frozenset(groups.get(fact.requester, ()))
    if TAGS in needs:
        carried: dict[int, set[str]] = {}
        for number, name in _TAGS_OF.rows(*facts):
            carried.setdefault(number, set()).add(name)
        for fact in facts.values():
            fact.tags = frozenset(carried.get(fact.number, ()))


def needs_of(conditions: Iterable[Kept]) -> set[str]:
    return {_COSTLY[c["key"]] for c in conditions if c["key"] in _COSTLY}


@dataclass
class Clock:
    """Now, and the calendars read once for a run of rules; `read` the gate's clock it was
    read from, which the rules' owners' sessions write their actions' times by."""

    now: datetime = field(default_factory=utcnow)
    _calendars: dict[int, Calendar | None] = field(default_factory=dict)
    read: Callable[[], datetime] = utcnow

    @classmethod
    def of(cls, read: Callable[[], datetime]) -> Clock:
        """Now by the clock `read`."""
        return cls(read(), read=read)

    def calendar(self, calendar_id: int) -> Calendar | None:
        if calendar_id not in self._calendars:
            row = BusinessCalendar.get_or_none(BusinessCalendar.id == calendar_id)
            self._calendars[calendar_id] = None if row is None else read_calendar(row).calendar()
        return self._calendars[calendar_id]


def calendar_of(conditions: Sequence[Kept]) -> int | None:
    return next((c["id"] for c in conditions if c["key"] == CALENDAR), None)


def idle_minutes(conditions: Sequence[Kept], calendar: Calendar | None) -> int:
    """How long a time rule's tickets must be unchanged, in minutes (of business time when
    the rule names a calendar)."""
    duration = parse_duration(next(c["value"] for c in conditions if c["key"] == IDLE))
    day = 1440 if calendar is None else working_day_minutes(calendar)
    return duration.days * day + duration.minutes


def holds(conditions: Sequence[Kept], facts: Facts, clock: Clock) -> bool:
    """Every condition holds on the ticket now."""
    return matcher(conditions, clock)(facts)


def matcher(conditions: Sequence[Kept], clock: Clock) -> Callable[[Facts], bool]:
    """`holds` of `conditions` as a test of one ticket's facts, for many tickets in turn: each
    condition made into a test of its own once (the calendar looked up, durations, due limits
    and whether it is business hours now worked out), the cheap ones tried first; a condition
    that holds or fails whatever the ticket decides once."""
    calendar_id = calendar_of(conditions)
    calendar = None if calendar_id is None else clock.calendar(calendar_id)
    if calendar_id is not None and calendar is None:
        return _never  # its calendar was deleted: the rule no longer means anything
    tests: list[Callable[[Facts], bool]] = []
    for kept in sorted(conditions, key=lambda kept: _COST.get(kept["key"], 0)):
        test = _test(kept, clock, calendar)
        if test is _never:
            return _never
        if test is not _always:
            tests.append(test)
    if len(tests) <= 1:
        return tests[0] if tests else _always

    def every(facts: Facts) -> bool:
        return all(test(facts) for test in tests)

    return every


def _never(_facts: Facts) -> bool:
    return False


def _always(_facts: Facts) -> bool:
    return True


# How dear a condition's test is, cheapest first (the ticket's own columns: 0).
_COST = {REQUESTER_GROUP: 1, HAS_TAG: 1, LACKS_TAG: 1, DUE: 1, WORDS: 2, IDLE: 3}


def _test(kept: Kept, clock: Clock, calendar: Calendar | None) -> Callable[[Facts], bool]:
    """One condition as a test of a ticket's facts."""
    key = kept["key"]
    if key in (SOURCE, GROUP, REQUESTER_GROUP):
        return _test_of_id(key, kept["id"])
    if key in (PRIORITY, STATUS, HAS_TAG, LACKS_TAG):
        return _test_of_choices(key, frozenset(kept["any"]))
    if key == WORDS:
        return _test_of_words(tuple(kept["any"]))
    if key == DUE:
        limit = clock.now + timedelta(minutes=kept["minutes"])
        return lambda facts: facts.due_at <= limit
    if key == HOURS:
        assert calendar is not None
        working = business_seconds(calendar, clock.now, clock.now + timedelta(seconds=1)) > 0
        return _always if working == (kept["value"] == INSIDE) else _never
    if key == IDLE:
        minutes, now = idle_minutes([kept], calendar), clock.now
        if calendar is None:
            return lambda facts: (now - facts.updated_at).total_seconds() >= minutes * 60
        return lambda facts: business_minutes(calendar, facts.updated_at, now) >= minutes
    return _always  # calendar=: read by the conditions that count in it


def _test_of_id(key: str, wanted: int) -> Callable[[Facts], bool]:
    if key == SOURCE:
        return lambda facts: facts.source == wanted
    if key == GROUP:
        return lambda facts: facts.usergroup == wanted
    return lambda facts: facts.requester_groups is not None and wanted in facts.requester_groups


def _test_of_choices(key: str, wanted: frozenset[str]) -> Callable[[Facts], bool]:
    if key == PRIORITY:
        return lambda facts: facts.priority in wanted
    if key == STATUS:
        return lambda facts: facts.status in wanted
    if key == HAS_TAG:
        return lambda facts: facts.tags is not None and not facts.tags.isdisjoint(wanted)
    return lambda facts: facts.tags is not None and facts.tags.isdisjoint(wanted)


def _test_of_words(words: tuple[str, ...]) -> Callable[[Facts], bool]:
    """Any of `words` in the ticket's words (lower case, as kept)."""
    if len(words) == 1:
        (word,) = words
        return lambda facts: facts.words is not None and word in facts.words
    return lambda facts: facts.words is not None and any(w in facts.words for w in words)


def narrowing(conditions: Sequence[Kept]) -> peewee.ColumnBase:
    """The part of an event rule's `conditions` that SQL can test on the ticket's own columns
    and its tags, so that a replay reads only tickets that may match; `holds` still tests
    every condition on each ticket read. (Time rules find their tickets by index already.)"""
    clauses: list[peewee.ColumnBase] = []
    for kept in conditions:
        key = kept["key"]
        if key == SOURCE:
            clauses.append(Ticket.source == kept["id"])
        elif key == GROUP:
            clauses.append(Ticket.usergroup == kept["id"])
        elif key == PRIORITY:
            clauses.append(Ticket.priority.in_(list(kept["any"])))
        elif key == STATUS:
            clauses.append(Ticket.status.in_(list(kept["any"])))
        elif key == HAS_TAG:
            tagged = (
                TicketTag.select(TicketTag.ticket)
                .join(Tag, on=(TicketTag.tag == Tag.id))
                .where(Tag.name.in_(list(kept["any"])))
            )
            clauses.append(Ticket.number.in_(tagged))
    return functools.reduce(operator.and_, clauses) if clauses else peewee.Value(True)


def word_narrowing(conditions: Sequence[Kept]) -> peewee.ColumnBase | None:
    """The tickets the search index says may hold a `words=` condition's words in their
    subject or public text (`store.word_candidates`), a superset of those the condition holds
    on; None when the rule has none or the index cannot say. `holds` still decides. Asking
    reads the index's whole vocabulary: worth it only for words that turn out to be rare."""
    words = next((c["any"] for c in conditions if c["key"] == WORDS), None)
    return None if words is None else word_candidates.public_candidates(words)
