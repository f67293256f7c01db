"""Tags and saved views by key at 80x24: `l` on marked tickets in the inbox (with the bulk
preview) and on the ticket screen, `-tag` to take one off; `1` shows the first saved view,
`V` saves the filters shown. Results checked through the gate."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from access import Gate
from access.views import INBOX_DEFAULT
from screens.inbox import InboxScreen
from screens.ticket_detail import TicketDetailScreen
from tests.backends import connect
from tests.tui_support import make_app, open_ticket, press, settle
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
        await press(pilot, "space", "space", "l")
        assert isinstance(app.screen, PromptModal)
        await press(pilot, *"Checked", "enter")
        assert isinstance(app.screen, ConfirmModal)  # the preview of a change to marked ones
        await press(pilot, "y")
        tagged = {r.number: r.tags for r in ola.inbox.list_tickets(INBOX_DEFAULT, limit=2)}
        assert set(tagged) == {rows[0].number, rows[1].number}
        assert all("checked" in tags for tags in tagged.values())
        screen = await open_ticket(pilot, rows[0].number)
        assert isinstance(screen, TicketDetailScreen)
        assert "checked" in str(screen.query_one("#fields").render())
        await press(pilot, "l", *"-checked", "enter")
        assert "checked" not in ola.tickets.get_ticket(rows[0].number).row.tags
        assert "checked" not in str(screen.query_one("#fields").render())


async def test_jump_to_view_one_then_save_the_filters(demo: str) -> None:
    """The demo shares three views with the Agent role; ola's first is the first listed."""
    ola = Gate(connect(demo), "ola")
    first = ola.views.list_views()[0]
    app = make_app(demo, "ola")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "1")
        inbox = app.screen
        assert isinstance(inbox, InboxScreen) and inbox.query_filter == first.query
        assert inbox.query_one(TicketList).total == first.tickets
        await press(pilot, "V", *"Mine too", "enter")
        saved = {v.name: v for v in ola.views.list_views()}
        assert saved["Mine too"].query == first.query and saved["Mine too"].shared_with == ""


async def test_set_a_ticket_field_on_its_screen(demo: str) -> None:
    """The demo defines the field "Order number" of tickets; `e` picks it and sets it."""
    ola = Gate(connect(demo), "ola")
    number = ola.inbox.list_tickets(INBOX_DEFAULT, limit=1)[0].number
    app = make_app(demo, "ola")
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_ticket(pilot, number)
        await press(pilot, "e")
        await press(pilot, "enter")
        assert isinstance(app.screen, PromptModal)
        await press(pilot, *"A-123", "enter")
        fields = {f.name: f.value for f in ola.tickets.get_ticket(number).ticket_fields}
        assert fields == {"Order number": "A-123"}
        assert "Order number A-123" in str(screen.query_one("#fields").render())
