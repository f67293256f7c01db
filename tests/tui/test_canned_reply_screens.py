"""Canned replies in the composer, at 80x24: `::` (or ctrl+g) opens the replies offered on the
ticket, typing filters them, enter puts the chosen one into the reply with its variables
filled, to edit before sending; a note offers none."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Label, TextArea

from access import Gate
from screens.ticket_detail import TicketDetailScreen
from store.models import Person, Source, Ticket
from tests.backends import connect
from tests.tui_support import make_app, open_ticket, press, press_as_a_terminal, settle
from tui.widgets import PickerModal


def open_ticket_of_tom(demo: str) -> Ticket:
    Gate(connect(demo), "tom")
    return (
        Ticket.select()
        .where(Ticket.status.in_(["new", "open"]) & (Ticket.private == False))  # noqa: E712
        .order_by(Ticket.number)
        .first()
    )


async def test_typing_two_colons_inserts_a_canned_reply_filled(demo_copy: str) -> None:
    ticket = open_ticket_of_tom(demo_copy)
    first_name = Person.get_by_id(ticket.requester_id).display_name.split()[0]
    app = make_app(demo_copy, "tom")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_ticket(pilot, ticket.number)
        assert isinstance(screen, TicketDetailScreen)
        composer = screen.composer
        await press(pilot, "r", *"Hi", "enter", ":", ":")
        assert isinstance(app.screen, PickerModal)
        await press(pilot, *"refund app", "enter")
        assert not isinstance(app.screen, PickerModal)
        text = composer.text
        assert text.startswith("Hi\nHello " + first_name + ",\n\nyour refund for #")
        assert f"#{ticket.number} is approved" in text and "Tom Schulz" in text
        assert "{{" not in text and "::" not in text
        # ctrl+g opens the list too; escape goes back to the text, unchanged.
        await press(pilot, "ctrl+g")
        assert isinstance(app.screen, PickerModal)
        await press(pilot, "escape")
        assert composer.text == text
        await press(pilot, "ctrl+s")
    bodies = [
        m.body for m in Gate(connect(demo_copy), "ada").tickets.get_ticket(ticket.number).messages
    ]
    assert bodies[-1] == text


@pytest.mark.parametrize(
    ("burst", "listed_by", "text_left"),
    [
        ([*"Hi ::refund app"], "refund app", "Hi "),
        (["see std::vector"], None, "see std::vector"),
    ],
)
async def test_keys_in_one_burst_after_two_colons_filter_the_list_pasted_colons_stay_text(
    demo_copy: str, burst: list[str], listed_by: str | None, text_left: str
) -> None:
    """Keys that reach the composer together (a fast typist, a slow link: each one an edit of
    its text before it handles any change) put the start of a name typed after `::` in the
    list's filter, not in the reply; `::` pasted inside a word (one edit) is the text's own."""
    ticket = open_ticket_of_tom(demo_copy)
    app = make_app(demo_copy, "tom")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_ticket(pilot, ticket.number)
        assert isinstance(screen, TicketDetailScreen)
        await press(pilot, "r")
        area = screen.composer.query_one(TextArea)
        for text in burst:
            area.insert(text)
        await settle(pilot)
        assert screen.composer.text == text_left
        if listed_by is None:
            assert not isinstance(app.screen, PickerModal)
            return
        assert isinstance(app.screen, PickerModal)
        assert app.screen.query_one(Input).value == listed_by
        await press(pilot, "enter")
        assert screen.composer.text.startswith(f"{text_left}\nHello ")
        assert f"#{ticket.number} is approved" in screen.composer.text


async def test_a_note_takes_two_colons_as_text(demo_copy: str) -> None:
    ticket = open_ticket_of_tom(demo_copy)
    app = make_app(demo_copy, "tom")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_ticket(pilot, ticket.number)
        assert isinstance(screen, TicketDetailScreen)
        await press(pilot, "N", *"a::b")
        assert not isinstance(app.screen, PickerModal) and screen.composer.text == "a::b"


@pytest.mark.parametrize(("key", "status"), [("alt+r", "resolved"), ("alt+p", "pending")])
async def test_a_reply_sent_as_resolved_or_pending_sets_the_status_with_it(
    demo_copy: str, key: str, status: str
) -> None:
    ticket = open_ticket_of_tom(demo_copy)
    app = make_app(demo_copy, "tom")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ticket(pilot, ticket.number)
        await pilot.press("r", *"Done.")
        await press_as_a_terminal(pilot, key)
        await settle(pilot)
    detail = Gate(connect(demo_copy), "ada").tickets.get_ticket(ticket.number)
    assert detail.messages[-1].body == "Done." and detail.row.status == status


async def test_the_composer_shows_the_signature_of_a_reply_not_of_a_note(demo_copy: str) -> None:
    tom = Gate(connect(demo_copy), "tom")
    mailed = Ticket.select().where(
        (Ticket.source == Source.get(Source.name == "support@shop.example").id)
        & (Ticket.private == False)  # noqa: E712
    )
    ticket = next(
        t for t in mailed.order_by(Ticket.number) if tom.signatures.signature_for(t.number)
    )
    signature = tom.signatures.signature_for(ticket.number)
    assert signature.startswith("-- \nShop Support")
    app = make_app(demo_copy, "tom")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_ticket(pilot, ticket.number)
        assert isinstance(screen, TicketDetailScreen)
        line = screen.composer.query_one(".compose-signature", Label)
        await press(pilot, "r")
        assert line.display
        assert str(line.render()) == f"Sent with your signature:\n{signature}"
        await press(pilot, "escape", "N")
        assert screen.composer.kind == "note" and not line.display
