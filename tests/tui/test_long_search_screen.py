"""A search the gate refuses (more than 32 words) is said in the app, and the inbox shows no
rows and no count of the search before it."""

from __future__ import annotations

from textual.widgets import Input, Static

from screens.inbox import InboxScreen
from tests.tui_support import make_app, press, settle
from tui.ticket_list import TicketList


async def test_a_refused_search_is_said_and_leaves_no_stale_count(new_demo) -> None:
    location = new_demo()
    app = make_app(location, "ada")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        inbox = app.screen
        assert isinstance(inbox, InboxScreen)
        tickets = inbox.query_one(TicketList)
        assert tickets.total > 0
        words = " ".join(f"word{i}" for i in range(40))
        await press(pilot, "slash", "ctrl+u")
        app.screen.query_one(Input).value = words  # as pasted: one keypress per word is slow
        await press(pilot, "enter")
        shown = [n.message for n in app._notifications]
        assert any("at most 32 words; this one has 40" in text for text in shown), shown
        assert tickets.total == 0 and tickets.current_row() is None
        status = " ".join(str(s.render()) for s in inbox.query(Static))
        assert "0 tickets" in status
