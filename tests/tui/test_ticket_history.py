"""A ticket's audit trail through the gate: `audit.view` and sight of the ticket; a note's text
only for those who may read its notes."""

from __future__ import annotations

import peewee
import pytest

from access import Gate, NotFound, PermissionDenied
from tests import builders as b


def test_ticket_history_is_scoped(db: peewee.Database) -> None:
    w = b.world()
    auditor = b.person("auditor")
    reader = b.person("reader")
    agent = b.person("agent")
    b.role("Agent", ["tickets.list", "tickets.note", "tickets.view_notes"], holders=[agent])
    b.role("Auditor S1", ["tickets.list", "audit.view"], sources=[w.s1], holders=[auditor])
    b.role("Reader", ["tickets.list", "tickets.view_notes", "audit.view"], holders=[reader])
    Gate(db, "agent").messages.note(w.t_s1, "the customer is a reseller")
    Gate(db, "agent").messages.note(w.t_s2, "elsewhere")
    seen = Gate(db, "auditor").tickets.ticket_history(w.t_s1)
    assert [e.action for e in seen] == ["ticket.note"] and "reseller" not in seen[0].after
    assert "reseller" in Gate(db, "reader").tickets.ticket_history(w.t_s1)[0].after
    with pytest.raises(NotFound):
        Gate(db, "auditor").tickets.ticket_history(w.t_s2)
    with pytest.raises(PermissionDenied):
        Gate(db, "agent").tickets.ticket_history(w.t_s1)
