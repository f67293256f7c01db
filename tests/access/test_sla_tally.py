"""The verdicts' monthly tally and the report read from it: the tally a trigger keeps equals a
recount of the verdict rows, however they are inserted (one by one, several in a statement);
the report's medians are exact (`statistics.median`) from the tally and from the verdict rows
alike; a narrower scope (`reports.own`, a team lead of one source) counts what it may see."""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import peewee
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from access import Gate
from access.sla_reports import DIMENSIONS, NOBODY, SlaFigures, month, sla_report
from store.models import Person, Source, Ticket, Usergroup
from store.rows import tuple_rows
from store.sla_models import SlaTally, SlaTicketTally, SlaVerdict
from store.sla_tally import recounted
from store.words import FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION, SLA_METRICS
from tests import builders

# Each example writes its verdicts in a month of its own, far from the demo's.
_MONTHS = itertools.count()


def _next_month() -> tuple[str, datetime]:
    index = 2001 * 12 + next(_MONTHS)
    return f"{index // 12:04d}-{index % 12 + 1:02d}", datetime(index // 12, index % 12 + 1, 1)


def _ids(model: type[peewee.Model]) -> list[int]:
    return [row[0] for row in tuple_rows(model.select(model._meta.primary_key))]


verdict = st.tuples(
    st.integers(0, 11),  # which ticket
    st.sampled_from(SLA_METRICS),
    st.integers(0, 40),  # business minutes: few values, so that equal ones meet
    st.booleans(),  # met
    st.integers(0, 3),  # which agent; 0: none
    st.integers(0, 2),  # which usergroup; 0: none
    st.integers(0, 1),  # which source
)


def _write(
    drawn: Sequence[tuple[Any, ...]], batches: Sequence[int], start: datetime
) -> list[dict[str, Any]]:
    """The drawn verdicts on real tickets, people, groups and sources, ended in the month from
    `start`, inserted in statements of the sizes in `batches` (the rest one by one)."""
    tickets, people = _ids(Ticket)[:12], _ids(Person)[:3]
    groups, sources = _ids(Usergroup)[:2], _ids(Source)[:2]
    rows = [
        {
            "ticket": tickets[t],
            "metric": metric,
            "policy_id": None,
            "policy_name": "Drawn",
            "target_minutes": 20,
            "business_minutes": minutes,
            "met": met,
            "started_at": start,
            "ended_at": start + timedelta(minutes=index),  # each verdict its own end
            "agent": people[a - 1] if a else None,
            "usergroup": groups[g - 1] if g else None,
            "source": sources[s],
        }
        for index, (t, metric, minutes, met, a, g, s) in enumerate(drawn)
    ]
    done = 0
    for size in [*batches, *[1] * len(rows)]:
        if done < len(rows):
            SlaVerdict.insert_many(rows[done : done + size]).execute()
            done += size
    return rows


def _table(query: peewee.SelectBase | str) -> list[tuple[Any, ...]]:
    if isinstance(query, str):
        rows = SlaVerdict._meta.database.execute_sql(query).fetchall()
    else:
        rows = list(tuple_rows(query))
    return sorted(tuple(bool(v) if isinstance(v, bool) else v for v in r) for r in rows)


def _tally_is_recount() -> None:
    tally, tickets = recounted(SlaVerdict._meta.database)
    kept = SlaTally.select(*[f for f in SlaTally._meta.sorted_fields if f.name != "id"])
    assert _table(kept.tuples()) == _table(tally)
    counted = SlaTicketTally.select(
        *[f for f in SlaTicketTally._meta.sorted_fields if f.name != "id"]
    )
    assert _table(counted.tuples()) == _table(tickets)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(drawn=st.lists(verdict, max_size=30), batches=st.lists(st.integers(1, 8), max_size=4))
def test_the_tally_is_a_recount_of_the_verdicts(
    demo_db: peewee.Database, drawn: list[tuple[Any, ...]], batches: list[int]
) -> None:
    _name, start = _next_month()
    with demo_db.atomic():
        _write(drawn, batches, start)
    _tally_is_recount()


def test_the_demo_is_tallied_as_loaded(sla_demo: peewee.Database) -> None:
    assert SlaTally.select().exists()
    _tally_is_recount()
    with sla_demo.atomic():  # the trigger is back after the load
        _write([(0, RESOLUTION, 5, True, 1, 1, 0)], [], _next_month()[1])
    _tally_is_recount()


def _expected(rows: Iterable[dict[str, Any]]) -> dict[tuple[str, int | None], tuple[Any, ...]]:
    """The report's figures (after `by` and `name`) counted by hand, by dimension and id."""
    minutes: dict[tuple[str, int | None], dict[str, list[int]]] = {}
    met: dict[tuple[str, int | None, str], list[bool]] = {}
    tickets: dict[tuple[str, int | None], set[int]] = {}
    for row in rows:
        for by in DIMENSIONS:
            key = (by, row[by])
            minutes.setdefault(key, {}).setdefault(row["metric"], []).append(
                row["business_minutes"]
            )
            met.setdefault((by, row[by], row["metric"]), []).append(bool(row["met"]))
            if row["metric"] in (FIRST_RESPONSE, RESOLUTION):
                tickets.setdefault(key, set()).add(row["ticket"])
    found = {}
    for key, per_metric in minutes.items():
        figures: list[Any] = [len(tickets.get(key, ()))]
        for metric in (FIRST_RESPONSE, RESOLUTION, NEXT_RESPONSE):
            said = met.get((*key, metric), [])
            yes, no = said.count(True), said.count(False)
            taken = per_metric.get(metric)
            figures += [
                yes,
                no,
                round(100 * yes / len(said), 1) if said else None,
                round(statistics.median(taken), 1) if taken else None,
            ]
        found[key] = tuple(figures)
    return found


def _by_id(rows: Sequence[SlaFigures]) -> dict[tuple[str, int | None], tuple[Any, ...]]:
    names = {
        "agent": {p.username: p.id for p in Person.select()},
        "usergroup": {g.name: g.id for g in Usergroup.select()},
        "source": {s.name: s.id for s in Source.select()},
    }
    return {(r.by, None if r.name == NOBODY else names[r.by][r.name]): tuple(r)[2:] for r in rows}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(drawn=st.lists(verdict, min_size=1, max_size=40), agent=st.integers(0, 2))
def test_medians_are_exact_from_the_tally_and_from_the_verdicts(
    demo_db: peewee.Database, drawn: list[tuple[Any, ...]], agent: int
) -> None:
    name, _start = _next_month()
    period = month(name, datetime.now())
    with demo_db.atomic():
        rows = _write(drawn, [len(drawn)], period[1])
    expected = _expected(rows)
    from_tally = sla_report(period, None, None)
    assert _by_id(from_tally.rows) == expected
    # Every ticket visible, read from the verdict rows: the same report.
    assert sla_report(period, Ticket.number > 0, None) == from_tally
    # One agent's verdicts only (the way `reports.own` asks).
    chosen = _ids(Person)[agent]
    own = sla_report(period, None, [chosen])
    assert _by_id(own.rows) == _expected(r for r in rows if r["agent"] == chosen)


def _month_rows(period: tuple[str, datetime, datetime]) -> list[dict[str, Any]]:
    _name, start, end = period
    query = SlaVerdict.select().where((SlaVerdict.ended_at >= start) & (SlaVerdict.ended_at < end))
    return [
        {f: getattr(v, f) for f in ("ticket", "metric", "business_minutes", "met", *DIMENSIONS)}
        for v in query
    ]


def _busiest(demo_db: peewee.Database) -> tuple[str, datetime, datetime]:
    (name,) = demo_db.execute_sql(
        "SELECT period FROM sla_ticket_tally GROUP BY period ORDER BY SUM(tickets) DESC LIMIT 1"
    ).fetchone()
    return month(name, datetime.now())


def test_own_figures_count_ones_verdicts_on_tickets_one_may_see(sla_demo: peewee.Database) -> None:
    period = _busiest(sla_demo)
    ali = Person.get(Person.username == "ali").id
    allegro = Source.get(Source.name == "Allegro PL").id  # ali's role sees Allegro's tickets
    seen = {n for (n,) in tuple_rows(Ticket.select(Ticket.number).where(Ticket.source == allegro))}
    expected = _expected(
        r for r in _month_rows(period) if r["agent"] == ali and r["ticket"] in seen
    )
    report = Gate(sla_demo, "ali").reports.sla(period[0])
    assert expected and _by_id(report.rows) == expected


def test_a_team_lead_of_one_source_counts_its_tickets(sla_demo: peewee.Database) -> None:
    period = _busiest(sla_demo)
    allegro = Source.get(Source.name == "Allegro PL").id
    lead = builders.person("lead")  # in no usergroup: sees Allegro's tickets only
    builders.role(
        "Allegro lead",
        ["tickets.list", "tickets.view", "reports.team"],
        sources=[allegro],
        holders=[lead],
    )
    seen = {n for (n,) in tuple_rows(Ticket.select(Ticket.number).where(Ticket.source == allegro))}
    expected = _expected(r for r in _month_rows(period) if r["ticket"] in seen)
    report = Gate(sla_demo, "lead").reports.sla(period[0])
    assert expected and _by_id(report.rows) == expected
    everyone = Gate(sla_demo, "ada").reports.sla(period[0])
    assert _by_id(everyone.rows) == _expected(_month_rows(period))
    assert len(everyone.rows) > len(report.rows)
