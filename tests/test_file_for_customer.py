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
        ["tickets.list", "tickets.view", "tickets.create", "tickets.reply"],
        holders=[agent],
    )
    b.role("Filer", ["tickets.create"], holders=[filer])
    gate = Gate(db, "agent")
    known = gate.create_ticket("Lost parcel", "Called in", requester="CUST@x.example")
    assert gate.get_ticket(known).row.requester == "cust"
    new = gate.create_ticket(
        "Broken kettle",
        "Walked in",
        requester="anna@shop.example",
        requester_name="Anna Nowak",
        priority="urgent",
    )
    row = gate.get_ticket(new).row
    assert (row.requester, row.priority) == ("anna", "urgent")
    assert Person.get(username="anna").display_name == "Anna Nowak"
    assert AuditEvent.select().where(AuditEvent.action == "person.add").count() == 1
    with pytest.raises(PermissionDenied):
        Gate(db, "filer").create_ticket("For a friend", "text", requester="cust")
