"""A change that finds the ticket already as asked is told as information, not as an error
or a warning; a change that skips tickets for another reason still warns. Keys pressed at
80x24; results checked through the gate."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from access import Gate
from access.views import INBOX_DEFAULT
from tests.backends import connect
from tests.tui_support import make_app, press, settle
from tui.ticket_list import TicketList

SMALL = (80, 24)


@pytest.fixture
def demo(new_demo: Callable[..., str]) -> str:
    return new_demo()


async def test_setting_what_a_ticket_already_has_is_an_information(demo: str) -> None:
    ada = Gate(connect(demo), "ada")
    first = ada.inbox.list_tickets(INBOX_DEFAULT, limit=1)[0]
    versions = ada.tickets.get_ticket(first.number).row.version
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        row = app.screen.query_one(TicketList).current_row()
        assert row is not None and row.number == first.number
        await press(pilot, "p")
        await press(pilot, *first.priority, "enter")
        said = list(app._notifications)[-1]
        assert "1 already" in said.message and said.severity == "information"
        assert first.priority != "urgent"
        await press(pilot, "p")
        await press(pilot, *"urgent", "enter")
        said = list(app._notifications)[-1]
        assert "1 changed" in said.message and said.severity == "information"
    assert (
        ada.tickets.get_ticket(first.number).row.version == versions + 1
    )  # the no-op wrote nothing
