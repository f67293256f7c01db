"""Property: the due times a change keeps are those of a recompute from the ticket's whole
history. The write path reads only what a clock can see (`access.due_times`: no notes, the
audit log's values parsed once); here, after random changes to a ticket of the demo with its
service levels (three policies, two office calendars), the test reads everything the ticket
went through on its own (every message, notes too, every change of status, priority and
group), measures it from scratch and compares with what the ticket stores: its due times, and
after each change the verdicts of exactly the clocks that change ended."""

from __future__ import annotations

import json
from typing import Any

import peewee
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from access import AccessError, Gate
from access.due_times import Dues, dues_of, read_policies
from access.sla_clock import Event, History, clock, ending
from access.sla_rules import Attributes
from store.models import AuditEvent, Message, Ticket, Usergroup, utcnow
from store.sla_models import SlaVerdict

# The changes drawn: who makes them, and what; the messages that start and meet clocks
# (a reply, the customer's answer) twice as often as the rest.
REPLIES = [("ada", "reply", "We are on it."), ("mia", "reply", "Any news?")]
CHANGES = st.sampled_from(
    [
        *REPLIES,
        ("ada", "status", "open"),
        ("ada", "status", "pending"),
        ("ada", "status", "resolved"),
        ("ada", "status", "closed"),
        ("ada", "priority", "low"),
        ("ada", "priority", "high"),
        ("ada", "priority", "urgent"),
        ("ada", "move", "Returns"),
        ("ada", "move", "Accounting"),
        ("ada", "move", None),
        ("ada", "tag", "vip"),
        ("ada", "reply", "We are on it."),
        ("ada", "note", "Asked the courier."),
        ("mia", "reply", "Any news?"),
    ]
)
_ACTIONS = {"ticket.status": "status", "ticket.priority": "priority", "ticket.move": "usergroup"}


def change(gates: dict[str, Gate], number: int, who: str, kind: str, value: Any) -> None:
    gate = gates[who]
    try:
        if kind == "reply":
            gate.messages.reply(number, value)
        elif kind == "note":
            gate.messages.note(number, value)
        else:
            gate.changes.apply_bulk(kind, [number], value)
    except AccessError:
        pass  # refused or already so: nothing written, the ticket must still agree


def whole_history(number: int) -> History:
    """Everything the ticket went through, read on its own."""
    ticket = Ticket.get_by_id(number)
    groups = {g.name: g.id for g in Usergroup.select()}
    happened: list[tuple[Any, int, str, Any, Any]] = [
        (m.created_at, m.id, m.kind, None, None)
        for m in Message.select().where(Message.ticket == number)
    ]
    for e in AuditEvent.select().where(
        (AuditEvent.ticket == number) & AuditEvent.action.in_(list(_ACTIONS))
    ):
        before, after = (json.loads(v) if v else None for v in (e.before, e.after))
        if _ACTIONS[e.action] == "usergroup":
            before, after = (None if v is None else groups[v] for v in (before, after))
        happened.append((e.at, e.id, _ACTIONS[e.action], before, after))
    happened.sort(key=lambda h: (h[0], h[1]))
    first = {}
    for _at, _id, kind, before, _after in reversed(happened):
        first[kind] = before
    return History(
        created_at=ticket.created_at,
        status=first.get("status", ticket.status),
        attributes=Attributes(
            first.get("priority", ticket.priority),
            ticket.source_id,
            first.get("usergroup", ticket.usergroup_id),
        ),
        events=tuple(Event(at, kind, after) for at, _id, kind, _before, after in happened),
    )


def from_scratch(gate: Gate, number: int) -> tuple[Dues, set[tuple[str, Any]]]:
    """The ticket's due times measured from everything it went through, and the clocks that
    have ended with a policy to judge them (metric, when)."""
    history = whole_history(number)
    policies = read_policies(gate.changes._open())
    measured = clock(history, policies.policies, utcnow())
    ended = {
        (t.metric, t.ended)
        for t in measured.targets()
        if t is not None and t.ended is not None and ending(history, t, policies.policies)
    }
    return dues_of(measured, policies), ended


def judged(number: int) -> set[tuple[str, Any]]:
    return {(v.metric, v.ended_at) for v in SlaVerdict.select().where(SlaVerdict.ticket == number)}


def stored(number: int) -> Dues:
    ticket = Ticket.get_by_id(number)
    return Dues(
        ticket.sla_policy,
        ticket.first_response_due,
        ticket.next_response_due,
        ticket.resolution_due,
    )


def test_kept_due_times_are_those_of_the_whole_history(sla_demo: peewee.Database) -> None:
    gates = {name: Gate(sla_demo, name) for name in ("ada", "mia")}
    demo_tickets = [
        t.number for t in Ticket.select(Ticket.number).order_by(Ticket.number).limit(30)
    ]

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        new=st.booleans(),
        demo_ticket=st.sampled_from(demo_tickets),
        changes=st.lists(CHANGES, min_size=1, max_size=10),
    )
    @example(new=False, demo_ticket=3, changes=[("mia", "reply", "Any news?")])
    @example(
        new=True, demo_ticket=demo_tickets[0], changes=[*REPLIES, ("ada", "status", "pending")]
    )
    def check(new: bool, demo_ticket: int, changes: list[tuple[str, str, Any]]) -> None:
        number = demo_ticket
        if new:
            number = gates["mia"].filing.create_ticket("Parcel lost", "Where is it?")
        for who, kind, value in changes:
            before, given = utcnow(), judged(number)
            change(gates, number, who, kind, value)
            _dues, ended = from_scratch(gates["ada"], number)
            # The clocks this change ended got their verdicts; none other did.
            assert judged(number) - given == {(m, at) for m, at in ended if at >= before} - given
        kept = stored(number)
        assert kept == from_scratch(gates["ada"], number)[0]
        assert Ticket.get_by_id(number).due_at == kept.due_at

    check()
