"""The ticket screen by keyboard: the fields stay in place while the conversation scrolls with
j/k/g/G/pgup/pgdn and follows new messages at its end; the composer sits beside the
conversation (side by side from 120 columns, switched with ctrl+t below) and quotes the
customer's last message."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import TextArea

from access import Gate
from access.demo import DEMO_NOW
from access.views import TicketQuery
from screens.ticket_detail import TicketDetailScreen
from tests.backends import connect
from tests.tui_support import Handled, handled, make_app, press, settle
from tui.live import OthersChanged

SMALL = (80, 24)
WIDE = (120, 35)
FAST = 0.05  # the refresh interval of the session under test


@pytest.fixture
def demo(new_demo: Callable[..., str]) -> str:
    return new_demo(120)


def long_ticket(demo: str, replies: int = 12) -> int:
    """An open ticket whose conversation is longer than a screen of 80x24, written on the
    demo's clock, the app's (`make_app`)."""
    tom = Gate(connect(demo), "tom", clock=lambda: DEMO_NOW)
    number = tom.inbox.list_tickets(TicketQuery(statuses=("open",)), limit=1)[0].number
    for index in range(replies):
        tom.messages.note(number, f"Note {index}: checked the courier's tracking page again.")
    return number


async def open_ticket(pilot: Pilot[Any], number: int) -> TicketDetailScreen:
    await settle(pilot)
    await press(pilot, "slash", *f"#{number}", "enter")
    await press(pilot, "enter")
    screen = pilot.app.screen
    assert isinstance(screen, TicketDetailScreen) and screen.detail is not None
    return screen


def shown(screen: TicketDetailScreen, message_id: int) -> bool:
    """Whether the message's widget lies, at least in part, inside the conversation's view."""
    widget = screen.shown[message_id][1]
    return screen.conversation.region.overlaps(widget.region)


async def test_keys_scroll_the_conversation_under_fields_that_stay(demo: str) -> None:
    number = long_ticket(demo)
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_ticket(pilot, number)
        view, fields = screen.conversation, screen.query_one("#fields")
        top = fields.region
        assert view.max_scroll_y > 0
        # Opened at the newest message: the end of the conversation is in view.
        assert view.scroll_y == view.max_scroll_y
        newest = screen.detail.messages[-1].id if screen.detail else 0
        assert shown(screen, newest)
        moves = [
            ("g", lambda: view.scroll_y == 0),
            ("j", lambda: view.scroll_y == 1),
            ("j", lambda: view.scroll_y == 2),
            ("k", lambda: view.scroll_y == 1),
            ("pagedown", lambda: view.scroll_y > 5),
            ("G", lambda: view.scroll_y == view.max_scroll_y),
            ("pageup", lambda: view.scroll_y < view.max_scroll_y - 5),
        ]
        for key, where in moves:
            await press(pilot, key)
            assert where(), f"after {key}: at {view.scroll_y} of {view.max_scroll_y}"
            assert fields.region == top  # the status and assignee stay where they were
        assert "Status" in str(fields.render()) and top.y < view.region.y
        # `?` lists every one of these keys (a scroll view's own keys would hide some).
        listed = {binding.id for _, binding in app.screen_keys(screen)}
        moves_ids = {"down", "up", "page_down", "page_up", "top", "end"}
        assert {f"detail.{name}" for name in moves_ids} <= listed


async def test_new_messages_are_followed_at_the_end_and_not_while_reading_above(
    demo: str,
) -> None:
    number = long_ticket(demo)
    tom = Gate(connect(demo), "tom", clock=lambda: DEMO_NOW)
    saw = Handled()
    app = make_app(demo, "ada", refresh_seconds=FAST)
    async with app.run_test(size=SMALL, message_hook=saw.hook) as pilot:
        screen = await open_ticket(pilot, number)
        view = screen.conversation

        async def tom_writes(text: str) -> int:
            seen = saw.expect(OthersChanged, lambda m: number in m.changes.tickets)
            await asyncio.to_thread(tom.messages.note, number, text)
            await handled(seen, pilot)
            await settle(pilot)
            assert screen.detail is not None and screen.detail.messages[-1].body == text
            return screen.detail.messages[-1].id

        # At the end, another agent's message scrolls into view.
        arrived = await tom_writes("The parcel is back at the depot.")
        assert view.scroll_y == view.max_scroll_y and shown(screen, arrived)

        # So does one's own reply.
        await press(pilot, "r", *"We will send it again today.", "ctrl+s")
        assert screen.detail is not None
        own = screen.detail.messages[-1]
        assert own.body == "We will send it again today."
        assert view.scroll_y == view.max_scroll_y and shown(screen, own.id)

        # Scrolled up to read, the view stays where the agent is reading.
        await press(pilot, "g", "j")
        arrived = await tom_writes("Customer called: she will be home after 5.")
        assert view.scroll_y == 1 and not shown(screen, arrived)

        # Back at the end (G), it follows again.
        await press(pilot, "G")
        arrived = await tom_writes("Courier booked for tomorrow.")
        assert view.scroll_y == view.max_scroll_y and shown(screen, arrived)


async def test_at_80x24_ctrl_t_switches_between_the_text_and_the_conversation(demo: str) -> None:
    number = long_ticket(demo, replies=20)
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_ticket(pilot, number)
        view, composer = screen.conversation, screen.composer
        await press(pilot, "r", *"Hello Jan,")
        # Writing: the text takes the screen, and the footer names the key to read instead.
        assert composer.region.width > 60 and view.region.area == 0
        footer = {binding.description for _, binding in app.screen_keys(screen)}
        assert {"Conversation/text", "Quote customer", "Send"} <= footer
        await press(pilot, "ctrl+t")
        # Reading: the conversation is back, and j/k/g/G scroll it; the text is kept.
        assert view.region.width > 60 and composer.region.area == 0
        await press(pilot, "g", "j")
        assert view.scroll_y == 1
        await press(pilot, "ctrl+t", *" thank you.")
        assert composer.region.width > 60 and view.region.area == 0
        assert composer.text == "Hello Jan, thank you."
        await press(pilot, "ctrl+s")
    bodies = [m.body for m in Gate(connect(demo), "ada").tickets.get_ticket(number).messages]
    assert bodies[-1] == "Hello Jan, thank you."


async def test_at_120_columns_the_conversation_and_the_text_stand_side_by_side(
    demo: str,
) -> None:
    number = long_ticket(demo, replies=20)
    app = make_app(demo, "ada")
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_ticket(pilot, number)
        view, composer = screen.conversation, screen.composer
        await press(pilot, "r")
        assert view.region.width >= 50 and composer.region.width >= 50
        assert view.region.y == composer.region.y and view.region.right <= composer.region.x
        # ctrl+t moves the focus to the conversation, where j/k/g/G scroll; and back.
        await press(pilot, "ctrl+t", "g", "j")
        assert view.scroll_y == 1 and composer.region.width >= 50
        await press(pilot, "ctrl+t", *"Hi")
        assert composer.text == "Hi"


async def test_the_customers_last_message_is_quoted_as_text(demo: str) -> None:
    """Ticket #1 carries markup and escape codes: the quote holds them as visible text."""
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_ticket(pilot, 1)
        assert screen.detail is not None
        customer = [m for m in screen.detail.messages if m.kind == "customer"][-1]
        assert "\x1b" in customer.body and "[/]" in customer.body
        await press(pilot, "r", *"Hello,", "enter", "ctrl+o")
        text = screen.composer.query_one(TextArea).text
        lines = text.splitlines()
        assert lines[0] == "Hello,"
        assert lines[1] == f"{customer.author_name} wrote:"
        assert lines[2].startswith("> See [link=file:///etc/passwd]my invoice[/link] ")
        assert "[/] done" in lines[2]
        assert not any(0x80 <= ord(c) <= 0x9F or (ord(c) < 0x20) for c in text.replace("\n", ""))


async def test_words_typed_ahead_of_the_key_that_opens_the_text_go_into_it(demo: str) -> None:
    """Over SSH `r` and the first words, or ctrl+t and the next ones, come in one read, and
    Textual sends each key on to the widget in front as it reads it: the words went to the
    conversation, were lost, and `a` assigned the ticket. They go into the text."""
    number = long_ticket(demo, replies=2)
    before = Gate(connect(demo), "ada").tickets.get_ticket(number).row
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_ticket(pilot, number)

        async def typed_ahead(*keys: str) -> None:
            driver = app._driver
            assert driver is not None
            for key in keys:  # queued at once, as the terminal driver queues one read
                name = "space" if key == " " else key
                event = events.Key(name, key if len(key) == 1 else None)
                event.set_sender(app)
                driver.send_message(event)
            await settle(pilot)

        await typed_ahead("r", *"a state case")
        assert app.screen is screen and screen.composer.text == "a state case"
        await typed_ahead("ctrl+t")
        assert app.focused is screen.conversation
        await typed_ahead("ctrl+t", *" as closed")
        assert app.screen is screen and screen.composer.text == "a state case as closed"
        assert app.focused is screen.composer.query_one(TextArea)
    assert Gate(connect(demo), "ada").tickets.get_ticket(number).row == before
