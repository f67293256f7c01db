""" "Due within" and "breached" counted from the gate's clock (`Gate(db, user, clock=...)`):
due within 1h means at most one business hour of the ticket's calendar left, as the due column
counts (a ticket due Monday 09:00 is due within 1h on Friday at 16:30 when the office closes at
17:00), each ticket in its own policy's calendar; breached is a due time passed."""

from __future__ import annotations

from datetime import datetime, timedelta

import peewee
import pytest

from access import Gate
from access.due_window import due_by
from access.sla_rules import Duration
from access.views import TicketQuery
from store.models import NO_DUE, SlaPolicy, Ticket

FRIDAY_EVENING = datetime(2026, 11, 6, 16, 30)  # the office closes at 17:00
MONDAY = datetime(2026, 11, 9, 9, 0)  # it opens again
HOUR = Duration(0, 60)


def due(number: int, policy: str, at: datetime) -> None:
    """Ticket `number` measured by `policy`, its resolution due at `at` (its only clock)."""
    Ticket.update(
        sla_policy=SlaPolicy.get(SlaPolicy.name == policy).id,
        first_response_due=None,
        next_response_due=None,
        resolution_due=at,
        due_at=at,
    ).where(Ticket.number == number).execute()


@pytest.fixture
def tickets(demo_db: peewee.Database) -> dict[str, int]:
    return due_on_monday(Gate(demo_db, "ada"))


def due_on_monday(ada: Gate) -> dict[str, int]:
    """Three open tickets due on Monday morning, two in office hours and one in a calendar that
    counts every hour; no other ticket has a clock running."""
    ada.calendars.create_calendar("Office", zone="UTC", hours="mon-fri 09:00-17:00")
    ada.calendars.create_calendar("Always", zone="UTC", hours="mon-sun 00:00-24:00")
    for name in ("Office", "Always"):
        ada.sla.create_policy(name, calendar=name, targets={"resolution": ["5d"]})
    Ticket.update(
        first_response_due=None, next_response_due=None, resolution_due=None, due_at=NO_DUE
    ).execute()
    # Open ones: a resolved or closed ticket is never breached nor due (`access.inbox`).
    open_work = TicketQuery(statuses=("new", "open"))
    first, second, third = (r.number for r in ada.inbox.list_tickets(open_work, limit=3))
    due(first, "Office", MONDAY)
    due(second, "Office", MONDAY + timedelta(hours=1))
    due(third, "Always", MONDAY)
    return {"office at nine": first, "office at ten": second, "always at nine": third}


def within(gate: Gate, query: TicketQuery) -> set[int]:
    listed = {r.number for r in gate.inbox.list_tickets(query, limit=500)}
    assert gate.inbox.count_tickets(query) == len(listed)
    return listed


def test_due_within_counts_the_business_hours_of_each_tickets_calendar(
    demo_db: peewee.Database, tickets: dict[str, int]
) -> None:
    friday = Gate(demo_db, "ada", clock=lambda: FRIDAY_EVENING)
    an_hour = TicketQuery(due_within=HOUR)
    # Half an hour on Friday, half an hour on Monday: due by 09:30 in office hours; the
    # calendar that counts every hour is 64 hours away from Monday 09:00.
    assert within(friday, an_hour) == {tickets["office at nine"]}
    a_day = TicketQuery(due_within=Duration(1))  # a working day of each calendar
    assert within(friday, a_day) == {tickets["office at nine"], tickets["office at ten"]}
    earlier = Gate(demo_db, "ada", clock=lambda: FRIDAY_EVENING - timedelta(hours=1))
    assert within(earlier, an_hour) == set()  # due by Friday 16:30 then
    # Before the office opens on Monday its first business hour ends at 10:00.
    early = Gate(demo_db, "ada", clock=lambda: MONDAY - timedelta(hours=1))
    assert within(early, an_hour) == set(tickets.values())
    saturday = Gate(demo_db, "ada", clock=lambda: MONDAY - timedelta(days=2))
    in_office = {tickets["office at nine"], tickets["office at ten"]}
    assert within(saturday, an_hour) == in_office


def test_breached_is_a_due_time_passed_by_the_gates_clock(
    demo_db: peewee.Database, tickets: dict[str, int]
) -> None:
    monday = Gate(demo_db, "ada", clock=lambda: MONDAY + timedelta(minutes=15))
    breached = TicketQuery(breached=True)
    assert within(monday, breached) == {tickets["office at nine"], tickets["always at nine"]}
    rows = {r.number: r.breached for r in monday.inbox.list_tickets(TicketQuery(order="due"))}
    assert rows[tickets["office at nine"]] and not rows[tickets["office at ten"]]
    assert monday.tickets.get_ticket(tickets["always at nine"]).row.breached
    friday = Gate(demo_db, "ada", clock=lambda: FRIDAY_EVENING)
    assert within(friday, breached) == set()
    assert not friday.tickets.get_ticket(tickets["always at nine"]).row.breached


def test_a_saved_view_counts_due_within_from_the_gates_clock(
    demo_db: peewee.Database, tickets: dict[str, int]
) -> None:
    friday = Gate(demo_db, "ada", clock=lambda: FRIDAY_EVENING)
    friday.views.save_view("Due soon", TicketQuery(due_within=HOUR))
    (view,) = [v for v in friday.views.list_views() if v.name == "Due soon"]
    assert view.query.due_within == HOUR and view.tickets == 1


def test_a_calendar_with_no_hours_counts_the_wall_clock() -> None:
    from access.business_time import Calendar

    empty = Calendar("UTC", ((),) * 7)
    limits = due_by({1: empty}, FRIDAY_EVENING, HOUR)
    assert limits.of(1) == limits.of(None) == FRIDAY_EVENING + timedelta(hours=1)
