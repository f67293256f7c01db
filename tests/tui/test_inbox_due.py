"""The inbox's due column, sort and filters: the time left to the earliest due time (negative
past it) coloured as breached or due within the hour, in place of the group at 80 columns;
`O` sorts by it, `B` keeps the breached, `D` those due within a time; the column moves with the
app's clock. Snapshots at 80x24 and 120x40."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from textual.pilot import Pilot

from access import Gate
from access.business_time import Calendar
from access.calendar_text import parse_hours
from access.demo import DEMO_NOW
from access.sla_rules import Duration
from access.views import TicketRow
from screens.inbox import InboxScreen
from tests.access.test_due_window import FRIDAY_EVENING, due_on_monday
from tests.backends import Locations, connect
from tests.tui.test_drafts_presence_screens import until
from tests.tui_support import make_app, press, settle
from ticketty.launch import build_app
from tui.due_cells import BREACHED, DUE_SOON, Moment, due_left, due_state, due_within
from tui.ticket_list import TicketList, layout
from wording.sla_text import due_fields

SIZES = [(80, 24), (120, 40)]


def with_a_policy(location: str) -> str:
    """Every day, all day, so the due times fall around the demo's clock."""
    gate = Gate(connect(location), "ada")
    gate.calendars.create_calendar("Always", zone="UTC", hours="mon-sun 00:00-24:00")
    gate.sla.create_policy(
        "Standard", calendar="Always", targets={"first_response": ["3d"], "resolution": ["20d"]}
    )
    return location


@pytest.fixture(scope="module")
def demo(locations: Locations) -> Iterator[str]:
    location = locations.copy(locations.demo(100), "due.db")
    yield with_a_policy(location)
    locations.drop([location])


def row(
    first_response_due: datetime | None = None,
    next_response_due: datetime | None = None,
    resolution_due: datetime | None = None,
) -> TicketRow:
    return TicketRow(
        1, "s", "r", None, "src", "open", "normal", None, False, DEMO_NOW, DEMO_NOW, 1,
        first_response_due=first_response_due,
        next_response_due=next_response_due,
        resolution_due=resolution_due,
    )  # fmt: skip


def test_the_cell_says_the_time_left_to_the_earliest_due_time() -> None:
    now = datetime(2026, 11, 1, 9, 0)
    at = Moment(now)  # no calendar known: the wall clock
    soon = row(first_response_due=now + timedelta(minutes=50), resolution_due=now)
    assert (due_left(soon, at), due_state(soon, at)) == ("0m", BREACHED)
    later = row(next_response_due=now + timedelta(hours=2, minutes=10))
    assert (due_left(later, at), due_state(later, at)) == ("2h 10m", "")
    late = row(resolution_due=now - timedelta(hours=1, minutes=20))
    assert (due_left(late, at), due_state(late, at)) == ("-1h 20m", BREACHED)
    hour = row(first_response_due=now + timedelta(hours=1))
    assert due_state(hour, at) == DUE_SOON
    assert (due_left(row(), at), due_state(row(), at)) == ("-", "")
    assert due_left(row(resolution_due=now - timedelta(days=115, hours=18, minutes=5)), at) == (
        "-115d 18h"
    )
    assert due_within("90m") == Duration(0, 90) and due_within("2d") == Duration(2)
    assert due_within(" ") is None


def test_the_cell_counts_business_time_in_the_policys_calendar() -> None:
    office = Moment(
        datetime(2026, 11, 6, 15, 30),  # a Friday, half an hour before closing
        {7: Calendar("UTC", parse_hours("mon-fri 08:00-16:00"))},
    )
    monday = datetime(2026, 11, 9, 8, 0)
    in_time = row(first_response_due=monday + timedelta(minutes=20))._replace(sla_policy=7)
    assert (due_left(in_time, office), due_state(in_time, office)) == ("50m", DUE_SOON)
    later = row(first_response_due=monday + timedelta(hours=1))._replace(sla_policy=7)
    assert (due_left(later, office), due_state(later, office)) == ("1h 30m", "")
    on_monday = office._replace(now=monday + timedelta(minutes=20))
    late = row(resolution_due=datetime(2026, 11, 6, 15, 0))._replace(sla_policy=7)
    assert (due_left(late, on_monday), due_state(late, on_monday)) == ("-1h 20m", BREACHED)
    evening = office._replace(now=datetime(2026, 11, 6, 20, 0))
    closing = row(resolution_due=datetime(2026, 11, 6, 16, 0))._replace(sla_policy=7)
    assert (due_left(closing, evening), due_state(closing, evening)) == ("-0m", BREACHED)
    unknown = in_time._replace(sla_policy=8)  # its calendar not read: the wall clock
    assert due_left(unknown, office) == "2d 16h"


def test_the_ticket_screen_counts_what_the_cell_counts() -> None:
    """The ticket's due line says the working time left as the inbox's cell does, beside the
    due time itself; past due outside working hours it says so instead of `-0m`."""
    calendar = Calendar("UTC", parse_hours("mon-fri 08:00-16:00"))
    friday = datetime(2026, 11, 6, 15, 30)
    monday = datetime(2026, 11, 9, 8, 0)
    ticket = row(
        first_response_due=monday + timedelta(minutes=20),
        resolution_due=datetime(2026, 11, 6, 15, 0),
    )
    assert due_fields(ticket, friday, calendar) == [
        ("First response due", "2026-11-09 08:20, 50m of working time left"),
        ("Resolution due", "2026-11-06 15:00, past due by 30m of working time"),
    ]
    evening = datetime(2026, 11, 6, 20, 0)
    closing = row(resolution_due=datetime(2026, 11, 6, 16, 0))
    assert due_fields(closing, evening, calendar) == [
        ("Resolution due", "2026-11-06 16:00, past due (outside working hours since)")
    ]
    assert due_fields(closing, evening) == [("Resolution due", "2026-11-06 16:00, 4h 00m ago")]


def test_at_80_columns_the_due_time_takes_the_groups_place() -> None:
    narrow = [column.title for column, _ in layout(80)]
    assert "Due" in narrow and "Group" not in narrow
    assert {"Due", "Group"} <= {column.title for column, _ in layout(120)}


def inbox_of(pilot: Pilot[int]) -> tuple[InboxScreen, TicketList]:
    inbox = pilot.app.screen
    assert isinstance(inbox, InboxScreen)
    return inbox, inbox.query_one(TicketList)


def loaded(tickets: TicketList) -> list[TicketRow]:
    rows = [tickets.row_at(i) for i in range(min(tickets.total, 15))]
    assert all(r is not None for r in rows)
    return [r for r in rows if r is not None]


async def sort_by_due(pilot: Pilot[int]) -> None:
    await settle(pilot)
    await press(pilot, "O")
    await press(pilot, *"Due", "enter")


async def test_sort_and_filters_by_their_keys(demo: str) -> None:
    app = make_app(demo, "ada")
    async with app.run_test(size=(80, 24)) as pilot:
        await sort_by_due(pilot)
        inbox, tickets = inbox_of(pilot)
        assert inbox.query_filter.order == "due" and tickets.pinned == "Due"
        dues = [
            min(d for d in (r.first_response_due, r.resolution_due) if d) for r in loaded(tickets)
        ]
        assert dues == sorted(dues)
        assert "sorted by due time" in str(inbox.query_one("#status").render())

        await press(pilot, "B")
        assert inbox.query_filter.breached
        breached = app.gate.inbox.count_tickets(inbox.query_filter)
        assert tickets.total == breached > 0 and all(r.breached for r in loaded(tickets))
        await press(pilot, "B", "D")
        await press(pilot, "ctrl+u", *"3d", "enter")
        assert not inbox.query_filter.breached
        assert inbox.query_filter.due_within == Duration(3)
        assert "due within 3d" in str(inbox.query_one("#status").render())
        assert tickets.total == app.gate.inbox.count_tickets(inbox.query_filter)

        await press(pilot, "D")
        await press(pilot, "ctrl+u", *"soon", "enter")
        assert inbox.query_filter.due_within == Duration(3)  # kept: nothing changed
        assert any("'soon' is not a duration" in n.message for n in app._notifications)


async def test_the_column_moves_with_the_clock(demo: str) -> None:
    now = [DEMO_NOW]
    app = build_app(Gate(connect(demo), "ada", clock=lambda: now[0]), refresh_seconds=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await sort_by_due(pilot)
        _, tickets = inbox_of(pilot)
        first = loaded(tickets)[0]
        calendars = app.due_calendars.by_policy
        assert calendars  # read as the app started
        before = due_left(first, Moment(now[0], calendars))
        now[0] = DEMO_NOW + timedelta(days=30)
        tickets.refresh()
        await settle(pilot)
        line = "".join(s.text for s in tickets.render_line(1))
        after = due_left(first, Moment(now[0], calendars))
        assert after in line and before != after


@pytest.mark.parametrize("size", SIZES)
def test_inbox_sorted_by_due_snapshot(snap_compare, demo: str, size) -> None:
    assert snap_compare(make_app(demo, "ada"), terminal_size=size, run_before=sort_by_due)


async def test_due_within_an_hour_on_a_friday_evening(demo_copy: str) -> None:
    on_monday = due_on_monday(Gate(connect(demo_copy), "ada"))
    friday = Gate(connect(demo_copy), "ada", clock=lambda: FRIDAY_EVENING)
    app = build_app(friday, refresh_seconds=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "D")
        await press(pilot, "ctrl+u", *"1h", "enter")
        inbox, tickets = inbox_of(pilot)
        assert inbox.query_filter.due_within == Duration(0, 60)
        assert "due within 1h" in str(inbox.query_one("#status").render())
        # Half an hour before the office closes, half an hour after it opens on Monday.
        assert [r.number for r in loaded(tickets)] == [on_monday["office at nine"]]
        line = "".join(s.text for s in tickets.render_line(1))
        assert f"{on_monday['office at nine']}" in line and "30m" in line


async def test_the_sessions_own_calendar_edit_moves_the_due_column(demo_copy: str) -> None:
    with_a_policy(demo_copy)
    app = build_app(Gate(connect(demo_copy), "ada", clock=lambda: DEMO_NOW), refresh_seconds=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert [c.shifts[5] for c in app.due_calendars.by_policy.values()] == [((0, 1440),)]
        gate = app.gate
        await app.gate_call(
            lambda: gate.calendars.change_calendar("Always", hours="mon-fri 09:00-17:00")
        )
        await until(
            pilot,
            lambda: [c.shifts[5] for c in app.due_calendars.by_policy.values()] == [()],
            "the calendars read again after the session's own edit",
        )
