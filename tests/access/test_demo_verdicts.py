"""The demo's clocks (`access.demo_service_levels.DemoClocks`): its due times and verdicts,
written in bulk with the demo, are those the write path stores from the same history (a new or
open ticket's due times and first response); met and breached both among them, and the demo's
month reported."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import peewee
import pytest

from access import Gate
from access.demo import build_demo
from access.due_times import keep_due_times
from store.db import connect
from store.models import Ticket
from store.sla_models import SlaVerdict


@pytest.fixture
def demo(new_location: Callable[..., str]) -> Iterator[peewee.Database]:
    db = connect(new_location(migrated=True))
    build_demo(db, tickets=300, seed=7, service_levels=True)
    yield db
    db.close()


def kept(numbers: list[int]) -> list[tuple[Any, ...]]:
    query = (
        SlaVerdict.select()
        .where(SlaVerdict.ticket.in_(numbers) & (SlaVerdict.metric == "first_response"))
        .order_by(SlaVerdict.ticket)
    )
    return [
        (
            v.ticket,
            v.policy_name,
            v.policy_id,
            v.target_minutes,
            v.business_minutes,
            v.met,
            v.started_at,
            v.ended_at,
            v.agent,
            v.usergroup,
            v.source,
        )
        for v in query
    ]


def test_the_demo_verdicts_are_those_the_write_path_gives(demo: peewee.Database) -> None:
    running = [
        t.number for t in Ticket.select(Ticket.number).where(Ticket.status.in_(["new", "open"]))
    ]
    written = kept(running)
    assert len(written) > 20
    assert {row[5] for row in written} == {True, False}
    SlaVerdict.delete().where(SlaVerdict.ticket.in_(running)).execute()
    gate = Gate(demo, "ada")
    request = gate.tickets._open()
    with request.writing():
        keep_due_times(request, running)
    assert kept(running) == written


def test_the_demo_month_has_both_verdicts_reported(demo: peewee.Database) -> None:
    report = Gate(demo, "ada").reports.sla("2026-10")
    (total,) = [r for r in report.rows if (r.by, r.name) == ("source", "Allegro PL")]
    assert total.first_response_met + total.first_response_breached > 0
    assert total.resolution_met + total.resolution_breached > 0
