"""The demo's service levels as a newcomer opens them right after `ticketty demo`: its times
are drawn back from the moment it is made, so every state is there at once (met, due soon,
breached, paused), whatever weekday or hour it is made at."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime

import pytest

from access import Gate
from access.business_time import Calendar, business_minutes
from access.calendar_text import parse_hours
from access.demo import build_demo
from access.demo_service_levels import CALENDARS
from access.sla_clock import State
from store.models import NO_DUE, SlaPolicy, Ticket
from tests.backends import connect

# A Wednesday morning in Warsaw, a Saturday night, and the Friday before Christmas Eve.
MOMENTS = [datetime(2027, 3, 10, 8, 30), datetime(2027, 3, 13, 22, 5), datetime(2026, 12, 18, 15)]


def calendar_named(name: str) -> Calendar:
    zone, hours, holidays = CALENDARS[name]
    return Calendar(zone, parse_hours(hours), frozenset(holidays))


@pytest.mark.parametrize("now", MOMENTS, ids=["workday", "weekend", "holidays"])
def test_a_demo_made_now_has_tickets_met_due_soon_breached_and_paused(
    new_location: Callable[..., str], now: datetime
) -> None:
    db = connect(new_location("sla-demo.db"), create=True)
    build_demo(db, tickets=400, service_levels=True, now=now)
    assert max(t.created_at for t in Ticket.select()) <= now
    running = list(Ticket.select().where(Ticket.due_at != NO_DUE))
    calendars = {p.id: calendar_named(p.calendar.name) for p in SlaPolicy.select()}
    left = sorted(
        business_minutes(calendars[t.sla_policy], now, t.due_at)
        for t in running
        if t.due_at > now and t.sla_policy is not None
    )
    assert left and 10 <= left[0] <= 54, left[:5]
    assert any(t.due_at <= now for t in running)
    gate = Gate(db, "ada")
    states = Counter(
        target.state
        for number in range(1, 121)
        for target in gate.tickets.sla_explanation(number).targets
    )
    wanted = {State.MET, State.BREACHED, State.PAUSED, State.RUNNING}
    assert {s.value for s in wanted} <= set(states), states
