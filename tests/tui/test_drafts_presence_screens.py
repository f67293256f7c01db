"""Drafts and presence as people meet them (Pilot, both backends): a draft typed in one
session is offered in the next, `q` asks before leaving drafts, sending or discarding deletes
them, nobody else sees them; two sessions see each other on a ticket, live, and a person who
cannot see the ticket learns nothing about it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from access import Gate
from access.views import INBOX_DEFAULT
from screens.ticket_detail import TicketDetailScreen
from tests.backends import connect
from tests.tui_support import make_app, press, settle
from tui.ticket_list import TicketList
from tui.widgets import SafeQuestion

FAST = 0.05  # the refresh interval of sessions that follow each other


@pytest.fixture
def demo(new_demo: Callable[..., str]) -> str:
    return new_demo()


def first_ticket(demo: str, user: str = "ali") -> int:
    """A ticket tom, ola and ali may all reply to (ali serves only Allegro PL)."""
    gate = Gate(connect(demo), user)
    rows = gate.inbox.list_tickets(INBOX_DEFAULT, limit=100)  # found by `/#N` in the inbox
    return next(r.number for r in rows if "tickets.reply" in gate.tickets.allowed_on(r.number))


def drafts_of(demo: str, user: str) -> dict[tuple[int, str], str]:
    """The person's drafts as stored, read on a connection closed at once: `until` asks this
    every 50 ms, and connections left for the test's end would fill the server's slots."""
    database = connect(demo)
    try:
        return {(d.ticket, d.kind): d.body for d in Gate(database, user).drafts.my_drafts()}
    finally:
        database.close()


async def until(pilot: Pilot[Any], condition: Callable[[], bool], what: str) -> None:
    """Wait (up to 30 s) for `condition`, letting the app run meanwhile; in vain, the app's
    state says what it was doing (what the composer holds, the notices shown, its workers)."""
    for _ in range(600):
        if condition():
            return
        await pilot.pause(0.05)
    app = pilot.app
    composer = getattr(app.screen, "composer", None)
    held = (composer.is_open, composer.text) if composer is not None else None
    raise AssertionError(
        f"waited in vain for {what}: screen {type(app.screen).__name__}, composer {held}, "
        f"notices {[n.message for n in app._notifications]}, "
        f"workers {[(w.name, w.state.name) for w in app.workers]}"
    )


async def open_ticket(pilot: Pilot[Any], number: int) -> TicketDetailScreen:
    await press(pilot, "slash", *f"#{number}", "enter")
    await press(pilot, "enter")
    screen = pilot.app.screen
    assert isinstance(screen, TicketDetailScreen) and screen.number == number
    return screen


def line(screen: TicketDetailScreen, widget_id: str) -> str:
    widget = screen.query_one(f"#{widget_id}")
    return str(widget.render()) if widget.display else ""


async def test_a_draft_typed_in_one_session_is_offered_in_the_next(demo: str) -> None:
    number = first_ticket(demo)
    async with make_app(demo, "tom").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_ticket(pilot, number)
        await press(pilot, "r", *"Your parcel left today")
        # Saved as typed: the row is there while the composer is still open.
        await until(
            pilot,
            lambda: drafts_of(demo, "tom").get((number, "reply")) == "Your parcel left today",
            "the draft saved",
        )
    # Nobody else reads it.
    async with make_app(demo, "ola").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_ticket(pilot, number)
        assert line(screen, "draft-notice") == ""
        await press(pilot, "r")
        assert screen.composer.is_open and screen.composer.text == ""
    async with make_app(demo, "tom").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_ticket(pilot, number)
        notice = line(screen, "draft-notice")
        assert "reply draft of " in notice and "kept, r to continue" in notice
        await press(pilot, "r")
        assert screen.composer.is_open and screen.composer.text == "Your parcel left today"


async def test_q_asks_before_leaving_drafts_and_no_is_the_default(demo: str) -> None:
    number = first_ticket(demo)
    app = make_app(demo, "tom")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("q")  # no draft: quits at once
        await settle(pilot)
    assert app.return_code is not None

    app = make_app(demo, "tom")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_ticket(pilot, number)
        await press(pilot, "N", *"courier called twice", "escape")
        await press(pilot, "escape", "q")
        question = pilot.app.screen
        assert isinstance(question, SafeQuestion)
        assert f"1 draft not sent (#{number} note)" in question.question
        await pilot.press("enter")  # the default: stay
        await settle(pilot)
        assert app.return_code is None and not isinstance(pilot.app.screen, SafeQuestion)
        await press(pilot, "q", "y")
    assert app.return_code == 0
    assert drafts_of(demo, "tom") == {(number, "note"): "courier called twice"}


async def test_sending_or_discarding_deletes_the_draft(demo: str) -> None:
    number = first_ticket(demo)
    async with make_app(demo, "tom").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_ticket(pilot, number)
        await press(pilot, "r", *"Sent at last", "escape")
        assert drafts_of(demo, "tom") == {(number, "reply"): "Sent at last"}
        assert "your reply is kept" in line(screen, "draft-notice")
        await press(pilot, "r", "ctrl+s")
        assert drafts_of(demo, "tom") == {}
        assert line(screen, "draft-notice") == ""

        await press(pilot, "N", *"never mind", "escape")
        assert drafts_of(demo, "tom") == {(number, "note"): "never mind"}
        await press(pilot, "D")
        assert isinstance(pilot.app.screen, SafeQuestion)
        await pilot.press("enter")  # No: the draft stays
        await settle(pilot)
        assert drafts_of(demo, "tom") == {(number, "note"): "never mind"}
        await press(pilot, "D", "y")
        assert drafts_of(demo, "tom") == {} and screen.drafts == {}
        # Emptying the text and closing the composer discards too.
        await press(pilot, "N", *"again", "escape")
        assert drafts_of(demo, "tom") == {(number, "note"): "again"}
        await press(pilot, "N", "end", *["backspace"] * 5, "escape")
        assert drafts_of(demo, "tom") == {}
    bodies = [m.body for m in Gate(connect(demo), "ada").tickets.get_ticket(number).messages]
    assert bodies[-1] == "Sent at last"


async def test_two_sessions_see_each_other_on_a_ticket_live(demo: str) -> None:
    hidden = next(
        r.number
        for r in Gate(connect(demo), "tom").inbox.list_tickets(INBOX_DEFAULT, limit=200)
        if r.number
        not in {x.number for x in Gate(connect(demo), "ali").inbox.list_tickets(limit=1000)}
    )
    tom_app, ola_app, ali_app = (make_app(demo, u, FAST) for u in ("tom", "ola", "ali"))
    async with (
        tom_app.run_test(size=(80, 24)) as tom,
        ola_app.run_test(size=(80, 24)) as ola,
        ali_app.run_test(size=(80, 24)) as ali,
    ):
        for pilot in (tom, ola, ali):
            await settle(pilot)
        ola_list = ola_app.screen.query_one(TicketList)
        ali_list = ali_app.screen.query_one(TicketList)
        tom_screen = await open_ticket(tom, hidden)
        await until(ola, lambda: ola_list.present.get(hidden) == "○", "ola's inbox marker")
        # ola opens it too: she reads that tom has it open; tom reads that she does.
        ola_screen = await open_ticket(ola, hidden)
        await until(ola, lambda: line(ola_screen, "presence") == "tom has it open", "ola's line")
        await until(tom, lambda: line(tom_screen, "presence") == "ola has it open", "tom's line")
        await tom.press("r", *"On its way")
        await until(
            ola, lambda: line(ola_screen, "presence") == "tom is writing a reply", "writing"
        )
        await tom.press("escape")
        await until(ola, lambda: line(ola_screen, "presence") == "tom has it open", "stopped")
        await tom.press("escape")  # tom leaves the ticket
        await until(ola, lambda: line(ola_screen, "presence") == "", "tom gone")
        # ali, who cannot see the ticket, never had a marker for it.
        await settle(ali)
        assert hidden not in ali_list.present
        assert ali_app.gate.presence.others_on(hidden) == []


async def test_a_marker_on_the_inbox_row_goes_when_the_ticket_is_left(demo: str) -> None:
    number = first_ticket(demo)
    tom_app, ola_app = make_app(demo, "tom", FAST), make_app(demo, "ola", FAST)
    async with tom_app.run_test(size=(120, 35)) as tom, ola_app.run_test(size=(120, 35)) as ola:
        await settle(tom)
        await settle(ola)
        ola_list = ola_app.screen.query_one(TicketList)
        await open_ticket(tom, number)
        await tom.press("r", *"x")
        await until(ola, lambda: ola_list.present.get(number) == "✎", "the writing marker")
        await tom.press("escape", "escape")
        await until(ola, lambda: number not in ola_list.present, "the marker gone")
