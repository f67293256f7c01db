"""Keeping tickets' service-level due times current: the one step every change that moves them
calls, in the change's own transaction, after its other writes (`keep_due_times`).

The due times are recomputed from the ticket's history, not carried forward: the clock
(`access.sla_clock`) is a pure function of the ticket's creation, its messages, its changes of
status, priority, usergroup and source (from the audit log) and the policies, so what is stored
is always what the history says, whatever order the changes came in. It costs two statements
per chunk of tickets: one reads everything the clocks need and nothing more (`read_state`: the
tickets, their replies and customer messages but not their notes, their changes, their stored
verdicts, the usergroups' names and renames, and the policies with their calendars the first
time in a request), one writes the due times of every ticket in the chunk, with the verdicts of
the clocks that ended (`access.sla_verdicts`). A clock that ended before the change began is
not measured again: it has no due time to keep and its verdict, if any, was given when it
ended. `tests/access/test_due_time_property.py` holds this to a recompute from everything.

A logged move names usergroups as they were named then: it is matched to the group that bore
that name at the time (its renames are in the audit log), so a group renamed since a move still
meets the policies' conditions.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import peewee

from access.audit_actions import GROUP_RENAME, TICKET_MOVE, TICKET_PRIORITY, TICKET_STATUS
from access.business_time import Calendar
from access.calendar_text import format_hours, parse_hours
from access.request import Request
from access.sla_clock import (
    CLOCK_MESSAGES,
    PRIORITY,
    STATUS,
    USERGROUP,
    Clock,
    Event,
    History,
    clock,
)
from access.sla_rules import STOPPING_STATUSES, Attributes, Policy, parse_duration
from access.sla_verdicts import VerdictKey, new_verdicts, write_with
from access.versions import TARGET_KIND
from store.among import among
from store.models import (
    NO_DUE,
    AuditEvent,
    BusinessCalendar,
    CalendarHoliday,
    Message,
    SlaPolicy,
    Ticket,
    Usergroup,
)
from store.prepared import NumbersQuery, padded
from store.raw_writes import update_each
from store.rows import tuple_rows
from store.sla_models import SlaVerdict
from store.words import REPLY

# The audit actions that change what the clocks see, and the kind of event each is.
_CHANGES = {TICKET_STATUS: STATUS, TICKET_PRIORITY: PRIORITY, TICKET_MOVE: USERGROUP}
_MEMO = "sla.policies"
_STATES = NumbersQuery()  # `read_state`'s statement, by whether it reads the policies, and count
# Tickets whose due times one statement reads and one writes.
CHUNK = 250
# The ticket fields whose change moves due times (the policies' conditions, and the status).
CLOCK_FIELDS = frozenset({"status", "priority", "usergroup", "source"})


@dataclass(frozen=True)
class PolicySet:
    """The policies in match order, as the clock applies them, with what the store and the
    explanation name them by."""

    policies: tuple[Policy, ...] = ()
    ids: Mapping[str, int] = field(default_factory=dict)
    calendars: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # name, zone


@dataclass(frozen=True)
class Dues:
    """What a ticket stores of its clocks: the policy it matches now (by id) and when each
    running clock falls due."""

    policy: int | None = None
    first_response: datetime | None = None
    next_response: datetime | None = None
    resolution: datetime | None = None

    @property
    def due_at(self) -> datetime:
        """The earliest due time; NO_DUE when no clock runs."""
        return min(
            (d for d in (self.first_response, self.next_response, self.resolution) if d),
            default=NO_DUE,
        )


@dataclass
class TicketState:
    """What one statement read: the tickets' histories and the policies, and for the verdicts
    those already given, the replies' authors by time and the assignees."""

    histories: dict[int, History]
    policies: PolicySet
    verdicts: dict[int, set[VerdictKey]] = field(default_factory=dict)
    repliers: dict[int, dict[datetime, int]] = field(default_factory=dict)
    assignees: dict[int, int | None] = field(default_factory=dict)

    def verdict_context(
        self, number: int
    ) -> tuple[set[VerdictKey], dict[datetime, int], int | None]:
        """What `access.sla_verdicts.new_verdicts` needs of ticket `number`."""
        return (
            self.verdicts.get(number, set()),
            self.repliers.get(number, {}),
            self.assignees.get(number),
        )


def keep_due_times(request: Request, numbers: Iterable[int]) -> dict[int, Dues]:
    """Recompute and store the due times of `numbers` (inside the change's transaction, after
    its other writes), with the verdicts of the clocks the change ended: two statements per
    chunk of tickets, the first chunk of a request reading the policies too."""
    return measure_tickets(request, numbers, verdicts_since=request.began)


def measure_tickets(
    request: Request, numbers: Iterable[int], *, verdicts_since: datetime | None
) -> dict[int, Dues]:
    """`keep_due_times`, storing a verdict for each clock that ended at `verdicts_since` or
    later and has none (None: no verdicts; a clock ended before the request is judged when it
    ended, or never, not by the policies of a later day)."""
    wanted = sorted(set(numbers))
    dues: dict[int, Dues] = {}
    for start in range(0, len(wanted), CHUNK):
        found, verdicts = _measure_chunk(request, wanted[start : start + CHUNK], verdicts_since)
        write_dues(found, verdicts)
        dues.update(found)
    return dues


def due_times_to_write(
    request: Request, numbers: Iterable[int]
) -> tuple[dict[int, Dues], list[dict[str, Any]]]:
    """What `keep_due_times` writes, measured but not written: the due times of `numbers`
    and the verdicts of the clocks the change ended, for a writer that puts them in its own
    UPDATE of the tickets (`access.ticket_writes`). The tickets' histories are read from the
    audit log and the messages: every change of a clock's field must be logged already; only
    where a ticket has no logged change of a field is its row read for it (and, for the
    verdicts, its assignee)."""
    wanted = sorted(set(numbers))
    dues: dict[int, Dues] = {}
    verdicts: list[dict[str, Any]] = []
    for start in range(0, len(wanted), CHUNK):
        found, ended = _measure_chunk(request, wanted[start : start + CHUNK], request.began)
        dues.update(found)
        verdicts += ended
    return dues, verdicts


def _measure_chunk(
    request: Request, chunk: list[int], verdicts_since: datetime | None
) -> tuple[dict[int, Dues], list[dict[str, Any]]]:
    request.write_held()  # the clocks are read from the audit log (`Request.events_held`)
    state = read_state(request, chunk)
    now = request.clock()
    policies = state.policies
    found: dict[int, Dues] = {}
    verdicts: list[dict[str, Any]] = []
    # A clock that ended before the verdicts' time is neither kept (due times are those
    # of running clocks) nor judged: it is not measured.
    since = now if verdicts_since is None else verdicts_since
    for number, history in state.histories.items():
        measured = clock(history, policies.policies, now, ended_since=since)
        found[number] = dues_of(measured, policies)
        if verdicts_since is None:
            continue
        context = state.verdict_context(number)
        verdicts += new_verdicts(number, history, measured, policies, context, verdicts_since)
    return found, verdicts


def recompute_open(request: Request) -> int:
    """After an edit of the policies or a calendar has committed: every ticket not resolved or
    closed measured again, a chunk of tickets per transaction, so that no transaction holds
    the write lock for long (a resolved or closed ticket has no clock running, and reopening
    it measures it again). Until its chunk commits, a ticket keeps the due times of the
    policies before the edit. Returns how many."""
    request.memo.pop(_MEMO, None)
    done, after = 0, 0
    while True:
        with request.writing():
            chunk = [
                number
                for (number,) in tuple_rows(
                    Ticket.select(Ticket.number)
                    .where(
                        (Ticket.number > after) & Ticket.status.not_in(sorted(STOPPING_STATUSES))
                    )
                    .order_by(Ticket.number)
                    .limit(CHUNK)
                )
            ]
            if not chunk:
                return done
            measure_tickets(request, chunk, verdicts_since=None)
        done += len(chunk)
        after = chunk[-1]


def dues_of(measured: Clock, policies: PolicySet) -> Dues:
    """The due times a ticket stores: those of the clocks still running."""

    def running(target: Any) -> datetime | None:
        return None if target is None or target.ended is not None else target.due

    return Dues(
        policy=None if measured.policy is None else policies.ids.get(measured.policy),
        first_response=running(measured.first_response),
        next_response=running(measured.next_response),
        resolution=running(measured.resolution),
    )


def write_dues(dues: Mapping[int, Dues], verdicts: Sequence[Mapping[str, Any]] = ()) -> None:
    """One UPDATE writing every ticket's due times, and the new verdicts."""
    if not dues:
        return
    numbers = sorted(dues)
    if not verdicts:  # the UPDATE alone: its SQL put together, not built node by node
        columns = [column for column, _ in DUE_COLUMNS]
        rows = {n: [value(dues[n]) for _, value in DUE_COLUMNS] for n in numbers}
        update_each(Ticket.number, rows, columns)
        return
    cases = due_cases(dues, numbers, Ticket._meta.database.param)
    update = Ticket.update(
        {column: peewee.SQL(sql, params) for column, (sql, params) in cases.items()}
    ).where(among(Ticket.number, numbers))
    write_with(update, verdicts)


# The columns of a ticket's due times, each with how it reads from `Dues`.
DUE_COLUMNS: tuple[tuple[peewee.Field, Callable[[Dues], Any]], ...] = (
    (Ticket.sla_policy, lambda d: d.policy),
    (Ticket.first_response_due, lambda d: d.first_response),
    (Ticket.next_response_due, lambda d: d.next_response),
    (Ticket.resolution_due, lambda d: d.resolution),
    (Ticket.due_at, lambda d: d.due_at),
)


def due_cases(
    dues: Mapping[int, Dues], numbers: Sequence[int], param: str
) -> dict[peewee.Field, tuple[str, list[Any]]]:
    """Per due-time column, `CASE number WHEN ... THEN ... ELSE column END` for `numbers`
    (each in `dues`) as SQL with its parameters (in the database's style, `param`), for
    `store.raw_writes.update_in`. The column as the (never taken) default gives the CASE the
    column's type on PostgreSQL, where a CASE of NULL parameters only would be text."""
    whens = " ".join([f"WHEN {param} THEN {param}"] * len(numbers))
    cases = {}
    for column, value in DUE_COLUMNS:
        sql = f'CASE "{Ticket.number.column_name}" {whens} ELSE "{column.column_name}" END'
        cases[column] = (sql, [p for n in numbers for p in (n, value(dues[n]))])
    return cases


def request_policies(request: Request) -> PolicySet | None:
    """The policies this request already read, if it did."""
    found = request.memo.get(_MEMO)
    return found if isinstance(found, PolicySet) else None


def read_policies(request: Request) -> PolicySet:
    """The policies with their calendars, read once in a request (one statement)."""
    known = request_policies(request)
    if known is not None:
        return known
    request.memo[_MEMO] = policies = _policies(_read_parts(_policy_parts()))
    return policies


def _union(parts: list[peewee.ModelSelect[Any]]) -> Any:
    query: Any = parts[0]
    for part in parts[1:]:
        query = query.union_all(part)
    return query


def _by_kind(found: Iterable[Sequence[Any]]) -> dict[str, list[tuple[Any, ...]]]:
    """Rows of the UNION ALL by their kind, as the driver gives them: a column of the UNION is
    no one field's, so nothing is converted on the way (times are read by `_moment`)."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for row in found:
        rows.setdefault(row[0], []).append(tuple(row[1:]))
    return rows


def _read_parts(parts: list[peewee.ModelSelect[Any]]) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of `parts` (one statement, a UNION ALL), by their kind."""
    sql, params = _union(parts).sql()
    return _by_kind(Ticket._meta.database.execute_sql(sql, params).fetchall())


def _read_state_parts(numbers: list[int], policies: bool) -> dict[str, list[tuple[Any, ...]]]:
    """The tickets' histories (and the policies when `policies`) by kind, one statement whose
    SQL is built once per count of tickets."""

    def build(listed: list[int]) -> Any:
        return _union(_history_parts(listed) + (_policy_parts() if policies else []))

    return _by_kind(_STATES.raw_rows(policies, numbers, build))


def read_state(request: Request, numbers: Sequence[int]) -> TicketState:
    """The tickets' histories, and the policies unless the request has them: one statement
    (a UNION ALL of each table's rows in one shape)."""
    return state_of(request.memo, numbers)


def state_of(memo: dict[str, object], numbers: Sequence[int]) -> TicketState:
    """`read_state`, the policies kept in `memo` (read when it has none)."""
    found = memo.get(_MEMO)
    known = found if isinstance(found, PolicySet) else None
    rows = _read_state_parts(padded(numbers), known is None)
    policies = known if known is not None else _policies(rows)
    memo[_MEMO] = policies
    verdicts: dict[int, set[VerdictKey]] = {}
    for ticket, at, metric, *_rest in rows.get("v", []):
        verdicts.setdefault(ticket, set()).add((metric, _moment(at)))
    repliers: dict[int, dict[datetime, int]] = {}
    for ticket, at, kind, *_rest, author, _ in rows.get("m", []):
        if kind == REPLY:
            repliers.setdefault(ticket, {})[_moment(at)] = author
    assignees = {r[0]: r[-1] for r in rows.get("t", [])}
    return TicketState(_histories(rows), policies, verdicts, repliers, assignees)


# The one shape every part of the state statement has: kind, ticket, at, five texts, three
# ints.
def _shaped(
    query: peewee.ModelSelect[Any],
    kind: str,
    *,
    ticket: Any = None,
    at: Any = None,
    texts: Sequence[Any] = (),
    ints: Sequence[Any] = (),
) -> peewee.ModelSelect[Any]:
    empty = peewee.SQL("''")
    nothing = peewee.SQL("NULL")
    text_columns = [*texts, *[empty] * (5 - len(texts))]
    int_columns = [*ints, *[nothing] * (3 - len(ints))]
    return query.select(
        peewee.SQL(f"'{kind}'"),
        ticket if ticket is not None else nothing,
        at if at is not None else nothing,
        *text_columns,
        *int_columns,
    )


def _history_parts(numbers: Sequence[int]) -> list[peewee.ModelSelect[Any]]:
    return [
        _shaped(
            Ticket.select().where(among(Ticket.number, numbers)),
            "t",
            ticket=Ticket.number,
            at=Ticket.created_at,
            texts=(Ticket.status, Ticket.priority),
            ints=(Ticket.source, Ticket.usergroup, Ticket.assignee),
        ),
        _shaped(
            Message.select().where(
                among(Message.ticket, numbers) & Message.kind.in_(sorted(CLOCK_MESSAGES))
            ),
            "m",
            ticket=Message.ticket,
            at=Message.created_at,
            texts=(Message.kind,),
            ints=(Message.id, Message.author),
        ),
        _shaped(
            AuditEvent.select().where(
                among(AuditEvent.ticket, numbers) & AuditEvent.action.in_(list(_CHANGES))
            ),
            "a",
            ticket=AuditEvent.ticket,
            at=AuditEvent.at,
            texts=(AuditEvent.action, AuditEvent.before, AuditEvent.after),
            ints=(AuditEvent.id,),
        ),
        _shaped(
            SlaVerdict.select().where(among(SlaVerdict.ticket, numbers)),
            "v",
            ticket=SlaVerdict.ticket,
            at=SlaVerdict.ended_at,
            texts=(SlaVerdict.metric,),
        ),
        _shaped(Usergroup.select(), "g", texts=(Usergroup.name,), ints=(Usergroup.id,)),
        _shaped(
            AuditEvent.select().where(
                (AuditEvent.target_kind == TARGET_KIND[Usergroup])
                # A group's id is never negative: the bound on the index's second column
                # makes SQLite search (target_kind, target_id), where statistics gathered
                # over a log of tickets only would have it scan the whole log.
                & (AuditEvent.target_id >= 0)
                & (AuditEvent.action == GROUP_RENAME)
            ),
            "r",
            at=AuditEvent.at,
            texts=(AuditEvent.before, AuditEvent.after),
            ints=(AuditEvent.target_id, AuditEvent.id),
        ),
    ]


def _policy_parts() -> list[peewee.ModelSelect[Any]]:
    return [
        _shaped(
            SlaPolicy.select(),
            "p",
            texts=(
                SlaPolicy.name,
                SlaPolicy.targets,
                SlaPolicy.priorities,
                SlaPolicy.sources,
                SlaPolicy.usergroups,
            ),
            ints=(SlaPolicy.id, SlaPolicy.calendar),
        ),
        # The pause statuses and the order apart: the shape has five texts.
        _shaped(
            SlaPolicy.select(),
            "q",
            texts=(SlaPolicy.name, SlaPolicy.pause_on),
            ints=(SlaPolicy.position,),
        ),
        _shaped(
            BusinessCalendar.select(),
            "c",
            texts=(BusinessCalendar.name, BusinessCalendar.zone, BusinessCalendar.shifts),
            ints=(BusinessCalendar.id,),
        ),
        _shaped(
            CalendarHoliday.select(),
            "h",
            texts=(peewee.Cast(CalendarHoliday.day, "TEXT"),),
            ints=(CalendarHoliday.calendar,),
        ),
    ]


def _policies(rows: Mapping[str, list[tuple[Any, ...]]]) -> PolicySet:
    holidays: dict[int, list[date]] = {}
    for _t, _at, day, *_rest, calendar_id, _, _ in rows.get("h", []):
        holidays.setdefault(calendar_id, []).append(date.fromisoformat(str(day)[:10]))
    calendars: dict[int, tuple[str, str, Calendar]] = {}
    for _t, _at, name, zone, shifts, _w, _v, calendar_id, _, _ in rows.get("c", []):
        days = frozenset(holidays.get(calendar_id, ()))
        calendars[calendar_id] = (name, zone, _calendar(zone, shifts, days))
    pause_on = {r[2]: frozenset(json.loads(r[3])) for r in rows.get("q", [])}
    position = {r[2]: r[7] for r in rows.get("q", [])}
    ordered = sorted(rows.get("p", []), key=lambda r: (position[r[2]], r[7]))
    policies: list[Policy] = []
    ids: dict[str, int] = {}
    named: dict[str, tuple[str, str]] = {}
    for _t, _at, name, targets, priorities, sources, groups, policy_id, calendar_id, _ in ordered:
        calendar_name, zone, calendar = calendars[calendar_id]
        policies.append(
            Policy(
                name,
                calendar,
                {
                    metric: {p: parse_duration(text) for p, text in by_priority.items()}
                    for metric, by_priority in json.loads(targets).items()
                },
                priorities=frozenset(json.loads(priorities)),
                sources=frozenset(json.loads(sources)),
                usergroups=frozenset(json.loads(groups)),
                pause_on=pause_on[name],
            )
        )
        named[name] = (calendar_name, zone)
        ids[name] = policy_id
    return PolicySet(tuple(policies), ids, named)


@functools.lru_cache(maxsize=64)
def _calendar(zone: str, shifts: str, holidays: frozenset[date]) -> Calendar:
    """A calendar built once per process for each form it takes (its hours parsed once)."""
    days = tuple(tuple((start, end) for start, end in day) for day in json.loads(shifts))
    return Calendar(zone, parse_hours(format_hours(days)), holidays)


class _GroupNames:
    """Usergroups' ids by the name they bore at a moment: their names now, and before each
    rename the audit log keeps (`r` rows)."""

    def __init__(self, rows: Mapping[str, list[tuple[Any, ...]]]) -> None:
        self.now = {name: gid for _t, _at, name, *_rest, gid, _, _ in rows.get("g", [])}
        renames = sorted(
            (_moment(at), event_id, gid, _logged(before), _logged(after))
            for _t, at, before, after, *_rest, gid, event_id, _ in rows.get("r", [])
        )
        # For each group renamed, its names in time order: (until, name).
        self.former: dict[int, list[tuple[datetime, str]]] = {}
        for at, _id, gid, before, _after in renames:
            self.former.setdefault(gid, []).append((at, str(before)))

    def id_at(self, name: str, moment: datetime) -> int | None:
        """The group that was called `name` at `moment`; None: no group still here was."""
        for gid, names in self.former.items():
            if next((n for until, n in names if moment < until), None) == name:
                return gid
        found = self.now.get(name)
        if found is None:
            return None
        renamed_later = any(moment < until for until, _n in self.former.get(found, []))
        return None if renamed_later else found


def _histories(rows: Mapping[str, list[tuple[Any, ...]]]) -> dict[int, History]:
    groups = _GroupNames(rows)
    events: dict[int, list[tuple[datetime, int, str, Any, Any]]] = {}
    for ticket, at, kind, *_rest, message_id, _author, _ in rows.get("m", []):
        events.setdefault(ticket, []).append((_moment(at), message_id, kind, None, None))
    for ticket, at, action, before, after, _w, _v, event_id, _, _ in rows.get("a", []):
        changed = (_CHANGES[action], _logged(before), _logged(after))
        events.setdefault(ticket, []).append((_moment(at), event_id, *changed))
    histories = {}
    for number, created, status, priority, _z, _w, _v, source, group, _ in rows.get("t", []):
        ordered = sorted(events.get(number, []), key=lambda e: (e[0], e[1]))
        first: dict[str, tuple[datetime, Any]] = {}
        for at, _id, kind, before, _after in ordered:
            if kind not in (STATUS, PRIORITY, USERGROUP):
                continue
            first.setdefault(kind, (at, before))
        initial_group = group
        if USERGROUP in first:
            initial_group = _group_value(*first[USERGROUP], groups)
        histories[number] = History(
            created_at=_moment(created),
            status=first[STATUS][1] if STATUS in first else status,
            attributes=Attributes(
                first[PRIORITY][1] if PRIORITY in first else priority, source, initial_group
            ),
            events=tuple(
                Event(at, kind, _group_value(at, after, groups) if kind == USERGROUP else after)
                for at, _id, kind, _before, after in ordered
            ),
        )
    return histories


def _group_value(at: datetime, name: Any, groups: _GroupNames) -> int | None:
    """A logged usergroup (by its name then) as the clock reads it: by id; a group deleted
    since is one no condition names (-1)."""
    if name is None or name == "":
        return None
    found = groups.id_at(str(name), at)
    return -1 if found is None else found


@functools.lru_cache(maxsize=1024)
def _logged(value: str) -> Any:
    """A value as the audit log keeps it (JSON, "" for none): a status, a priority, a group's
    name, a few texts read again and again, each parsed once."""
    return json.loads(value) if value else None


def _moment(value: datetime | str) -> datetime:
    """A time as the driver returns it in a UNION (SQLite gives text)."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)
