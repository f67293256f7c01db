"""A macro's chunk writes its tickets' rows together (`access.ticket_writes`): each ticket must
end exactly as the same steps made on it alone leave it, when the steps apply to some tickets
and are skipped on others, and when a step moves a ticket out of what the next step's verdicts
may reach; the due times of a service-level policy measured from it all. Two copies of the
demo: on one the macro goes over all the tickets in small chunks; on the other its steps are
made on each ticket by itself as separate calls of the gate (`test_macro_property.one_by_one`),
each refused one left out. Both on one fixed clock."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from access import Gate, change_pipeline
from store.models import AuditEvent, Message, Ticket, Usergroup
from store.notification_models import Notification
from store.tag_models import Tag, TicketTag
from tests.access.conftest import with_standard_policy
from tests.access.test_macro_property import one_by_one
from tests.backends import connect

# A Monday morning after everything the demo holds: both copies change at the same moment.
NOW = datetime(2026, 11, 2, 10, 0)

# A role reaching the tickets of the person's usergroups, given to mia (in Accounting).
GROUP_ROLE = (
    "tickets.list",
    "tickets.view",
    "tickets.note",
    "tickets.tag",
    "tickets.change_group",
    "tickets.change_status",
    "macros.list",
)
MACROS = {
    # mia works in Accounting: the steps apply there, are refused or not found elsewhere.
    "mia": ["priority:high", "tag:checked", "status:pending", "note:Seen"],
    # Moved out of Accounting, a ticket leaves mia's reach: the steps after the move skip it.
    "mia moves": ["status:pending", "usergroup:none", "priority:urgent", "note:Moved"],
    # ali works on one source: elsewhere, not found.
    "ali": ["priority:urgent", "assignee:ali", "status:open", "untag:checked", "note:Done"],
    # Every step applies but where a ticket is already so.
    "ada": ["priority:urgent", "assignee:tom", "status:open", "tag:checked", "note:Done"],
}


def _written(number: int) -> tuple[Any, ...]:
    """All a macro writes on a ticket, ids left out: its row (version, time and due times
    included), tags,
    messages, audit events (but the macro's own) and notifications, in order."""
    ticket = Ticket.get_by_id(number)
    tags = sorted(t.name for t in Tag.select().join(TicketTag).where(TicketTag.ticket == number))
    messages = [
        (m.kind, m.author_id, m.body)
        for m in Message.select().where(Message.ticket == number).order_by(Message.id)
    ]
    about = (AuditEvent.ticket == number) | (
        (AuditEvent.target_kind == "ticket") & (AuditEvent.target_id == number)
    )
    events = [
        (e.action, e.actor_id, e.before, json.loads(e.after) if e.after[:1] == "{" else e.after)
        for e in AuditEvent.select().where(about).order_by(AuditEvent.id)
        if e.action != "macro.apply"
    ]
    told = [
        (n.person_id, n.event)
        for n in Notification.select()
        .where(Notification.ticket == number)
        .order_by(Notification.id)
    ]
    row = (
        ticket.status,
        ticket.priority,
        ticket.usergroup_id,
        ticket.assignee_id,
        ticket.version,
        ticket.updated_at,
        ticket.sla_policy,
        ticket.first_response_due,
        ticket.next_response_due,
        ticket.resolution_due,
        ticket.due_at,
    )
    return row, tags, messages, events, told


def _marked() -> list[int]:
    """Tickets of Accounting (two of them already pending and high) and of other groups."""
    returns = Usergroup.get(Usergroup.name == "Accounting").id
    inside = Ticket.select(Ticket.number).where(
        (Ticket.usergroup == returns) & (Ticket.status.in_(["new", "open"]))
    )
    outside = Ticket.select(Ticket.number).where(
        (Ticket.usergroup != returns) & (Ticket.status.in_(["new", "open"]))
    )
    ours = [t.number for t in inside.order_by(Ticket.number).limit(7)]
    theirs = [t.number for t in outside.order_by(Ticket.number).limit(4)]
    Ticket.update(status="pending", priority="high").where(Ticket.number.in_(ours[:2])).execute()
    return sorted(ours + theirs)


@pytest.mark.parametrize("macro", sorted(MACROS))
def test_a_macro_in_chunks_writes_each_ticket_as_it_would_alone(
    macro: str, new_demo: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(change_pipeline, "CHUNK", 4)
    together, alone = new_demo(), new_demo()
    person = macro.split()[0]
    made = {}
    for location in (together, alone):
        connect(location)
        numbers = _marked()
        ada = with_standard_policy(Gate(connect(location), "ada", clock=lambda: NOW))
        ada.macros.add_macro(macro, MACROS[macro])
        ada.roles.create_role("Group work", GROUP_ROLE, ticket_scope="usergroups")
        ada.roles.grant_role("mia", "Group work")
        made[location] = numbers
    assert made[together] == made[alone]
    numbers = made[together]

    connect(together)
    done = Gate(connect(together), person, clock=lambda: NOW).macros.apply_macro(macro, numbers)
    after_together = {n: _written(n) for n in numbers}
    connect(alone)
    hand = Gate(connect(alone), person, clock=lambda: NOW)
    for number in numbers:
        one_by_one(hand, MACROS[macro], number)
    after_alone = {n: _written(n) for n in numbers}

    for number in numbers:
        assert after_together[number] == after_alone[number], number
    # The case is the one named: steps applied on some tickets and skipped on others.
    assert any(step.changed and step.skipped for step in done.steps)
    applied = AuditEvent.select(AuditEvent.ticket).where(AuditEvent.action == "macro.apply")
    connect(together)
    changed = {n for step in done.steps for n in step.changed}
    assert sorted(e.ticket or 0 for e in applied) == sorted(changed)
