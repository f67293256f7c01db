"""Bulk changes through the gate: the dry run says what will change and why the rest is
skipped; the change skips only the refused, unchanged or conflicting tickets, and writes one
audit row per ticket in the transaction of its chunk."""

from __future__ import annotations

from dataclasses import dataclass

import peewee
import pytest

from access import Gate, InvalidInput, NotFound
from access.audit import verify_chain
from access.change_pipeline import CHUNK
from store.models import AuditEvent, Person, Ticket
from store.rows import tuple_rows
from tests import builders as b


@dataclass(frozen=True)
class Setup:
    g1_ticket: int
    g2_ticket: int
    closed: int
    others: list[int]


@pytest.fixture
def setup(db: peewee.Database) -> Setup:
    w = b.world()
    sup = b.person("sup")
    agent = b.person("agent")
    from store.models import GroupMember, GroupSupervisor

    GroupSupervisor.create(usergroup=w.g1, person=sup)
    GroupMember.create(usergroup=w.g1, person=agent)
    b.role("Agent", ["tickets.list", "tickets.reply"], scope="usergroups", holders=[agent])
    closed = b.ticket(w.s1, w.customer, group=w.g1)
    Ticket.update(status="closed").where(Ticket.number == closed).execute()
    others = [b.ticket(w.s1, w.customer, group=w.g1) for _ in range(3)]
    return Setup(g1_ticket=w.t_g1, g2_ticket=w.t_g2, closed=closed, others=others)


def audit_rows(action: str) -> list[int | None]:
    return [
        e.ticket
        for e in AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id)
    ]


def test_dry_run_says_what_will_change_and_why_the_rest_is_skipped(
    db: peewee.Database, setup: Setup
) -> None:
    sup = Gate(db, "sup")
    numbers = [setup.g1_ticket, setup.g2_ticket, setup.closed, *setup.others]
    before = list(Ticket.select().order_by(Ticket.number).tuples())
    plan = sup.changes.plan_bulk("close", numbers)
    assert plan.changed == (setup.g1_ticket, *setup.others)
    assert dict(plan.skipped) == {
        "already closed": (setup.closed,),
        "not found": (setup.g2_ticket,),
    }
    assert plan.summary() == "4 will change, 2 will be skipped: 1 already closed, 1 not found"
    assert list(Ticket.select().order_by(Ticket.number).tuples()) == before


def test_bulk_assign_changes_the_rest_when_some_are_refused(
    db: peewee.Database, setup: Setup
) -> None:
    b.role(
        "Assigner S2", ["tickets.list", "tickets.assign"], holders=[Person.get(username="sup").id]
    )
    sup = Gate(db, "sup")
    numbers = [setup.g1_ticket, setup.g2_ticket, *setup.others]
    done = sup.changes.apply_bulk("assign", numbers, "agent")
    # agent works only on group 1 tickets: the group 2 ticket is skipped, not the rest.
    assert done.changed == (setup.g1_ticket, *setup.others)
    assert dict(done.skipped) == {"outside what agent may work on": (setup.g2_ticket,)}
    agent_id = Person.get(username="agent").id
    assert {t.assignee_id for t in Ticket.select().where(Ticket.number.in_(done.changed))} == {
        agent_id
    }
    assert audit_rows("ticket.assign") == list(done.changed)
    assert verify_chain() is None


def test_bulk_change_skips_a_ticket_changed_meanwhile(db: peewee.Database, setup: Setup) -> None:
    sup = Gate(db, "sup")
    first, second = setup.others[:2]
    versions = dict(tuple_rows(Ticket.select(Ticket.number, Ticket.version)))
    Gate(db, "sup").changes.close(first)  # someone else, after the list was read
    done = sup.changes.apply_bulk("assign", [first, second], "sup", versions=versions)
    assert done.changed == (second,)
    assert dict(done.skipped) == {"changed by someone else meanwhile": (first,)}


def test_refusals_are_logged_and_write_nothing(db: peewee.Database, setup: Setup) -> None:
    agent = Gate(db, "agent")
    before = b.snapshot(db)
    done = agent.changes.apply_bulk("close", setup.others)
    assert done.changed == ()
    assert dict(done.skipped) == {"not in your scope to close": tuple(setup.others)}
    assert b.snapshot(db) == before
    denied = AuditEvent.select().where(AuditEvent.action == "denied.ticket.status")
    assert [e.target_id for e in denied.order_by(AuditEvent.target_id)] == sorted(setup.others)


def test_bad_input_refuses_the_whole_change(db: peewee.Database, setup: Setup) -> None:
    sup = Gate(db, "sup")
    unknown = sup.changes.plan_bulk("assign", setup.others, "nobody-here")
    assert dict(unknown.skipped) == {"outside what nobody-here may work on": tuple(setup.others)}
    with pytest.raises(InvalidInput):
        sup.changes.plan_bulk("status", setup.others, "finished")
    with pytest.raises(NotFound):
        sup.changes.apply_bulk("move", setup.others, "Hidden team")


def test_a_change_larger_than_a_chunk_goes_through_in_chunks(
    db: peewee.Database, setup: Setup
) -> None:
    w_source = Ticket.get_by_id(setup.others[0]).source_id
    customer = Ticket.get_by_id(setup.others[0]).requester_id
    group = Ticket.get_by_id(setup.others[0]).usergroup_id
    many = [b.ticket(w_source, customer, group=group) for _ in range(CHUNK + 10)]
    done = Gate(db, "sup").changes.apply_bulk("assign", many, "sup")
    assert len(done.changed) == CHUNK + 10
    assert verify_chain() is None
    assert len(audit_rows("ticket.assign")) == CHUNK + 10
