"""Tags by key at 80x24: `l` on marked tickets in the inbox (with the bulk preview) and on the
ticket screen, `-tag` to take one off; results checked through the gate."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from access import Gate
from access.views import INBOX_DEFAULT
from screens.ticket_detail import TicketDetailScreen
from store.db import connect
from tests.tui_support import make_app, open_ticket, settle
from tui.ticket_list import TicketList
from tui.widgets import ConfirmModal, PromptModal

SMALL = (80, 24)


@pytest.fixture
def demo(new_demo: Callable[..., str]) -> str:
    return new_demo()


async def test_tag_marked_tickets_then_one_on_its_screen(demo: str) -> None:
    ola = Gate(connect(demo), "ola")
    rows = ola.inbox.list_tickets(INBOX_DEFAULT, limit=2)
    app = make_app(demo, "ola")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert app.screen.query_one(TicketList).current_row() == rows[0]
        await pilot.press("space", "space", "l")
        await settle(pilot)
        assert isinstance(app.screen, PromptModal)
        await pilot.press(*"Refund", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)  # the preview of a change to marked ones
        await pilot.press("y")
        await settle(pilot)
        tagged = {r.number: r.tags for r in ola.inbox.list_tickets(INBOX_DEFAULT, limit=2)}
        assert tagged == {rows[0].number: ("refund",), rows[1].number: ("refund",)}
        screen = await open_ticket(pilot, rows[0].number)
        assert isinstance(screen, TicketDetailScreen)
        assert "Tags refund" in str(screen.query_one("#fields").render())
        await pilot.press("l", *"-refund", "enter")
        await settle(pilot)
        assert ola.tickets.get_ticket(rows[0].number).row.tags == ()
        assert "Tags" not in str(screen.query_one("#fields").render())
