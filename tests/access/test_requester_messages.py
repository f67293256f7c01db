"""A requester's own message in the app follows the rule mail follows: it reopens a pending or
resolved ticket (audited); a closed ticket stays closed and the message starts a linked
follow-up, whose link shows only to people who may see the linked ticket."""

from __future__ import annotations

import json

import peewee
import pytest

from access import Gate
from access.demo import DEMO_NOW
from screens.ticket_detail import TicketDetailScreen
from store.models import AuditEvent, GroupMember, Message, Ticket
from tests import builders as b
from tests.backends import connect
from tests.tui_support import settle
from ticketty.launch import build_app
from ticketty.main import main


@pytest.mark.parametrize("status", ["pending", "resolved"])
def test_the_requesters_message_reopens(db: peewee.Database, status: str) -> None:
    w = b.world()
    Ticket.update(status=status).where(Ticket.number == w.t_s1).execute()
    Gate(db, "cust").messages.reply(w.t_s1, "It is still broken")
    assert Ticket.get_by_id(w.t_s1).status == "open"
    event = AuditEvent.select().where(AuditEvent.action == "ticket.status").get()
    assert (event.ticket, event.before, event.after) == (w.t_s1, f'"{status}"', '"open"')


def close(number: int) -> None:
    Ticket.update(status="closed", priority="urgent").where(Ticket.number == number).execute()


def test_a_message_on_a_closed_ticket_starts_a_linked_follow_up(db: peewee.Database) -> None:
    w = b.world()
    close(w.t_g1)
    closed = Ticket.get_by_id(w.t_g1)
    gate = Gate(db, "cust")
    gate.messages.reply(w.t_g1, "It broke again")
    assert Ticket.get_by_id(w.t_g1).__data__ == closed.__data__
    follow_up = Ticket.select().order_by(Ticket.number.desc()).get()
    assert follow_up.number != w.t_g1
    assert (follow_up.subject, follow_up.status) == ("Follow-up: A ticket", "new")
    assert (follow_up.requester_id, follow_up.source_id) == (w.customer, w.s1)
    assert (follow_up.usergroup_id, follow_up.priority) == (w.g1, "urgent")
    bodies = [m.body for m in Message.select().where(Message.ticket == follow_up.number)]
    assert bodies == ["It broke again"]
    link = AuditEvent.get(AuditEvent.action == "ticket.follow_up")
    assert (link.target_id, link.ticket) == (w.t_g1, follow_up.number)
    assert (link.before, link.after) == (str(w.t_g1), str(follow_up.number))
    assert gate.tickets.get_ticket(follow_up.number).links.follow_up_of == w.t_g1
    assert gate.tickets.get_ticket(w.t_g1).links.follow_ups == (follow_up.number,)


def test_a_linked_number_shows_only_to_who_may_see_that_ticket(db: peewee.Database) -> None:
    w = b.world()
    agent = b.person("agent")
    GroupMember.create(usergroup=w.g1, person=agent)
    b.role("Agents", ["tickets.list", "tickets.view"], scope="usergroups", holders=[agent])
    close(w.t_g1)
    Gate(db, "cust").messages.reply(w.t_g1, "It broke again")
    follow_up = Ticket.select().order_by(Ticket.number.desc()).get().number
    assert Gate(db, "agent").tickets.get_ticket(w.t_g1).links.follow_ups == (follow_up,)
    Ticket.update(usergroup=w.g2).where(Ticket.number == follow_up).execute()
    assert Gate(db, "agent").tickets.get_ticket(w.t_g1).links.follow_ups == ()
    assert Gate(db, "cust").tickets.get_ticket(w.t_g1).links.follow_ups == (follow_up,)
    Ticket.update(usergroup=w.g2).where(Ticket.number == w.t_g1).execute()
    Ticket.update(usergroup=w.g1).where(Ticket.number == follow_up).execute()
    assert Gate(db, "agent").tickets.get_ticket(follow_up).links.follow_up_of is None
    assert Gate(db, "cust").tickets.get_ticket(follow_up).links.follow_up_of == w.t_g1


def test_the_command_line_writes_the_follow_up_and_shows_the_link_both_ways(
    db: peewee.Database, db_location: str, capsys: pytest.CaptureFixture[str]
) -> None:
    w = b.world()
    close(w.t_s1)
    db.close()

    def cli(*args: str) -> str:
        assert main(["--db", db_location, "--user", "cust", "tickets", *args]) == 0
        return capsys.readouterr().out

    cli("reply", str(w.t_s1), "--body", "Same fault again")
    old = json.loads(cli("show", str(w.t_s1), "--json"))
    (follow_up,) = old["follow_ups"]
    new = json.loads(cli("show", str(follow_up), "--json"))
    assert (old["status"], old["follow_up_of"]) == ("closed", None)
    assert (new["follow_up_of"], new["follow_ups"]) == (w.t_s1, [])
    assert [m["body"] for m in new["messages"]] == ["Same fault again"]
    assert f"Followed up in   #{follow_up}" in cli("show", str(w.t_s1))
    assert f"Follow-up of     #{w.t_s1}" in cli("show", str(follow_up))


async def test_the_requester_writes_on_their_closed_ticket_in_the_app(
    db: peewee.Database, db_location: str
) -> None:
    w = b.world()
    close(w.t_s1)
    db.close()
    app = build_app(Gate(connect(db_location), "cust", clock=lambda: DEMO_NOW))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(TicketDetailScreen(w.t_s1))
        await settle(pilot)
        await pilot.press("r", *"It broke again", "ctrl+s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketDetailScreen) and screen.detail is not None
        (follow_up,) = screen.detail.links.follow_ups
        assert f"Followed up in #{follow_up}" in str(screen.query_one("#fields").render())
        said = [n.message for n in app._notifications]
        assert f"sent as #{follow_up}, a follow-up of the closed #{w.t_s1}" in said
        assert [m.body for m in screen.detail.messages] == ["Please help"]
        await app.push_screen(TicketDetailScreen(follow_up))
        await settle(pilot)
        fields = str(app.screen.query_one("#fields").render())
        assert f"Follow-up of #{w.t_s1}" in fields
