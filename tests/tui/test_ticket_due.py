"""The ticket screen's service levels: the fields show each running target and the time left
to it; `y` opens "why is it due then" (the gate's explanation: the policy matched and why, the
calendar, each clock with its pauses). Snapshots of the modal at 80x24 and 120x40."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from access import Gate
from access.views import TicketQuery
from access.vocabulary import PENDING, RESOLVED
from tests.backends import Locations, connect
from tests.tui.test_inbox_due import with_a_policy
from tests.tui_support import make_app, open_ticket, press, settle
from tui.widgets import TextModal

SIZES = [(80, 24), (120, 40)]


def soonest_due(location: str) -> int:
    gate = Gate(connect(location), "ada")
    return gate.inbox.list_tickets(TicketQuery(order="due"), limit=1)[0].number


@pytest.fixture(scope="module")
def demo(locations: Locations) -> Iterator[str]:
    location = locations.copy(locations.demo(100), "ticket-due.db")
    yield with_a_policy(location)
    locations.drop([location])


async def test_targets_in_the_fields_and_why_in_a_modal(demo_copy: str) -> None:
    with_a_policy(demo_copy)
    number = soonest_due(demo_copy)
    ada = Gate(connect(demo_copy), "ada")
    row = ada.inbox.list_tickets(TicketQuery(search=f"#{number}"), limit=1)[0]
    assert row.resolution_due is not None
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_ticket(pilot, number)
        await settle(pilot)
        fields = str(screen.query_one("#fields", Static).render())
        assert f"Resolution due {row.resolution_due:%Y-%m-%d %H:%M}" in fields
        # The demo's clock is long past it; counted in its policy's calendar, as the inbox does.
        assert "past due by" in fields and "of working time" in fields
        await press(pilot, "y")
        assert isinstance(app.screen, TextModal)
        text = str(app.screen.text)
        assert "Policy Standard, calendar Always (UTC)" in text
        assert "1. Standard: matches" in text
        assert "Resolution: breached, by Standard in Always" in text
        await press(pilot, "escape")
        assert app.screen is screen

    ada.changes.set_status(number, PENDING)
    explained = ada.tickets.sla_explanation(number)
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_ticket(pilot, number)
        await press(pilot, "y")
        assert isinstance(app.screen, TextModal)
        pauses = [p for t in explained.targets for p in t.pauses]
        assert pauses and "paused while pending" in str(app.screen.text)


async def test_a_ticket_no_policy_measures(demo_copy: str) -> None:
    app = make_app(demo_copy, "vic")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        await press(pilot, "y")
        assert isinstance(app.screen, TextModal)
        assert "No policy matches this ticket" in str(app.screen.text)


def why(number: int):
    async def run_before(pilot: Pilot[int]) -> None:
        await open_ticket(pilot, number)
        await press(pilot, "y")

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_why_due_snapshot(snap_compare, demo: str, size) -> None:
    """A resolved ticket: its clocks ended or stopped, so nothing shown moves with the time."""
    gate = Gate(connect(demo), "ada")
    number = gate.inbox.list_tickets(TicketQuery(statuses=(RESOLVED,)), limit=1)[0].number
    assert snap_compare(make_app(demo, "ada"), terminal_size=size, run_before=why(number))
