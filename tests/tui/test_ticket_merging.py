"""The ticket screen's merge, link and copies keys at 80x24: `M` asks for the ticket to merge
into, shows what would move and writes nothing until yes; the ticket then says where it went,
and the Cc list shows under the requester."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from access import Gate
from access.views import TicketQuery
from screens.ticket_detail import TicketDetailScreen
from store.links import TicketLink
from tests.backends import connect
from tests.tui_support import make_app, open_ticket, press, settle
from tui.widgets import ConfirmModal, PickerModal, PromptModal

SMALL = (80, 24)


@pytest.fixture
def demo(new_demo: Callable[..., str]) -> str:
    return new_demo(120)


def two_open(demo: str) -> tuple[int, int]:
    rows = Gate(connect(demo), "tom").inbox.list_tickets(TicketQuery(statuses=("open",)), limit=2)
    return rows[0].number, rows[1].number


def merged_links(number: int) -> list[int]:
    """The tickets `number` was merged into (the demo has a merged pair of its own)."""
    return [link.other_id for link in TicketLink.select().where(TicketLink.ticket == number)]


def fields_of(screen: TicketDetailScreen) -> str:
    return str(screen.query_one("#fields", Static).render())


async def answer_key(pilot: Pilot[Any], key: str, text: str) -> None:
    """Press `key` on the ticket screen and type `text` into the question it asks."""
    await press(pilot, key)
    await type_into_prompt(pilot, text)


async def type_into_prompt(pilot: Pilot[Any], text: str) -> None:
    assert isinstance(pilot.app.screen, PromptModal)
    pilot.app.screen.query_one(Input).value = text
    await press(pilot, "enter")


async def test_merge_key_previews_then_merges_on_yes_only(demo: str) -> None:
    kept, merged = two_open(demo)
    moving = len(Gate(connect(demo), "tom").tickets.get_ticket(merged).messages)
    app = make_app(demo, "tom")
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_ticket(pilot, merged)
        assert isinstance(screen, TicketDetailScreen)
        await answer_key(pilot, "M", f"#{kept}")
        question = pilot.app.screen
        assert isinstance(question, ConfirmModal)
        assert question.question.startswith(f"#{merged} into #{kept}: would move {moving} messages")
        await press(pilot, "n")
        assert not merged_links(merged)
        await answer_key(pilot, "M", str(kept))
        await press(pilot, "y")
        assert isinstance(pilot.app.screen, TicketDetailScreen)
        assert screen.detail is not None and screen.detail.row.status == "closed"
        assert f"Merged into #{kept}" in fields_of(screen)
        assert merged_links(merged) == [kept]


async def test_a_merge_into_a_ticket_out_of_reach_is_one_line_and_writes_nothing(
    demo: str,
) -> None:
    first, _ = two_open(demo)
    app = make_app(demo, "tom")
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_ticket(pilot, first)
        await answer_key(pilot, "M", "#999999")
        assert pilot.app.screen is screen
        assert not merged_links(first)


async def test_link_and_copies_keys(demo: str) -> None:
    first, second = two_open(demo)
    app = make_app(demo, "tom")
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_ticket(pilot, first)
        assert isinstance(screen, TicketDetailScreen)
        await answer_key(pilot, "L", f"#{second}")
        assert isinstance(pilot.app.screen, PickerModal)
        await pilot.press("enter")  # the first kind: related
        await settle(pilot)
        assert f"Related to #{second}" in fields_of(screen)
        await answer_key(pilot, "C", "anna@customer.example, bo@customer.example")
        assert "Cc anna@customer.example, bo@customer.example" in fields_of(screen)
        await answer_key(pilot, "C", "bo@customer.example")
        assert screen.detail is not None and screen.detail.copies == ("bo@customer.example",)


async def test_unlink_key_removes_a_link_picked_from_the_ticket(demo: str) -> None:
    first, second = two_open(demo)
    Gate(connect(demo), "tom").merging.link(first, second, "duplicate")
    app = make_app(demo, "tom")
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_ticket(pilot, first)
        assert isinstance(screen, TicketDetailScreen)
        assert f"Duplicate of #{second}" in fields_of(screen)
        await press(pilot, "U")
        picker = pilot.app.screen
        assert isinstance(picker, PickerModal)
        await pilot.press("enter")  # its one link
        await settle(pilot)
        assert f"#{second}" not in fields_of(screen)
        assert pilot.app.screen is screen
        assert f"#{first} unlinked from #{second} (duplicate)" in [
            n.message for n in app._notifications
        ]
        await pilot.press("U")  # no link left: said, nothing asked
        await settle(pilot)
        assert pilot.app.screen is screen
    assert not TicketLink.select().where(TicketLink.ticket.in_([first, second])).exists()
