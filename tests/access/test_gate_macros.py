"""Macros at the gate: steps checked when saved; each step applied as the person applying the
macro could apply it alone (a step they may not take is skipped, with why, and audited as
refused); a chunk of tickets per transaction with an event per ticket naming the macro
(`test_macro_chunks`); the preview says what the application then does."""

from __future__ import annotations

import json

import peewee
import pytest

from access import Gate, InvalidInput, NotFound
from store.models import AuditEvent, Message, Source, Ticket, Usergroup
from tests import builders
from tui.audit_text import sentence

STEPS = ["reply:Refund approved", "status:pending", "assignee:tom", "usergroup:Accounting"]


def open_tickets(count: int, *condition: peewee.Expression) -> list[int]:
    query = Ticket.select(Ticket.number).where(
        Ticket.status.in_(["new", "open"]),
        Ticket.private == False,  # noqa: E712
        *condition,
    )
    return [t.number for t in query.order_by(Ticket.number).limit(count)]


def test_steps_are_checked_when_saved(demo_db: peewee.Database) -> None:
    ada = Gate(demo_db, "ada")
    for steps, said in (
        (["colour:red"], "unknown step 'colour'"),
        (["reply:No such answer"], "no canned reply named 'No such answer'"),
        (["status:done"], "unknown status 'done'"),
        (["note:Checked by {{agent.nmae}}"], "unknown variable {{agent.nmae}}"),
        (["status resolved"], "a step is kind:value"),
        ([], "at least one step"),
    ):
        with pytest.raises((InvalidInput, NotFound)) as refused:
            ada.macros.add_macro("Bad", steps)
        assert said in str(refused.value) and "\n" not in str(refused.value)
    assert "Bad" not in {m.name for m in ada.macros.list_macros()}
    view = ada.macros.add_macro("Escalate", ["priority:urgent", "note:Escalated by {{agent.name}}"])
    assert view.steps == ("priority:urgent", "note:Escalated by {{agent.name}}")


def test_a_step_the_user_may_not_take_is_skipped(demo_db: peewee.Database) -> None:
    rex = builders.person("rex")
    builders.role(
        "Replies and status",
        {"tickets.list", "tickets.view", "tickets.reply", "tickets.change_status"},
        holders=[rex],
    )
    ada, gate = Gate(demo_db, "ada"), Gate(demo_db, "rex")
    ada.macros.add_macro("Refund and hand over", STEPS)
    numbers = open_tickets(2, Ticket.assignee != rex)
    before = {n: (t.assignee_id, t.usergroup_id) for n in numbers for t in [Ticket.get_by_id(n)]}
    outcome = gate.macros.apply_macro("Refund and hand over", numbers)
    reply, status, assign, move = outcome.steps
    assert reply.changed == status.changed == tuple(numbers)
    assert assign.changed == move.changed == ()
    assert dict(assign.skipped) == {"not in your scope to assign": tuple(numbers)}
    # A usergroup rex cannot see is one he cannot move to: as if there were none.
    assert dict(move.skipped) == {"no usergroup named 'Accounting'": tuple(numbers)}
    for number in numbers:
        ticket = Ticket.get_by_id(number)
        assert ticket.status == "pending"
        assert (ticket.assignee_id, ticket.usergroup_id) == before[number]
        last = Message.select().where(Message.ticket == number).order_by(Message.id.desc()).get()
        assert last.kind == "reply" and last.body.startswith("Hello ")
    events = {
        e.action
        for e in AuditEvent.select().where(
            AuditEvent.ticket.in_(numbers) | AuditEvent.target_id.in_(numbers)
        )
    }
    assert {"denied.ticket.assign", "macro.apply"} <= events


def test_the_audit_names_the_macro(demo_db: peewee.Database) -> None:
    tom = Gate(demo_db, "tom")
    (number,) = open_tickets(1)
    tom.macros.apply_macro("Refund done", [number])
    applied = AuditEvent.get((AuditEvent.action == "macro.apply") & (AuditEvent.ticket == number))
    assert json.loads(applied.after) == {
        "macro": "Refund done",
        "done": ["reply Refund approved", "status resolved", "priority low"],
        "skipped": {},
    }
    same_transaction = (
        AuditEvent.select()
        .where((AuditEvent.ticket == number) & (AuditEvent.id < applied.id))
        .order_by(AuditEvent.id.desc())
        .limit(3)
    )
    assert [e.action for e in same_transaction] == [
        "ticket.priority",
        "ticket.status",
        "ticket.reply",
    ]


def test_the_preview_says_what_applying_does(demo_db: peewee.Database) -> None:
    """ali works on Allegro only: on the other tickets every step is skipped, on his the
    canned reply not offered in Allegro is skipped, a ticket already pending skips the status."""
    ada, ali = Gate(demo_db, "ada"), Gate(demo_db, "ali")
    allegro = Source.get(Source.name == "Allegro PL").id
    ada.macros.add_macro("Mixed", ["reply:Return label", "status:pending", "note:Seen"])
    returns = Usergroup.get(Usergroup.name == "Returns").id
    his = open_tickets(
        2, Ticket.source == allegro, Ticket.usergroup.is_null() | (Ticket.usergroup != returns)
    )
    other = open_tickets(1, Ticket.source != allegro)
    ada.changes.set_status(his[1], "pending")
    numbers = [*his, *other, 999_999]
    preview = ali.macros.plan_macro("Mixed", numbers)
    applied = ali.macros.apply_macro("Mixed", numbers)
    assert [s._replace(applied=False) for s in applied.steps] == list(preview.steps)
    by_ticket = preview.by_ticket()
    assert by_ticket[other[0]] == [
        ("reply Return label", "not found"),
        ("status pending", "not found"),
        ("note Seen", "not found"),
    ]
    assert by_ticket[his[1]][1] == ("status pending", "already pending")
    assert by_ticket[his[0]][0] == (
        "reply Return label",
        "canned reply Return label not offered there",
    )
    assert by_ticket[his[0]][2] == ("note Seen", None)


def test_the_history_names_the_macro(demo_db: peewee.Database) -> None:
    tom = Gate(demo_db, "tom")
    (number,) = open_tickets(1)
    tom.changes.set_priority(number, "low")
    tom.macros.apply_macro("Refund done", [number])
    said = [sentence(e) for e in Gate(demo_db, "ada").tickets.ticket_history(number)]
    assert said[-1] == (
        "tom applied macro Refund done: reply Refund approved, status resolved "
        "(skipped: priority low, already low priority)"
    )


def test_the_macros_offered_on_some_tickets(demo_db: peewee.Database) -> None:
    """Those offered on at least one of the tickets the person sees, by name."""
    ada = Gate(demo_db, "ada")
    ada.macros.add_macro("Allegro only", ["priority:low"], sources=["Allegro PL"])
    allegro = Source.get(Source.name == "Allegro PL").id
    (inside,) = open_tickets(1, Ticket.source == allegro)
    (outside,) = open_tickets(1, Ticket.source != allegro)
    everywhere = {m.name for m in ada.macros.list_macros() if not m.sources and not m.usergroups}
    there = {m.name for m in ada.macros.macros_for([outside])}
    assert everywhere <= there and "Allegro only" not in there
    both = [m.name for m in ada.macros.macros_for([outside, inside])]
    assert both == sorted(set(both)) and there | {"Allegro only"} <= set(both)
    # Another person's view: a ticket they do not see offers nothing of its own.
    ali = Gate(demo_db, "ali")
    assert [m.name for m in ali.macros.macros_for([outside])] == []
    assert "Allegro only" in {m.name for m in ali.macros.macros_for([inside])}
