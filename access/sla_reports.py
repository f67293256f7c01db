"""The service-level report: per agent, usergroup and source, how many first responses and
resolutions met their targets, and the median business time they took.

What it counts: the tickets created in the period (a calendar month, UTC) that the viewer may
see, each measured by the clock (`access.sla_clock`) from its history, now. A target counts
once it has a verdict: met, or breached (ended late, or still running past its due time); one
still running in time, paused or stopped before its due time is not counted either way. The
medians are over the targets that ended, in business minutes of the ticket's policy's
calendar, pauses not counted. A ticket falls under its assignee, usergroup and source as they
are now.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

import peewee

from access.due_times import CHUNK, read_state
from access.errors import InvalidInput
from access.request import Request
from access.sla_clock import History, State, Target, clock, minutes_counted
from access.sla_rules import Policy
from store.models import Person, Source, Ticket, Usergroup, utcnow
from store.rows import tuple_rows

BY_AGENT, BY_USERGROUP, BY_SOURCE = "agent", "usergroup", "source"
DIMENSIONS = (BY_AGENT, BY_USERGROUP, BY_SOURCE)
# The name of the row of tickets with no assignee or no usergroup.
NOBODY = "(none)"
_PERIOD = re.compile(r"(\d{4})-(\d{2})")


class SlaFigures(NamedTuple):
    """One agent's, usergroup's or source's figures (`by` says which)."""

    by: str
    name: str
    tickets: int  # created in the period and measured by a policy
    first_response_met: int
    first_response_breached: int
    first_response_met_percent: float | None
    median_first_response_minutes: float | None
    resolution_met: int
    resolution_breached: int
    resolution_met_percent: float | None
    median_resolution_minutes: float | None


class SlaReport(NamedTuple):
    period: str  # 2026-11
    start: datetime  # the period's first instant, UTC
    end: datetime  # the instant after its last
    rows: tuple[SlaFigures, ...]  # by agent, then usergroup, then source; each by name


def month(period: str | None, now: datetime) -> tuple[str, datetime, datetime]:
    """`2026-11` (None: the month of `now`) as its name, first instant and the next month's."""
    if period is None:
        period = f"{now.year:04d}-{now.month:02d}"
    match = _PERIOD.fullmatch(period.strip())
    year, number = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    if not 1 <= year < 9999 or not 1 <= number <= 12:
        raise InvalidInput(f"{period!r} is not a month; write e.g. 2026-11")
    start = datetime(year, number, 1)
    end = datetime(year + number // 12, number % 12 + 1, 1)
    return f"{year:04d}-{number:02d}", start, end


class _Outcome(NamedTuple):
    """One ticket's verdicts (True: met; None: none yet) and business minutes taken."""

    first_met: bool | None
    first_minutes: int | None
    resolution_met: bool | None
    resolution_minutes: int | None


def _outcome(history: History, policies: Sequence[Policy], now: datetime) -> _Outcome | None:
    """None for a ticket no policy measures."""
    measured = clock(history, policies, now)
    if measured.first_response is None and measured.resolution is None:
        return None
    first = _verdict(history, measured.first_response, policies)
    return _Outcome(*first, *_verdict(history, measured.resolution, policies))


def _verdict(
    history: History, target: Target | None, policies: Sequence[Policy]
) -> tuple[bool | None, int | None]:
    if target is None or target.state not in (State.MET, State.BREACHED):
        return None, None
    return target.state is State.MET, minutes_counted(history, target, policies)


class _Tally:
    """One row's counts while the tickets are read."""

    def __init__(self) -> None:
        self.tickets = 0
        self.first: dict[bool, int] = {True: 0, False: 0}
        self.resolution: dict[bool, int] = {True: 0, False: 0}
        self.first_minutes: list[int] = []
        self.resolution_minutes: list[int] = []

    def add(self, outcome: _Outcome) -> None:
        self.tickets += 1
        if outcome.first_met is not None:
            self.first[outcome.first_met] += 1
        if outcome.resolution_met is not None:
            self.resolution[outcome.resolution_met] += 1
        if outcome.first_minutes is not None:
            self.first_minutes.append(outcome.first_minutes)
        if outcome.resolution_minutes is not None:
            self.resolution_minutes.append(outcome.resolution_minutes)

    def figures(self, by: str, name: str) -> SlaFigures:
        return SlaFigures(
            by,
            name,
            self.tickets,
            self.first[True],
            self.first[False],
            _percent(self.first),
            _median(self.first_minutes),
            self.resolution[True],
            self.resolution[False],
            _percent(self.resolution),
            _median(self.resolution_minutes),
        )


def _percent(verdicts: dict[bool, int]) -> float | None:
    total = verdicts[True] + verdicts[False]
    return round(100 * verdicts[True] / total, 1) if total else None


def _median(minutes: list[int]) -> float | None:
    return round(float(statistics.median(minutes)), 1) if minutes else None


def sla_report(
    request: Request, period: tuple[str, datetime, datetime], where: peewee.ColumnBase
) -> SlaReport:
    """The report over the tickets `where` selects that were created in `period`; their
    histories read as the due times' write path reads them (`access.due_times.read_state`),
    a chunk of tickets at a time."""
    name, start, end = period
    chosen = where & (Ticket.created_at >= start) & (Ticket.created_at < end)
    tickets = list(
        tuple_rows(
            Ticket.select(Ticket.number, Ticket.source, Ticket.usergroup, Ticket.assignee)
            .where(chosen)
            .order_by(Ticket.number)
        )
    )
    now = utcnow()
    tallies: dict[tuple[str, int | None], _Tally] = {}
    for first in range(0, len(tickets), CHUNK):
        chunk = tickets[first : first + CHUNK]
        state = read_state(request, [row[0] for row in chunk])
        policies = state.policies.policies
        for number, source, group, assignee in chunk:
            outcome = _outcome(state.histories[number], policies, now)
            if outcome is None:
                continue
            for key in ((BY_AGENT, assignee), (BY_USERGROUP, group), (BY_SOURCE, source)):
                tallies.setdefault(key, _Tally()).add(outcome)
    names = _names(tallies)
    rows = sorted(
        (tally.figures(by, names[(by, id_)]) for (by, id_), tally in tallies.items()),
        key=lambda r: (DIMENSIONS.index(r.by), r.name == NOBODY, r.name.lower(), r.name),
    )
    return SlaReport(name, start, end, tuple(rows))


def _names(keys: Iterable[tuple[str, int | None]]) -> dict[tuple[str, int | None], str]:
    wanted: dict[str, set[int]] = {by: set() for by in DIMENSIONS}
    for by, id_ in keys:
        if id_ is not None:
            wanted[by].add(id_)
    found: dict[tuple[str, int | None], str] = {(by, None): NOBODY for by in DIMENSIONS}
    for by, column, label in (
        (BY_AGENT, Person.id, Person.username),
        (BY_USERGROUP, Usergroup.id, Usergroup.name),
        (BY_SOURCE, Source.id, Source.name),
    ):
        if wanted[by]:
            query = column.model.select(column, label).where(column.in_(sorted(wanted[by])))
            found.update(((by, id_), text) for id_, text in tuple_rows(query))
    return found
