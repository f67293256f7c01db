"""Where a reply goes, said before it is sent and on the message afterwards (the gate's
`reply_route`, one rule with the outbox), and an agent's reply on a closed ticket: added to
that ticket, which stays closed, and said so in the app and on the command line."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Label

from access import Gate, NotFound, PermissionDenied
from access.views import ReplyRoute, TicketQuery, TicketRow
from screens.ticket_detail import TicketDetailScreen
from store.models import Ticket
from tests.backends import connect
from tests.tui_support import make_app, settle
from ticketty.main import main
from tui.ticket_text import message_text

SMALL = (80, 24)
SUPPORT = "support@shop.example"


@pytest.fixture
def demo(new_demo: Callable[..., str]) -> str:
    return new_demo(120)


def ticket_of(gate: Gate, source: str, status: str = "open") -> TicketRow:
    rows = gate.inbox.list_tickets(TicketQuery(statuses=(status,)), limit=500)
    return next(row for row in rows if row.source == source)


def test_the_gate_says_where_a_reply_goes_and_checks_who_asks(demo: str) -> None:
    ada = Gate(connect(demo), "ada")
    mailed = ticket_of(ada, SUPPORT)
    email = ada.tickets.get_ticket(mailed.number).requester_email
    assert email
    assert ada.tickets.reply_route(mailed.number) == ReplyRoute(email, SUPPORT, "")
    phone = ticket_of(ada, "Phone")
    assert ada.tickets.reply_route(phone.number).unsent == "Phone has no outgoing channel"
    assert ada.tickets.reply_route(ticket_of(ada, "Allegro PL").number).sender == ""
    # Without tickets.view_contact the requester is named, not addressed: sam supervises
    # Returns, which lets him reply there, and holds no view_contact.
    ada.changes.move(mailed.number, "Returns")
    sam = Gate(connect(demo), "sam")
    name = sam.tickets.get_ticket(mailed.number).requester_name
    assert sam.tickets.reply_route(mailed.number) == ReplyRoute(name, SUPPORT, "")
    with pytest.raises(PermissionDenied):
        Gate(connect(demo), "vic").tickets.reply_route(mailed.number)  # sees it, may not reply
    with pytest.raises(NotFound):
        Gate(connect(demo), "ali").tickets.reply_route(mailed.number)  # does not see it
    with pytest.raises(PermissionDenied):  # the requester writes, but is no agent replying
        Gate(connect(demo), mailed.requester).tickets.reply_route(mailed.number)


async def composer_route(pilot: Pilot[Any], number: int) -> tuple[TicketDetailScreen, str]:
    await settle(pilot)
    await pilot.app.push_screen(TicketDetailScreen(number))  # closed ones too, whatever filters
    await settle(pilot)
    await pilot.press("r")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, TicketDetailScreen)
    return screen, str(screen.composer.query_one(".compose-route", Label).render())


async def test_the_composer_names_the_recipient_and_a_reply_not_sent_says_so(demo: str) -> None:
    ada = Gate(connect(demo), "ada")
    mailed, phone = ticket_of(ada, SUPPORT), ticket_of(ada, "Phone")
    email = ada.tickets.get_ticket(mailed.number).requester_email
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        screen, route = await composer_route(pilot, mailed.number)
        assert route == f"to {email} by e-mail from {SUPPORT}"
        await pilot.press("escape", "escape")
        await settle(pilot)
        screen, route = await composer_route(pilot, phone.number)
        assert route == "recorded on the ticket, not sent: Phone has no outgoing channel"
        await pilot.press(*"Called back, all settled.", "ctrl+s")
        await settle(pilot)
        said = [n.message for n in app._notifications]
        assert f"recorded on #{phone.number}, not sent: Phone has no outgoing channel" in said
        assert screen.detail is not None
        reply = screen.detail.messages[-1]
        shown = str(screen.shown[reply.id][1].render())
        assert "[not sent: Phone has no outgoing channel]" in shown
        assert "not sent: Phone" in message_text(reply).plain


async def test_without_view_contact_the_composer_names_the_requester(demo: str) -> None:
    ada = Gate(connect(demo), "ada")
    mailed = ticket_of(ada, SUPPORT)
    ada.changes.move(mailed.number, "Returns")
    name = ada.tickets.get_ticket(mailed.number).requester_name
    async with make_app(demo, "sam").run_test(size=SMALL) as pilot:
        _, route = await composer_route(pilot, mailed.number)
    assert route == f"to {name} by e-mail from {SUPPORT}"


def test_the_command_line_shows_a_reply_not_sent(
    demo: str, capsys: pytest.CaptureFixture[str]
) -> None:
    phone = ticket_of(Gate(connect(demo), "ada"), "Phone").number
    base = ["--db", demo, "--user", "ada", "tickets"]
    assert main([*base, "reply", str(phone), "--body", "Called back."]) == 0
    said = capsys.readouterr()
    assert (said.out, said.err.strip()) == (
        "",
        f"recorded on #{phone}, not sent: Phone has no outgoing channel",
    )
    assert main([*base, "show", str(phone), "--json"]) == 0
    last = json.loads(capsys.readouterr().out)["messages"][-1]
    assert (last["delivery"], last["delivery_error"]) == (
        "unsent",
        "Phone has no outgoing channel",
    )


def closed_mail_ticket(demo: str) -> int:
    return ticket_of(Gate(connect(demo), "ada"), SUPPORT, status="closed").number


def tickets_count(demo: str) -> int:
    connect(demo)
    return Ticket.select().count()


async def test_an_agents_reply_on_a_closed_ticket_stays_on_it_and_says_so(demo: str) -> None:
    number = closed_mail_ticket(demo)
    before = tickets_count(demo)
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        _, route = await composer_route(pilot, number)
        assert route.endswith(f" · #{number} is closed and stays closed")
        await pilot.press(*"One more detail about your refund.", "ctrl+s")
        await settle(pilot)
        said = [n.message for n in app._notifications]
    assert f"#{number} stays closed" in said
    assert not any("follow-up" in text for text in said)
    detail = Gate(connect(demo), "ada").tickets.get_ticket(number)
    assert detail.row.status == "closed" and detail.links.follow_ups == ()
    assert detail.messages[-1].body == "One more detail about your refund."
    assert detail.messages[-1].delivery == "queued"  # a mail source: it goes out
    assert tickets_count(demo) == before


def test_an_agents_reply_on_a_closed_ticket_on_the_command_line(
    demo: str, capsys: pytest.CaptureFixture[str]
) -> None:
    number = closed_mail_ticket(demo)
    before = tickets_count(demo)
    base = ["--db", demo, "--user", "ada", "tickets"]
    assert main([*base, "reply", str(number), "--body", "Refund sent today."]) == 0
    said = capsys.readouterr()
    assert (said.out, said.err.strip()) == ("", f"#{number} stays closed")
    detail = Gate(connect(demo), "ada").tickets.get_ticket(number)
    assert detail.row.status == "closed" and detail.links.follow_ups == ()
    assert detail.messages[-1].body == "Refund sent today."
    assert tickets_count(demo) == before


async def test_the_composer_names_the_copies_beside_the_requester(demo: str) -> None:
    ada = Gate(connect(demo), "ada")
    mailed = ticket_of(ada, SUPPORT)
    email = ada.tickets.get_ticket(mailed.number).requester_email
    ada.copies.change_copies(mailed.number, add=["anna@customer.example", "bo@customer.example"])
    route = ada.tickets.reply_route(mailed.number)
    assert route.copies == ("anna@customer.example", "bo@customer.example")
    async with make_app(demo, "ada").run_test(size=(120, 30)) as pilot:
        _, said = await composer_route(pilot, mailed.number)
    assert said == (
        f"to {email}, cc anna@customer.example, bo@customer.example by e-mail from {SUPPORT}"
    )
    # sam replies in Returns without tickets.view_contact: the copies are counted, not named.
    ada.changes.move(mailed.number, "Returns")
    name = ada.tickets.get_ticket(mailed.number).requester_name
    hidden = Gate(connect(demo), "sam").tickets.reply_route(mailed.number)
    assert (hidden.copies, hidden.copied) == ((), 2)
    async with make_app(demo, "sam").run_test(size=SMALL) as pilot:
        _, said = await composer_route(pilot, mailed.number)
    assert said == f"to {name} and 2 copied addresses by e-mail from {SUPPORT}"
