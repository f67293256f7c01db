"""A ticket number finds the ticket whatever the inbox's filters, if the person may see it;
one they may not see gets the answer of a ticket that does not exist. Keys pressed at 80x24."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from access import Gate
from access.views import TicketQuery
from screens.inbox import InboxScreen
from screens.ticket_detail import TicketDetailScreen
from tests.backends import connect
from tests.tui_support import make_app, press, row_under_cursor, settle
from tui.app import TickettyApp
from tui.ticket_list import TicketList

SMALL = (80, 24)
NOWHERE = 987654  # a number no ticket has


@pytest.fixture
def demo(new_demo: Callable[..., str]) -> str:
    return new_demo()


def closed_ticket(demo: str, user: str) -> int:
    return (
        Gate(connect(str(demo)), user)
        .inbox.list_tickets(TicketQuery(statuses=("closed",)))[0]
        .number
    )


def hidden_from(demo: str, user: str) -> int:
    """A ticket that exists and that `user` may not see."""
    seen = {r.number for r in Gate(connect(str(demo)), user).inbox.list_tickets(limit=1000)}
    everything = Gate(connect(str(demo)), "ada").inbox.list_tickets(limit=1000)
    return next(r.number for r in everything if r.number not in seen)


def status(app: TickettyApp) -> str:
    return str(app.screen.query_one("#status").render())


async def search(pilot: Pilot[Any], text: str) -> None:
    await press(pilot, "slash", *text, "enter")


async def test_a_number_search_lists_a_ticket_outside_the_filters(demo: str) -> None:
    number = closed_ticket(demo, "ada")
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("M")  # mine, on top of the open work: #number is neither
        await settle(pilot)
        await search(pilot, f"#{number}")
        tickets = app.screen.query_one(TicketList)
        assert tickets.total == 1
        assert row_under_cursor(tickets).number == number
        assert f"#{number} is outside your filters" in status(app)
        assert "mine" in status(app)  # the filters stay, for the next search
        await press(pilot, "enter")
        assert isinstance(app.screen, TicketDetailScreen) and app.screen.number == number


async def test_a_number_search_inside_the_filters_says_nothing_more(demo: str) -> None:
    first = Gate(connect(str(demo)), "ada").inbox.list_tickets(limit=1)[0].number
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await search(pilot, f"#{first}")
        assert app.screen.query_one(TicketList).total == 1
        assert "outside your filters" not in status(app)


async def test_a_hidden_ticket_is_answered_as_one_that_does_not_exist(demo: str) -> None:
    hidden = hidden_from(demo, "ali")
    app = make_app(demo, "ali")
    answers = []
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        for number in (hidden, NOWHERE):
            await search(pilot, f"#{number}")
            assert app.screen.query_one(TicketList).total == 0
            answers.append(status(app).replace(str(number), "N"))
    assert answers[0] == answers[1]
    assert "no ticket #N" in answers[0]


async def open_by_number(pilot: Pilot[Any], number: int) -> None:
    await press(pilot, "#", *str(number), "enter")


async def test_hash_opens_a_ticket_by_number_whatever_the_filters(demo: str) -> None:
    number = closed_ticket(demo, "ada")
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await open_by_number(pilot, number)
        assert isinstance(app.screen, TicketDetailScreen) and app.screen.number == number
        assert app.screen.detail is not None and app.screen.detail.row.status == "closed"


async def test_hash_on_a_hidden_ticket_says_what_it_says_of_a_missing_one(demo: str) -> None:
    hidden = hidden_from(demo, "ali")
    app = make_app(demo, "ali")
    said = []
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        for number in (hidden, NOWHERE):
            await open_by_number(pilot, number)
            assert isinstance(app.screen, InboxScreen)
            said.append(list(app._notifications)[-1].message.replace(str(number), "N"))
    assert said == ["no ticket #N", "no ticket #N"]
