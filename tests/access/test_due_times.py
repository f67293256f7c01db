"""Due times kept in the write path: every change that moves a clock stores the ticket's due
times in its own transaction, as the clock (`access.sla_clock`) reads the ticket's history.
Every hour counts in the calendar used here, so a due time is its start plus the target plus
the time the ticket spent paused or stopped, which the audit log's times give exactly."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

import peewee
import pytest

from access import Gate, NotFound
from access.views import TicketQuery
from store.models import NO_DUE, AuditEvent, SchemaVersion, SlaPolicy, Ticket
from store.schema import migrate


def near(written: datetime | None, expected: datetime) -> bool:
    """Business time counts whole seconds (a start and a pause's ends to the second)."""
    return written is not None and abs(written - expected) < timedelta(seconds=1.5)


# How long the tests leave a ticket paused or resolved: more than `near` allows, so a due
# time that did not move by it fails.
PAUSE = 2.5


def stored(number: int) -> Ticket:
    ticket: Ticket = Ticket.get_by_id(number)
    return ticket


def status_times(number: int) -> list[tuple[str, datetime]]:
    """When the ticket's status changed, and to what."""
    events = AuditEvent.select().where(
        (AuditEvent.ticket == number) & (AuditEvent.action == "ticket.status")
    )
    return [(e.after.strip('"'), e.at) for e in events.order_by(AuditEvent.id)]


def filed(gate: Gate) -> int:
    return gate.filing.create_ticket("Parcel lost", "Where is it?")


def test_filing_starts_first_response_and_resolution(ada: Gate) -> None:
    number = filed(ada)
    ticket = stored(number)
    assert near(ticket.first_response_due, ticket.created_at + timedelta(hours=4))
    assert near(ticket.resolution_due, ticket.created_at + timedelta(hours=24))
    assert ticket.next_response_due is None
    assert ticket.due_at == ticket.first_response_due
    assert ticket.sla_policy == SlaPolicy.get(SlaPolicy.name == "Standard").id
    row = ada.tickets.get_ticket(number).row
    assert (row.first_response_due, row.resolution_due) == (
        ticket.first_response_due,
        ticket.resolution_due,
    )
    assert row.breached is False


def test_an_agent_reply_meets_first_response_a_note_does_not(ada: Gate) -> None:
    number = filed(ada)
    due = stored(number).first_response_due
    ada.messages.note(number, "checking with the courier")
    assert stored(number).first_response_due == due
    ada.messages.reply(number, "We are on it.")
    ticket = stored(number)
    assert ticket.first_response_due is None
    assert near(ticket.resolution_due, ticket.created_at + timedelta(hours=24))
    assert ticket.due_at == ticket.resolution_due


def test_a_customer_message_starts_next_response(
    ada: Gate, gate_for: Callable[[str], Gate]
) -> None:
    mia = gate_for("mia")
    number = filed(mia)
    ada.messages.reply(number, "Which parcel?")
    assert stored(number).next_response_due is None
    mia.messages.reply(number, "The blue one.")
    (customer,) = AuditEvent.select().where(
        (AuditEvent.ticket == number) & (AuditEvent.action == "ticket.customer")
    )
    assert near(stored(number).next_response_due, customer.at + timedelta(hours=8))
    ada.messages.reply(number, "Found it.")
    assert stored(number).next_response_due is None


def test_pending_pauses_and_the_due_time_moves_by_the_pause(ada: Gate) -> None:
    number = filed(ada)
    created = stored(number).created_at
    ada.changes.set_status(number, "pending")
    time.sleep(PAUSE)
    paused = stored(number)
    assert (paused.first_response_due, paused.resolution_due) == (None, None)
    assert paused.due_at == NO_DUE
    ada.changes.set_status(number, "open")
    (_, pending_at), (_, open_at) = status_times(number)
    resumed = stored(number)
    assert near(resumed.first_response_due, created + timedelta(hours=4) + (open_at - pending_at))
    assert near(resumed.resolution_due, created + timedelta(hours=24) + (open_at - pending_at))


def test_resolving_stops_and_reopening_resumes(ada: Gate) -> None:
    number = filed(ada)
    ada.messages.reply(number, "Done.")
    ada.changes.set_status(number, "resolved")
    assert stored(number).resolution_due is None
    time.sleep(PAUSE)
    ada.changes.set_status(number, "open")
    (_, resolved_at), (_, open_at) = status_times(number)
    ticket = stored(number)
    assert near(
        ticket.resolution_due, ticket.created_at + timedelta(hours=24) + (open_at - resolved_at)
    )
    assert ticket.first_response_due is None  # met before, stays met


def test_a_priority_change_applies_the_matching_policy(ada: Gate) -> None:
    ada.sla.create_policy(
        "Urgent", calendar="Always", targets={"first_response": ["1h"]}, priorities=["urgent"]
    )
    ada.sla.move_policy("Urgent", 1)
    number = filed(ada)
    ticket = stored(number)
    assert near(ticket.first_response_due, ticket.created_at + timedelta(hours=4))
    ada.changes.set_priority(number, "urgent")
    ticket = stored(number)
    assert near(ticket.first_response_due, ticket.created_at + timedelta(hours=1))
    assert ticket.resolution_due is None  # the urgent policy has no resolution target
    assert ticket.sla_policy == SlaPolicy.get(SlaPolicy.name == "Urgent").id
    explained = ada.tickets.sla_explanation(number)
    assert explained.policy == "Urgent" and explained.checked[0].matched
    assert explained.first_response_due == ticket.first_response_due


def test_a_policy_edit_measures_open_tickets_again(ada: Gate) -> None:
    open_one, resolved_one = filed(ada), filed(ada)
    ada.messages.reply(resolved_one, "Done.")
    ada.changes.set_status(resolved_one, "resolved")
    ada.sla.change_policy("Standard", targets={"first_response": ["2h"]})
    ticket = stored(open_one)
    assert near(ticket.first_response_due, ticket.created_at + timedelta(hours=2))
    assert stored(resolved_one).due_at == NO_DUE
    last = AuditEvent.select().where(AuditEvent.target_kind == "policy")
    assert last.order_by(AuditEvent.id.desc()).first().action == "policy.change"
    # An hour of business a day: 2 business hours are never 2 hours on the wall, whenever the
    # test runs.
    ada.calendars.change_calendar("Always", hours="mon-sun 00:00-01:00")
    assert stored(open_one).first_response_due != ticket.first_response_due


def test_the_due_order_and_the_breached_filter(ada: Gate) -> None:
    ada.sla.change_policy("Standard", targets={"first_response": ["1m"]})  # measures the demo
    rows = ada.inbox.list_tickets(TicketQuery(order="due"), limit=400)
    keys = [(r.first_response_due, r.next_response_due, r.resolution_due) for r in rows]
    earliest = [min((d for d in k if d), default=NO_DUE) for k in keys]
    assert earliest == sorted(earliest) and any(d != NO_DUE for d in earliest)
    breached = ada.inbox.list_tickets(TicketQuery(breached=True), limit=400)
    assert breached and all(r.breached for r in breached)
    assert ada.inbox.count_tickets(TicketQuery(breached=True)) == len(breached)
    assert {r.number for r in rows if r.breached} == {r.number for r in breached}
    soon = ada.inbox.count_tickets(TicketQuery(due_within=timedelta(days=3650)))
    assert soon == sum(1 for d in earliest if d != NO_DUE)
    last_page = ada.inbox.list_tickets(
        TicketQuery(order="due"), offset=len(rows) - 5, limit=5, total=len(rows)
    )
    assert [r.number for r in last_page] == [r.number for r in rows[-5:]]
    third = rows[2].number
    assert ada.inbox.ticket_position(TicketQuery(order="due"), third) == 2


def test_the_breached_filter_keeps_the_scope(ada: Gate, gate_for: Callable[[str], Gate]) -> None:
    ada.sla.change_policy("Standard", targets={"first_response": ["1m"]})
    sam = gate_for("sam")
    seen = {r.number for r in sam.inbox.list_tickets(limit=1000)}
    breached = sam.inbox.list_tickets(TicketQuery(breached=True, order="due"), limit=1000)
    assert breached and {r.number for r in breached} <= seen
    everyone = ada.inbox.count_tickets(TicketQuery(breached=True))
    assert sam.inbox.count_tickets(TicketQuery(breached=True)) < everyone


def test_the_explanation_is_scoped_like_the_ticket(
    ada: Gate, gate_for: Callable[[str], Gate]
) -> None:
    number = filed(ada)
    ada.changes.set_status(number, "pending")
    ada.changes.set_status(number, "open")
    explained = ada.tickets.sla_explanation(number)
    assert explained.policy == "Standard" and explained.calendar == "Always"
    first = explained.targets[0]
    assert first.metric == "first_response" and first.state == "running"
    assert [p.status for p in first.pauses] == ["pending"]
    assert first.target_minutes == 240 and 0 <= first.counted_minutes <= 1
    with pytest.raises(NotFound):
        gate_for("ali").tickets.sla_explanation(number)


def test_no_policy_no_due_time(demo_db: peewee.Database) -> None:
    gate = Gate(demo_db, "ada")
    number = filed(gate)
    ticket = stored(number)
    assert (ticket.first_response_due, ticket.due_at, ticket.sla_policy) == (None, NO_DUE, None)
    assert gate.tickets.sla_explanation(number).policy is None


def test_migration_15_keeps_due_times_indexed(demo_db: peewee.Database) -> None:
    SchemaVersion.delete().where(SchemaVersion.version == 15).execute()
    migrate(demo_db)
    columns = {c.name for c in demo_db.get_columns("ticket")}
    assert {"first_response_due", "next_response_due", "resolution_due", "due_at"} <= columns
    indexes = {tuple(i.columns) for i in demo_db.get_indexes("ticket")}
    assert any(columns[:2] == ("due_at", "number") for columns in indexes)
    assert Ticket.select().where(Ticket.due_at != NO_DUE).count() == 0  # no policy in the demo
