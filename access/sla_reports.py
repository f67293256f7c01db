"""The service-level report: per agent, usergroup and source, how many first responses,
resolutions and next responses met their targets, and the median business time they took.

What it counts: the verdicts given in the period (a calendar month, UTC), as they were stored
when each clock ended (`access.sla_verdicts`), of the tickets the viewer may see. A verdict is
put down to the agent who replied (a response) or the ticket's assignee then (a resolution),
and to the usergroup and source the ticket had then; with `reports.own` only one's own count.
A clock still running past its due time has no verdict yet: the inbox's breached filter shows
it, and it counts in the month it ends. A ticket resolved twice (reopened between) has two
resolution verdicts. The medians are in business minutes of the policy's calendar, pauses not
counted; exact (the mean of the two middle values of an even count), found in SQL. `tickets`
counts the tickets with a first-response or resolution verdict in the month. A month's figures
never change once it is over: a later edit of a policy or a calendar, or of the ticket, leaves
its verdicts as they were given. While migration 32 still gives the verdicts of clocks that
ended before verdicts were kept (a chunk of tickets at a time, `store.migration_chunks`), a
month from before then is reported with what it has and says it may lack some (`incomplete`),
never as if it were whole.

Everyone's report over every ticket is read from the month's tally (`store.sla_tally`, kept by
a trigger on the verdicts): a few hundred rows however many tickets there are. A narrower one
(`reports.own`, or a team lead who sees some usergroups only) depends on today's scope of the
tickets, which no tally can know in advance: it groups the month's verdicts of the tickets in
scope, read from their covering index on the end, into the same histogram in SQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

import peewee

from access.errors import InvalidInput
from access.sla_rules import FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION
from store.migration_chunks import filling_since
from store.models import Person, Source, Ticket, Usergroup
from store.rows import tuple_rows
from store.sla_models import SlaTally, SlaTicketTally, SlaVerdict

BY_AGENT, BY_USERGROUP, BY_SOURCE = "agent", "usergroup", "source"
DIMENSIONS = (BY_AGENT, BY_USERGROUP, BY_SOURCE)
# The name of the row of tickets with no assignee or no usergroup.
NOBODY = "(none)"
_PERIOD = re.compile(r"(\d{4})-(\d{2})")


class SlaFigures(NamedTuple):
    """One agent's, usergroup's or source's figures (`by` says which)."""

    by: str
    name: str
    tickets: int  # with a first-response or resolution verdict in the period
    first_response_met: int
    first_response_breached: int
    first_response_met_percent: float | None
    median_first_response_minutes: float | None
    resolution_met: int
    resolution_breached: int
    resolution_met_percent: float | None
    median_resolution_minutes: float | None
    next_response_met: int
    next_response_breached: int
    next_response_met_percent: float | None
    median_next_response_minutes: float | None


class SlaReport(NamedTuple):
    period: str  # 2026-11
    start: datetime  # the period's first instant, UTC
    end: datetime  # the instant after its last
    rows: tuple[SlaFigures, ...]  # by agent, then usergroup, then source; each by name
    # While migration 32 still gives verdicts to clocks that ended before migration 21, in a
    # month they may be in: what may be missing, in a sentence ("" when the month is whole).
    incomplete: str = ""


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


def sla_report(
    period: tuple[str, datetime, datetime],
    visible: peewee.ColumnBase | None,
    agents: Sequence[int] | None,
) -> SlaReport:
    """The report of the verdicts given in `period` on tickets `visible` selects (None: every
    ticket, and none is read), put down to `agents` (None: anyone): one statement for the
    figures and one for the names. Everyone's report of every ticket reads the month's tally
    (`store.sla_tally`); a narrower one reads the month's verdicts in scope once, from their
    covering index on the end, into the same histogram."""
    name, start, end = period
    db = SlaVerdict._meta.database
    if visible is None and agents is None:
        parts, params = _from_tally(name)
    else:
        parts, params = _from_verdicts(_judged(start, end, visible, agents))
    figures: dict[tuple[str, int | None], dict[str, tuple[int, int, int, int]]] = {}
    counted: dict[tuple[str, int | None], int] = {}
    for by, member, metric, met, breached, low, high in db.execute_sql(
        _MEDIANS.format(**parts), params
    ):
        if metric == _TICKETS:
            counted[(by, member or None)] = met
        else:
            figures.setdefault((by, member or None), {})[metric] = (met, breached, low, high)
    names = _names(figures)
    rows = sorted(
        (
            _row(by, names[(by, id_)], counted.get((by, id_), 0), metrics)
            for (by, id_), metrics in figures.items()
        ),
        key=lambda r: (DIMENSIONS.index(r.by), r.name == NOBODY, r.name.lower(), r.name),
    )
    return SlaReport(name, start, end, tuple(rows), _incomplete(start))


def _incomplete(start: datetime) -> str:
    """What a month from `start` may lack while the verdicts are being backfilled."""
    since = filling_since()
    if since is None or start >= since:
        return ""
    return (
        f"clocks that ended before {since:%Y-%m-%d %H:%M} UTC are still being given their "
        "verdicts (migration 32): this month may lack some"
    )


# Per dimension, member (0: none) and clock kind: the verdicts met and breached, and the
# minutes at the two middle positions of their histogram (the same one when the count is odd):
# one pass of window sums in the histogram's order, keeping only the rows that hold a middle
# position. `histogram` gives rows of dimension, member, metric, minutes, met, breached; a
# minute may be on several rows (the positions of equal minutes are interchangeable).
_MEDIANS = """
WITH {given}h AS ({histogram}),
w AS (
  SELECT dimension, member, metric, minutes, met + breached AS n,
    CAST(SUM(met + breached) OVER running AS BIGINT) AS upto,
    CAST(SUM(met + breached) OVER whole AS BIGINT) AS total,
    CAST(SUM(met) OVER whole AS BIGINT) AS met_all,
    CAST(SUM(breached) OVER whole AS BIGINT) AS breached_all
  FROM h
  WINDOW running AS (PARTITION BY dimension, member, metric ORDER BY minutes
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
    whole AS (PARTITION BY dimension, member, metric ORDER BY minutes
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)
SELECT dimension, member, metric, MAX(met_all), MAX(breached_all),
  MIN(CASE WHEN upto - n <= (total - 1) / 2 THEN minutes END),
  MIN(CASE WHEN upto - n <= total / 2 AND total / 2 < upto THEN minutes END)
FROM w WHERE upto - n <= total / 2 AND (total - 1) / 2 < upto
GROUP BY dimension, member, metric
UNION ALL {tickets}
"""
# The metric of the statement's rows that count tickets: dimension, member, tickets.
_TICKETS = ""


def _from_tally(period: str) -> tuple[dict[str, str], list[Any]]:
    """The month's histogram and tickets as the tally keeps them."""
    histogram, params = (
        SlaTally.select(
            SlaTally.dimension,
            SlaTally.member,
            SlaTally.metric,
            SlaTally.minutes,
            SlaTally.met,
            SlaTally.breached,
        )
        .where(SlaTally.period == period)
        .sql()
    )
    tickets, more = (
        SlaTicketTally.select(
            SlaTicketTally.dimension,
            SlaTicketTally.member,
            peewee.SQL(f"'{_TICKETS}'"),
            SlaTicketTally.tickets,
            peewee.SQL("0, NULL, NULL"),
        )
        .where(SlaTicketTally.period == period)
        .sql()
    )
    return {"given": "", "histogram": histogram, "tickets": tickets}, [*params, *more]


def _judged(
    start: datetime,
    end: datetime,
    visible: peewee.ColumnBase | None,
    agents: Sequence[int] | None,
) -> peewee.ModelSelect[Any]:
    """The verdicts ended in [start, end) on tickets `visible` selects, put down to `agents`."""
    chosen = (SlaVerdict.ended_at >= start) & (SlaVerdict.ended_at < end)
    if agents is not None:
        chosen &= SlaVerdict.agent.in_(list(agents))
    judged = SlaVerdict.select()
    if visible is not None:
        judged = judged.join(Ticket, on=SlaVerdict.ticket == Ticket.number)
        chosen &= visible
    return judged.where(chosen)


_COLUMNS = {
    BY_AGENT: SlaVerdict.agent,
    BY_USERGROUP: SlaVerdict.usergroup,
    BY_SOURCE: SlaVerdict.source,
}


def _from_verdicts(judged: peewee.ModelSelect[Any]) -> tuple[dict[str, str], list[Any]]:
    """The histogram and tickets of the verdicts `judged` selects, read once (`v`): grouped by
    every dimension at once (`g`), then each dimension's rows taken from that."""
    met = peewee.Case(None, [(SlaVerdict.met, 1)], 0)
    chosen, params = judged.select(
        SlaVerdict.metric,
        SlaVerdict.business_minutes.alias("minutes"),
        *(peewee.fn.COALESCE(column, 0).alias(by) for by, column in _COLUMNS.items()),
        met.alias("met"),
        SlaVerdict.ticket,
    ).sql()
    given = (
        f"v AS MATERIALIZED ({chosen}), "
        "g AS (SELECT metric, minutes, agent, usergroup, source, SUM(met) AS met, "
        "SUM(1 - met) AS breached FROM v GROUP BY metric, minutes, agent, usergroup, source), "
    )
    histogram = " UNION ALL ".join(
        f"SELECT '{by}' AS dimension, {by} AS member, metric, minutes, met, breached FROM g"
        for by in DIMENSIONS
    )
    tickets = " UNION ALL ".join(
        f"SELECT '{by}', {by}, '{_TICKETS}', COUNT(DISTINCT ticket), 0, NULL, NULL FROM v "
        f"WHERE metric IN ('{FIRST_RESPONSE}', '{RESOLUTION}') GROUP BY {by}"
        for by in DIMENSIONS
    )
    return {"given": given, "histogram": histogram, "tickets": tickets}, list(params)


def _row(
    by: str, name: str, tickets: int, metrics: dict[str, tuple[int, int, int, int]]
) -> SlaFigures:
    def metric(kind: str) -> tuple[int, int, float | None, float | None]:
        if kind not in metrics:
            return 0, 0, None, None
        met, breached, low, high = metrics[kind]
        percent = round(100 * met / (met + breached), 1) if met + breached else None
        return met, breached, percent, round((low + high) / 2, 1)

    return SlaFigures(
        by,
        name,
        tickets,
        *metric(FIRST_RESPONSE),
        *metric(RESOLUTION),
        *metric(NEXT_RESPONSE),
    )


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
