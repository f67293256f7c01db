"""A requester's own message in the app follows the rule mail follows: it reopens a pending or
resolved ticket (audited); a closed ticket stays closed and the message is refused."""

from __future__ import annotations

import pytest

from access import Gate, InvalidInput
from store.models import AuditEvent, Ticket
from tests import builders as b


@pytest.mark.parametrize("status", ["pending", "resolved"])
def test_the_requesters_message_reopens(db, status: str) -> None:  # type: ignore[no-untyped-def]
    w = b.world()
    Ticket.update(status=status).where(Ticket.number == w.t_s1).execute()
    Gate(db, "cust").reply(w.t_s1, "It is still broken")
    assert Ticket.get_by_id(w.t_s1).status == "open"
    event = AuditEvent.select().where(AuditEvent.action == "ticket.status").get()
    assert (event.ticket, event.before, event.after) == (w.t_s1, f'"{status}"', '"open"')


def test_a_closed_ticket_stays_closed(db) -> None:  # type: ignore[no-untyped-def]
    w = b.world()
    Ticket.update(status="closed").where(Ticket.number == w.t_s1).execute()
    with pytest.raises(InvalidInput, match="is closed; file a new ticket"):
        Gate(db, "cust").reply(w.t_s1, "Again")
    assert Ticket.get_by_id(w.t_s1).status == "closed"
