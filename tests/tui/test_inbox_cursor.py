"""The inbox's cursor follows the ticket, not the row: after the person's own change, a change
on the ticket screen, or another agent's change re-sorts the list, the next key acts on the
ticket that was selected. Keys pressed at 80x24; results checked through the gate."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from access import Gate
from access.views import INBOX_DEFAULT, TicketQuery
from screens.inbox import InboxScreen
from screens.ticket_detail import TicketDetailScreen
from tests.backends import connect
from tests.tui_support import Handled, handled, make_app, press, row_under_cursor, settle
from tui.live import OthersChanged
from tui.ticket_list import TicketList

SMALL = (80, 24)
FAST = 0.05  # the refresh interval of a session that follows others' changes


@pytest.fixture
def demo(new_demo: Callable[..., str]) -> str:
    return new_demo()


def inbox_rows(demo: str, user: str) -> list[Any]:
    return Gate(connect(str(demo)), user).inbox.list_tickets(INBOX_DEFAULT, limit=20)


async def cursor_to(pilot: Pilot[Any], index: int) -> int:
    """Move the cursor down to row `index` with `j`; the number of the ticket it is on."""
    await press(pilot, *["j"] * index)
    tickets = pilot.app.screen.query_one(TicketList)
    assert tickets.cursor == index
    return row_under_cursor(tickets).number


async def opens(pilot: Pilot[Any]) -> int:
    """Press enter; the number of the ticket the screen opened."""
    await press(pilot, "enter")
    screen = pilot.app.screen
    assert isinstance(screen, TicketDetailScreen)
    return screen.number


async def test_take_of_the_cursor_ticket_follows_it_to_the_top(demo: str) -> None:
    rows = inbox_rows(demo, "tom")
    index = next(i for i, row in enumerate(rows) if i >= 3 and row.assignee != "tom")
    app = make_app(demo, "tom")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        chosen = await cursor_to(pilot, index)
        await press(pilot, "t")
        tickets = app.screen.query_one(TicketList)
        assert tickets.cursor == 0  # newest activity first: the taken ticket is now on top
        assert row_under_cursor(tickets).number == chosen
        assert await opens(pilot) == chosen
    assert Gate(connect(str(demo)), "tom").tickets.get_ticket(chosen).row.assignee == "tom"


async def test_a_change_on_the_ticket_screen_then_escape_keeps_the_ticket(demo: str) -> None:
    rows = inbox_rows(demo, "tom")
    index = next(i for i, row in enumerate(rows) if i >= 3 and row.priority != "urgent")
    app = make_app(demo, "tom")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        chosen = await cursor_to(pilot, index)
        assert await opens(pilot) == chosen
        await press(pilot, "p", *"urgent", "enter")
        await press(pilot, "escape")
        assert isinstance(app.screen, InboxScreen)
        assert row_under_cursor(app.screen.query_one(TicketList)).number == chosen
        assert await opens(pilot) == chosen
    assert Gate(connect(str(demo)), "tom").tickets.get_ticket(chosen).row.priority == "urgent"


async def script(demo: str, user: str, *args: str) -> None:
    """The command line, in its own process, as `user`: another agent."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ticketty", "--db", str(demo), "--user", user, *args
    )
    assert await process.wait() == 0


async def test_another_agents_change_re_sorts_the_list_under_the_cursor(demo: str) -> None:
    rows = inbox_rows(demo, "tom")
    index = 3
    chosen = rows[index].number
    # Another agent changes a ticket below the cursor: it jumps to the top, the rest slide.
    other = next(row for row in rows[index + 1 :] if row.priority != "urgent").number
    app = make_app(demo, "tom", FAST)
    saw = Handled()
    async with app.run_test(size=SMALL, message_hook=saw.hook) as pilot:
        await settle(pilot)
        assert await cursor_to(pilot, index) == chosen
        seen = saw.expect(OthersChanged, lambda m: other in m.changes.tickets)
        await script(demo, "ada", "tickets", "priority", str(other), "urgent")
        await handled(seen, pilot)
        tickets = app.screen.query_one(TicketList)
        assert tickets.cursor == index + 1
        assert row_under_cursor(tickets).number == chosen
        await press(pilot, "t")  # the key acts on the selected ticket, not the one that slid in
        await settle(pilot)
        assert await opens(pilot) == chosen
    gate = Gate(connect(str(demo)), "tom")
    assert gate.tickets.get_ticket(chosen).row.assignee == "tom"
    assert gate.tickets.get_ticket(rows[index - 1].number).row.assignee == rows[index - 1].assignee


async def test_a_ticket_that_leaves_the_view_hands_the_cursor_to_its_neighbour(
    demo: str,
) -> None:
    rows = inbox_rows(demo, "tom")
    index = 3
    chosen, neighbour = rows[index].number, rows[index + 1].number
    app = make_app(demo, "tom")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert await cursor_to(pilot, index) == chosen
        await press(pilot, "s", *"resolved", "enter")  # the inbox shows the open work only
        await settle(pilot)
        tickets = app.screen.query_one(TicketList)
        assert (tickets.cursor, row_under_cursor(tickets).number) == (index, neighbour)
        status = str(app.screen.query_one("#status").render())
        assert f"#{chosen} left this view" in status
        await press(pilot, "j")  # moving on ends the note
        await settle(pilot)
        assert "left this view" not in str(app.screen.query_one("#status").render())
    assert Gate(connect(str(demo)), "tom").tickets.get_ticket(chosen).row.status == "resolved"


@pytest.mark.parametrize("order", ["activity", "waiting", "priority"])
def test_the_position_of_a_ticket_is_its_index_in_the_list(
    gate_for: Callable[[str], Gate], order: str
) -> None:
    ola = gate_for("ola")
    query = TicketQuery(statuses=("new", "open"), order=order)
    rows = ola.inbox.list_tickets(query, limit=300)
    assert len(rows) > 40
    for index in (0, 1, 17, len(rows) // 2, len(rows) - 1):
        assert ola.inbox.ticket_position(query, rows[index].number) == index
    closed = ola.inbox.list_tickets(TicketQuery(statuses=("closed",)), limit=1)[0].number
    assert ola.inbox.ticket_position(query, closed) is None  # outside the filters


def test_the_position_of_a_ticket_out_of_scope_is_none(gate_for: Callable[[str], Gate]) -> None:
    seen_by_ali = {
        row.number for row in gate_for("ali").inbox.list_tickets(TicketQuery(), limit=1000)
    }
    everything = gate_for("ada").inbox.list_tickets(TicketQuery(), limit=1000)
    unseen = next(row.number for row in everything if row.number not in seen_by_ali)
    assert gate_for("ali").inbox.ticket_position(TicketQuery(), unseen) is None
    assert gate_for("ali").inbox.ticket_position(TicketQuery(), 10**9) is None
