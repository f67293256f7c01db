"""Assignment stays within reach: a ticket is assigned (or taken) only by and to someone who
may work on it, the demo data obeys the same rule, whoever a ticket is assigned to may hand it
back, and a ticket seen only because it is assigned says so in the inbox (`A`) and on its
screen. On the gate (one ticket and several), the command line and the app."""

from __future__ import annotations

import peewee
import pytest

from access import Gate, NotFound, PermissionDenied, scope
from access.catalogue import TICKETS_REPLY
from access.grants import read_grants
from access.views import TicketQuery
from screens.ticket_detail import TicketDetailScreen
from store.models import Person, Source, Ticket
from tests import builders as b
from tests.backends import connect
from tests.tui_support import make_app, settle
from ticketty.main import main
from tui.ticket_list import TicketList, _flags


def other_source_ticket() -> int:
    """A ticket of another source than Allegro PL, in no one's hands, not archived."""
    allegro = Source.get(Source.name == "Allegro PL").id
    return (
        Ticket.select(Ticket.number)
        .join(Source)
        .where((Ticket.source != allegro) & (Source.archived == False))  # noqa: E712
        .order_by(Ticket.number)
        .first()
        .number
    )


def assign_behind_the_gate(number: int, username: str) -> None:
    """A ticket assigned before a role narrowed (or by an older Ticketty): the state to undo."""
    person = Person.get(Person.username == username).id
    Ticket.update(assignee=person).where(Ticket.number == number).execute()


def test_nobody_is_given_a_ticket_they_cannot_work_on(demo_db: peewee.Database) -> None:
    number = other_source_ticket()
    ada = Gate(demo_db, "ada")
    before = b.snapshot(demo_db)
    with pytest.raises(NotFound, match=f"nobody named 'ali' can work on ticket #{number}"):
        ada.changes.assign(number, "ali")
    planned = ada.changes.plan_bulk("assign", [number], "ali")
    assert planned.changed == () and "outside what ali may work on" in dict(planned.skipped)
    ada.changes.apply_bulk("assign", [number], "ali")
    assert Ticket.get_by_id(number).assignee_id != Gate(demo_db, "ali").person_id
    assert b.snapshot(demo_db)["ticket"] == before["ticket"]


def test_nor_may_one_take_or_self_assign_what_one_cannot_work_on(db: peewee.Database) -> None:
    w = b.world()
    dispatcher = b.person("disp")
    b.role("Dispatcher", ["tickets.list", "tickets.view", "tickets.assign", "tickets.take"],
           holders=[dispatcher])  # fmt: skip
    gate = Gate(db, "disp")
    with pytest.raises(NotFound, match="nobody named 'disp' can work on"):
        gate.changes.assign(w.t_s1, "disp")
    with pytest.raises(PermissionDenied, match=r"lacks tickets\.reply"):
        gate.changes.take(w.t_s1)
    for kind, value in (("take", None), ("assign", "disp")):
        outcome = gate.changes.apply_bulk(kind, [w.t_s1], value)
        assert outcome.changed == ()
    assert Ticket.get_by_id(w.t_s1).assignee_id is None


def test_the_demo_gives_nobody_a_ticket_they_cannot_work_on(demo_db: peewee.Database) -> None:
    live = Source.select(Source.id).where(Source.archived == False)  # noqa: E712
    for person in Person.select().where(Person.id.in_(Ticket.select(Ticket.assignee))):
        grants = read_grants(Person.id == person.id)
        assert grants is not None
        unworkable = Ticket.select().where(
            (Ticket.assignee == person.id)
            & Ticket.source.in_(live)
            & ~peewee.fn.COALESCE(scope.may(grants, TICKETS_REPLY), False)
        )
        assert unworkable.count() == 0, person.username
    ali = Gate(demo_db, "ali")
    mine = ali.inbox.list_tickets(TicketQuery(mine=True), limit=1000)
    assert mine and {row.source for row in mine} == {"Allegro PL"}


def test_the_assignee_hands_back_what_they_cannot_work_on(
    demo_db: peewee.Database, db_location: str, capsys
) -> None:
    first, second, third = (
        Ticket.select(Ticket.number)
        .where(Ticket.source != Source.get(Source.name == "Allegro PL").id)
        .join(Source)
        .where(Source.archived == False)  # noqa: E712
        .order_by(Ticket.number)
        .limit(3)
    )
    for ticket in (first, second, third):
        assign_behind_the_gate(ticket.number, "ali")
    ali = Gate(demo_db, "ali")
    ali.changes.assign(first.number, None)
    assert ali.changes.apply_bulk("assign", [second.number], None).changed == (second.number,)
    assert main(["--db", db_location, "--user", "ali", "tickets", "assign",
                 str(third.number), "-"]) == 0, capsys.readouterr()  # fmt: skip
    for ticket in (first, second, third):
        assert Ticket.get_by_id(ticket.number).assignee_id is None
    # Handing back is no right to assign: not to someone else, nor another's ticket.
    assign_behind_the_gate(first.number, "ali")
    with pytest.raises(PermissionDenied):
        ali.changes.assign(first.number, "ola")
    assign_behind_the_gate(second.number, "ola")
    with pytest.raises(NotFound):  # out of his sight again
        ali.changes.assign(second.number, None)
    assert ali.assignees.assignable_people([first.number]) == []


def test_a_ticket_seen_only_as_assignee_is_marked(demo_db: peewee.Database) -> None:
    number = other_source_ticket()
    assign_behind_the_gate(number, "ali")
    rows = {r.number: r for r in Gate(demo_db, "ali").inbox.list_tickets(limit=1000)}
    assert rows[number].as_assignee and _flags(rows[number]) == " A"
    assert not any(r.as_assignee for n, r in rows.items() if n != number)
    assign_behind_the_gate(number, "ola")
    ola = {r.number: r for r in Gate(demo_db, "ola").inbox.list_tickets(limit=1000)}
    assert not ola[number].as_assignee  # her role reaches it anyway


async def test_the_app_marks_it_and_hands_it_back(new_demo) -> None:
    location = new_demo()
    connect(location)
    number = other_source_ticket()
    assign_behind_the_gate(number, "ali")
    app = make_app(location, "ali")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tickets = app.screen.query_one(TicketList)
        rows = tickets._page_for(0) or []
        tickets.cursor = next(i for i, row in enumerate(rows) if row.number == number)
        assert "A" in tickets.render_line(tickets.cursor + 1).text
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, TicketDetailScreen)
        header = " ".join(str(w.render()) for w in detail.query("Static"))
        assert "Seen as its assignee only; your roles do not reach it" in header
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("enter")  # the picker's only choice: (nobody)
        await settle(pilot)
    assert Ticket.get_by_id(number).assignee_id is None
