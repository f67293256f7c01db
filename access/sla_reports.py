"""The service-level report: per agent, usergroup and source, how many first responses and
resolutions met their targets, and the median business time they took.

What it counts: the verdicts given in the period (a calendar month, UTC), as they were stored
when each clock ended (`access.sla_verdicts`), of the tickets the viewer may see. A verdict is
put down to the agent who replied (a response) or the ticket's assignee then (a resolution),
and to the usergroup and source the ticket had then; with `reports.own` only one's own count.
A clock still running past its due time has no verdict yet: the inbox's breached filter shows
it, and it counts in the month it ends. A ticket resolved twice (reopened between) has two
resolution verdicts. The medians are in business minutes of the policy's calendar, pauses not
counted. A month's figures never change once it is over: a later edit of a policy or a
calendar, or of the ticket, leaves its verdicts as they were given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

import peewee

from access.errors import InvalidInput
from access.sla_rules import FIRST_RESPONSE, RESOLUTION
from store.models import Person, Source, Ticket, Usergroup
from store.rows import tuple_rows
from store.sla_models import SlaVerdict

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


class _Tally:
    """One row's counts while the verdicts are read: per metric, verdicts met and breached,
    and how many took each number of business minutes."""

    def __init__(self) -> None:
        self.tickets = 0
        self.verdicts: dict[tuple[str, bool], int] = {}
        self.minutes: dict[str, dict[int, int]] = {FIRST_RESPONSE: {}, RESOLUTION: {}}

    def add(self, metric: str, met: bool, minutes: int, count: int) -> None:
        self.verdicts[metric, met] = self.verdicts.get((metric, met), 0) + count
        taken = self.minutes[metric]
        taken[minutes] = taken.get(minutes, 0) + count

    def figures(self, by: str, name: str) -> SlaFigures:
        return SlaFigures(
            by,
            name,
            self.tickets,
            *self._metric(FIRST_RESPONSE),
            *self._metric(RESOLUTION),
        )

    def _metric(self, metric: str) -> tuple[int, int, float | None, float | None]:
        met = self.verdicts.get((metric, True), 0)
        breached = self.verdicts.get((metric, False), 0)
        percent = round(100 * met / (met + breached), 1) if met + breached else None
        return met, breached, percent, _median(self.minutes[metric])


def _median(counted: dict[int, int]) -> float | None:
    """The median of minutes given as how many times each was taken."""
    total = sum(counted.values())
    if not total:
        return None
    middle = ((total - 1) // 2, total // 2)  # the 0-based positions of the middle
    found: list[int] = []
    seen = 0
    for minutes in sorted(counted):
        seen += counted[minutes]
        found += [minutes for position in middle[len(found) :] if position < seen]
        if len(found) == 2:
            break
    return round(sum(found) / 2, 1)


def sla_report(
    period: tuple[str, datetime, datetime],
    visible: peewee.ColumnBase | None,
    agents: Sequence[int] | None,
) -> SlaReport:
    """The report of the verdicts given in `period` on tickets `visible` selects (None: every
    ticket, and none is read), put down to `agents` (None: anyone): two statements, each
    grouping the month's verdicts read from their covering index on the end."""
    name, start, end = period
    chosen = (
        (SlaVerdict.ended_at >= start)
        & (SlaVerdict.ended_at < end)
        & SlaVerdict.metric.in_([FIRST_RESPONSE, RESOLUTION])
    )
    if agents is not None:
        chosen &= SlaVerdict.agent.in_(list(agents))
    judged = SlaVerdict.select()
    if visible is not None:
        judged = judged.join(Ticket, on=SlaVerdict.ticket == Ticket.number)
        chosen &= visible
    judged = judged.where(chosen)
    dimensions = (
        (BY_AGENT, SlaVerdict.agent),
        (BY_USERGROUP, SlaVerdict.usergroup),
        (BY_SOURCE, SlaVerdict.source),
    )
    tallies: dict[tuple[str, int | None], _Tally] = {}
    grouped = judged.select(
        SlaVerdict.metric,
        SlaVerdict.met,
        SlaVerdict.business_minutes,
        *(column for _by, column in dimensions),
        peewee.fn.COUNT(SlaVerdict.id),
    ).group_by(
        SlaVerdict.metric,
        SlaVerdict.met,
        SlaVerdict.business_minutes,
        *(column for _by, column in dimensions),
    )
    for metric, met, minutes, *keys, count in tuple_rows(grouped):
        for (by, _column), key in zip(dimensions, keys, strict=True):
            tallies.setdefault((by, key), _Tally()).add(metric, bool(met), minutes, count)
    for by, key, tickets in _tickets(judged, dimensions):
        tallies[(by, key)].tickets = tickets
    names = _names(tallies)
    rows = sorted(
        (tally.figures(by, names[(by, id_)]) for (by, id_), tally in tallies.items()),
        key=lambda r: (DIMENSIONS.index(r.by), r.name == NOBODY, r.name.lower(), r.name),
    )
    return SlaReport(name, start, end, tuple(rows))


def _tickets(
    judged: peewee.ModelSelect[Any], dimensions: Iterable[tuple[str, peewee.Field]]
) -> list[tuple[str, int | None, int]]:
    """How many tickets each agent, usergroup and source has verdicts on: one statement."""
    parts = [
        judged.select(
            peewee.SQL(f"'{by}'"), column, peewee.fn.COUNT(SlaVerdict.ticket.distinct())
        ).group_by(column)
        for by, column in dimensions
    ]
    query: Any = parts[0]
    for part in parts[1:]:
        query = query.union_all(part)
    return list(tuple_rows(query))


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
