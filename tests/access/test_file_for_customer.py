"""Filing a ticket for a customer: agents only; a known requester by e-mail or username, an
unknown e-mail becomes a new requester; the ticket and the new person are audited."""

from __future__ import annotations

import peewee
import pytest

from access import Gate, PermissionDenied
from store.models import AuditEvent, Person
from tests import builders as b


def test_filing_for_a_customer(db: peewee.Database) -> None:
    b.world()
    agent = b.person("agent")
    filer = b.person("filer")
    b.role(
        "Agent",
        ["tickets.list", "tickets.view", "tickets.view_contact", "tickets.create", "tickets.reply"],
        holders=[agent],
    )
    b.role("Filer", ["tickets.create"], holders=[filer])
    gate = Gate(db, "agent")
    known = gate.filing.create_ticket("Lost parcel", "Called in", requester="CUST@x.example")
    assert gate.tickets.get_ticket(known).row.requester == "cust"
    new = gate.filing.create_ticket(
        "Broken kettle",
        "Walked in",
        requester="anna@shop.example",
        requester_name="Anna Nowak",
        priority="urgent",
    )
    row = gate.tickets.get_ticket(new).row
    assert (row.requester, row.priority) == ("anna", "urgent")
    assert Person.get(username="anna").display_name == "Anna Nowak"
    assert AuditEvent.select().where(AuditEvent.action == "person.add").count() == 1
    with pytest.raises(PermissionDenied):
        Gate(db, "filer").filing.create_ticket("For a friend", "text", requester="cust")


def test_naming_a_requester_by_e_mail_needs_view_contact_on_that_ticket(
    db: peewee.Database,
) -> None:
    """Filing by an address maps it to a person: without `tickets.view_contact` on the new
    ticket it is refused the same way whether the address is known, unknown or deactivated,
    and nothing is written; a username still works."""
    world = b.world()
    agent = b.person("agent")
    b.role(
        "Agent",
        ["tickets.list", "tickets.view", "tickets.create", "tickets.reply"],
        holders=[agent],
    )
    b.role("Contacts", ["tickets.view_contact"], sources=[world.s2], holders=[agent])
    Person.create(username="gone", display_name="Gone", email="gone@x.example", active=False)
    before = b.snapshot(db)
    gate = Gate(db, "agent")
    answers = []
    for address in ("cust@x.example", "nobody@x.example", "gone@x.example"):
        with pytest.raises(PermissionDenied) as refused:
            gate.filing.create_ticket(
                "Lost parcel", "Called in", requester=address, source="Allegro PL"
            )
        answers.append(str(refused.value))
    assert len(set(answers)) == 1 and "view_contact" in answers[0]
    assert b.snapshot(db) == before
    by_name = gate.filing.create_ticket(
        "Lost parcel", "Called in", requester="cust", source="Allegro PL"
    )
    assert gate.tickets.get_ticket(by_name).row.requester == "cust"
    covered = gate.filing.create_ticket(
        "Lost parcel", "Called in", requester="CUST@x.example", source="Amazon DE"
    )
    assert gate.tickets.get_ticket(covered).row.requester == "cust"
