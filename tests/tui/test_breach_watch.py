"""Breaches seen: with the app open, the assignee is told once when a ticket of theirs comes
within `[sla] warn_before` (1h unless set) of business time of its due time and once when it
passes it, counted from the gate's clock; a check with nothing crossed reads nothing; tickets
already past due at the start are not announced."""

from __future__ import annotations

from datetime import datetime, timedelta

from access import Gate
from access.sla_rules import Duration
from access.views import TicketQuery
from settings.layers import Settings
from store.models import SlaPolicy, Ticket
from tests.backends import connect
from tests.tui.test_inbox_due import with_a_policy
from tests.tui_support import settle
from ticketty.launch import build_app
from tui.due_cells import earliest_due

# The tickets a clock can run on: a resolved or closed one's are stopped (`tui.due_cells`).
OPEN = ("new", "open")


def toasts(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_the_assignee_is_told_before_and_at_a_breach(demo_copy: str) -> None:
    with_a_policy(demo_copy)
    tom = Gate(connect(demo_copy), "tom")
    first = tom.inbox.list_tickets(TicketQuery(mine=True, order="due", statuses=OPEN), limit=1)[0]
    due = earliest_due(first)
    assert due is not None
    now = [due - timedelta(hours=2)]
    app = build_app(Gate(connect(demo_copy), "tom", clock=lambda: now[0]), refresh_seconds=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        watch = app.breach_watch
        assert watch.dues[first.number] == due and toasts(app) == []
        watch.check()
        assert not [w for w in app.workers if w.group == "breach-watch"]  # nothing read

        now[0] = due - timedelta(minutes=50)
        watch.check()
        await settle(pilot)
        assert toasts(app) == [f"#{first.number} is due in 50m"]
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
    tom = Gate(connect(demo_copy), "tom", clock=lambda: datetime(2027, 6, 1))
    app = build_app(tom, refresh_seconds=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.breach_watch.dues and toasts(app) == []
        app.breach_watch.check()
        await settle(pilot)
        assert toasts(app) == []


FRIDAY_EVENING = datetime(2026, 11, 6, 16, 30)  # the office closes at 17:00
MONDAY_MORNING = datetime(2026, 11, 9, 9, 0)


def due_on_monday(location: str) -> int:
    """One of tom's tickets measured by an office-hours policy, due on Monday at 09:00."""
    ada = Gate(connect(location), "ada")
    ada.calendars.create_calendar("Office", zone="UTC", hours="mon-fri 09:00-17:00")
    ada.sla.create_policy("Office", calendar="Office", targets={"resolution": ["5d"]})
    number = ada.inbox.list_tickets(TicketQuery(assignee="tom", statuses=OPEN), limit=1)[0].number
    policy = SlaPolicy.get(SlaPolicy.name == "Office").id
    Ticket.update(
        sla_policy=policy,
        first_response_due=None,
        next_response_due=None,
        resolution_due=MONDAY_MORNING,
        due_at=MONDAY_MORNING,
    ).where(Ticket.number == number).execute()
    return number


async def test_the_warning_counts_business_hours_over_the_weekend(demo_copy: str) -> None:
    number = due_on_monday(demo_copy)
    tom = Gate(connect(demo_copy), "tom", clock=lambda: FRIDAY_EVENING)
    app = build_app(tom, refresh_seconds=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert f"#{number} is due in 30m" in toasts(app)  # 30 business minutes, not 64h 30m


async def test_the_warning_time_is_the_settings(demo_copy: str) -> None:
    number = due_on_monday(demo_copy)
    now = [FRIDAY_EVENING]
    tom = Gate(connect(demo_copy), "tom", clock=lambda: now[0])
    app = build_app(tom, settings=Settings(sla_warn_before=Duration(0, 15)), refresh_seconds=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        mine = [t for t in toasts(app) if t.startswith(f"#{number} ")]
        assert mine == []  # 30 minutes left: not yet within 15
        now[0] = FRIDAY_EVENING + timedelta(minutes=20)
        app.breach_watch.check()
        await settle(pilot)
        mine = [t for t in toasts(app) if t.startswith(f"#{number} ")]
        assert mine == [f"#{number} is due in 10m"]


async def test_several_crossing_at_once_are_told_in_one_toast(demo_copy: str) -> None:
    """A screen of toasts would hide what the person is doing: three tickets coming due within
    the hour together are told in one toast, soonest first; one alone in its own."""
    with_a_policy(demo_copy)
    tom = Gate(connect(demo_copy), "tom")
    mine = tom.inbox.list_tickets(TicketQuery(mine=True, order="due", statuses=OPEN), limit=200)
    first = min(due for row in mine if (due := earliest_due(row)) is not None)
    now = first - timedelta(hours=3)
    soon = [row.number for row in mine[-3:]]
    for minutes, number in zip((40, 10, 25), soon, strict=True):
        due = now + timedelta(minutes=minutes)
        Ticket.update(first_response_due=due, due_at=due).where(Ticket.number == number).execute()
    app = build_app(Gate(connect(demo_copy), "tom", clock=lambda: now), refresh_seconds=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert toasts(app) == [
            f"3 of your tickets are due soon: #{soon[1]} (10m), #{soon[2]} (25m), #{soon[0]} (40m)"
        ]
