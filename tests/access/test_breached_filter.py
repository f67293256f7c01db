"""The breached filter is the work late now: tickets not resolved or closed whose earliest due
time has passed (a pending one's clock fell due before it paused). A ticket resolved without a
first response past its due time is done: that clock ended at the resolution with a breached
verdict, and no status filter brings it back into the breached list, its count, its row's mark,
its explanation or the due-within filter."""

from __future__ import annotations

from datetime import datetime, timedelta

import peewee
import pytest

from access import Gate
from access.sla_rules import Duration
from access.views import TicketQuery
from store.models import Ticket
from store.sla_models import SlaVerdict
from tests.access.conftest import with_standard_policy
from tests.moving_clock import MovingClock
from wording.sla_text import explanation_lines

START = datetime(2026, 11, 2, 10, 0)


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(START)


@pytest.fixture
def ada(demo_db: peewee.Database, clock: MovingClock) -> Gate:
    """Ada with the Standard policy (first response in 4 h, every hour counts)."""
    return with_standard_policy(Gate(demo_db, "ada", clock=clock))


def test_breached_counts_late_work_not_tickets_done_late(ada: Gate, clock: MovingClock) -> None:
    resolved, pending, running = (ada.filing.create_ticket(s, "?") for s in ("a", "b", "c"))
    clock.move(timedelta(hours=5))  # every first response past due
    ada.changes.set_status(resolved, "resolved")
    ada.changes.set_status(pending, "pending")
    in_time = ada.filing.create_ticket("d", "?")
    kept = Ticket.get_by_id(resolved)
    assert kept.first_response_due is None
    (verdict,) = SlaVerdict.select().where(
        (SlaVerdict.ticket == resolved) & (SlaVerdict.metric == "first_response")
    )
    assert (verdict.met, verdict.ended_at) == (False, START + timedelta(hours=5))
    assert verdict.business_minutes == 300 and verdict.target_minutes == 240
    lines = [a + b for a, b in explanation_lines(ada.tickets.sla_explanation(resolved))]
    assert "  due 2026-11-02 14:00, ended 2026-11-02 15:00, resolved or closed unanswered" in lines

    mine = {resolved, pending, running, in_time}
    breached = ada.inbox.list_tickets(TicketQuery(breached=True), limit=10_000)
    assert {r.number for r in breached} & mine == {pending, running}
    assert all(r.breached for r in breached)
    assert ada.inbox.count_tickets(TicketQuery(breached=True)) == len(breached)
    rows = {r.number: r.breached for r in ada.inbox.list_tickets(limit=10_000) if r.number in mine}
    assert rows == {resolved: False, pending: True, running: True, in_time: False}
    done = TicketQuery(breached=True, statuses=("resolved", "closed"))
    assert ada.inbox.count_tickets(done) == 0
    within = ada.inbox.list_tickets(TicketQuery(due_within=Duration(300)), limit=10_000)
    assert {r.number for r in within} & mine == {pending, running, in_time}
    assert ada.tickets.sla_explanation(resolved).breached is False
    assert ada.tickets.sla_explanation(running).breached is True
