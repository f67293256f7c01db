"""Breaches seen: with the app open, the assignee is told once when a ticket of theirs comes
within 15 minutes of its due time and once when it passes it; a check with nothing crossed
reads nothing; tickets already past due at the start are not announced."""

from __future__ import annotations

from datetime import datetime, timedelta

from access import Gate
from access.views import TicketQuery
from store.db import connect
from tests.tui.test_inbox_due import with_a_policy
from tests.tui_support import settle
from ticketty.launch import build_app
from tui.due_cells import earliest_due


def toasts(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_the_assignee_is_told_before_and_at_a_breach(demo_copy: str) -> None:
    with_a_policy(demo_copy)
    tom = Gate(connect(demo_copy), "tom")
    first = tom.inbox.list_tickets(TicketQuery(mine=True, order="due"), limit=1)[0]
    due = earliest_due(first)
    assert due is not None
    now = [due - timedelta(hours=1)]
    app = build_app(tom, clock=lambda: now[0], refresh_seconds=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        watch = app.breach_watch
        assert watch.dues[first.number] == due and toasts(app) == []
        watch.check()
        assert not [w for w in app.workers if w.group == "breach-watch"]  # nothing read

        now[0] = due - timedelta(minutes=10)
        watch.check()
        await settle(pilot)
        assert toasts(app) == [f"#{first.number} is due in 10m"]
        watch.check()
        await settle(pilot)
        assert len(toasts(app)) == 1

        now[0] = due + timedelta(minutes=5)
        watch.check()
        await settle(pilot)
        assert toasts(app)[1:] == [f"#{first.number} is past its due time (5m ago)"]
        watch.check()
        await settle(pilot)
        assert len(toasts(app)) == 2


async def test_what_is_past_due_at_the_start_is_not_announced(demo_copy: str) -> None:
    with_a_policy(demo_copy)
    tom = Gate(connect(demo_copy), "tom")
    app = build_app(tom, clock=lambda: datetime(2027, 6, 1), refresh_seconds=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.breach_watch.dues and toasts(app) == []
        app.breach_watch.check()
        await settle(pilot)
        assert toasts(app) == []
