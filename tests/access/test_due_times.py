"""Due times kept in the write path: every change that moves a clock stores the ticket's due
times in its own transaction, as the clock (`access.sla_clock`) reads the ticket's history.
Every hour counts in the calendar used here, so a due time is its start plus the target plus
the time the ticket spent paused or stopped. The gates read "now" from one clock the tests
move by hand (`MovingClock`): what a change records is at the time the clock says, so every
due time is known to the second."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import peewee
import pytest

from access import Gate, NotFound
from access.sla_rules import Duration
from access.sla_views import PauseSpan
from access.views import TicketQuery
from store.models import NO_DUE, AuditEvent, Message, SchemaVersion, SlaPolicy, Ticket
from store.schema import migrate
from tests.access.conftest import with_standard_policy
from tests.moving_clock import MovingClock

# A Monday morning after everything the demo holds.
START = datetime(2026, 11, 2, 10, 0)


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(START)


@pytest.fixture
def gate_for(demo_db: peewee.Database, clock: MovingClock) -> Callable[[str], Gate]:
    """`gate_for("mia")`: a demo persona's gate on the test's clock."""
    return lambda username: Gate(demo_db, username, clock=clock)


@pytest.fixture
def ada(gate_for: Callable[[str], Gate]) -> Gate:
    """Ada on the test's clock, with the Standard policy (`tests.access.conftest`)."""
    return with_standard_policy(gate_for("ada"))


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
    assert ticket.created_at == START
    assert ticket.first_response_due == START + timedelta(hours=4)
    assert ticket.resolution_due == START + timedelta(hours=24)
    assert ticket.next_response_due is None
    assert ticket.due_at == ticket.first_response_due
    assert ticket.sla_policy == SlaPolicy.get(SlaPolicy.name == "Standard").id
    row = ada.tickets.get_ticket(number).row
    assert (row.first_response_due, row.resolution_due) == (
        ticket.first_response_due,
        ticket.resolution_due,
    )
    assert row.breached is False


def test_an_agent_reply_meets_first_response_a_note_does_not(ada: Gate, clock: MovingClock) -> None:
    number = filed(ada)
    clock.move(timedelta(minutes=20))
    ada.messages.note(number, "checking with the courier")
    assert stored(number).first_response_due == START + timedelta(hours=4)
    clock.move(timedelta(minutes=20))
    ada.messages.reply(number, "We are on it.")
    ticket = stored(number)
    assert ticket.first_response_due is None
    assert ticket.resolution_due == START + timedelta(hours=24)
    assert ticket.due_at == ticket.resolution_due
    met = ada.tickets.sla_explanation(number).targets[0]
    assert (met.metric, met.state, met.counted_minutes) == ("first_response", "met", 40)
    assert met.ended == START + timedelta(minutes=40)


def test_a_customer_message_starts_next_response(
    ada: Gate, gate_for: Callable[[str], Gate], clock: MovingClock
) -> None:
    mia = gate_for("mia")
    number = filed(mia)
    clock.move(timedelta(minutes=10))
    ada.messages.reply(number, "Which parcel?")
    assert stored(number).next_response_due is None
    answered = clock.move(timedelta(hours=1))
    mia.messages.reply(number, "The blue one.")
    (customer,) = AuditEvent.select().where(
        (AuditEvent.ticket == number) & (AuditEvent.action == "ticket.customer")
    )
    assert customer.at == Message.get_by_id(customer.target_id).created_at == answered
    assert stored(number).next_response_due == answered + timedelta(hours=8)
    clock.move(timedelta(minutes=5))
    ada.messages.reply(number, "Found it.")
    assert stored(number).next_response_due is None


def test_pending_pauses_and_the_due_time_moves_by_the_pause(ada: Gate, clock: MovingClock) -> None:
    """At 10:00 the ticket is filed, at 10:30 it goes pending, at 12:00 it is open again: its
    due times move by the hour and a half it waited."""
    number = filed(ada)
    pending_at = clock.move(timedelta(minutes=30))
    ada.changes.set_status(number, "pending")
    clock.move(timedelta(hours=1))
    paused = stored(number)
    assert (paused.first_response_due, paused.resolution_due) == (None, None)
    assert paused.due_at == NO_DUE
    open_at = clock.move(timedelta(minutes=30))
    ada.changes.set_status(number, "open")
    assert status_times(number) == [("pending", pending_at), ("open", open_at)]
    assert stored(number).updated_at == open_at
    resumed = stored(number)
    pause = timedelta(hours=1, minutes=30)
    assert resumed.first_response_due == START + timedelta(hours=4) + pause
    assert resumed.resolution_due == START + timedelta(hours=24) + pause
    clock.move(timedelta(hours=1))
    explained = ada.tickets.sla_explanation(number)
    first = explained.targets[0]
    assert first.pauses == (PauseSpan("pending", pending_at, open_at),)
    assert (first.state, first.started, first.counted_minutes) == ("running", START, 30 + 60)


def test_resolving_stops_and_reopening_resumes(ada: Gate, clock: MovingClock) -> None:
    number = filed(ada)
    clock.move(timedelta(minutes=5))
    ada.messages.reply(number, "Done.")
    resolved_at = clock.move(timedelta(minutes=5))
    ada.changes.set_status(number, "resolved")
    assert stored(number).resolution_due is None
    open_at = clock.move(timedelta(days=2))
    ada.changes.set_status(number, "open")
    assert status_times(number) == [("resolved", resolved_at), ("open", open_at)]
    ticket = stored(number)
    assert ticket.resolution_due == START + timedelta(hours=24) + (open_at - resolved_at)
    assert ticket.first_response_due is None  # met before, stays met


def test_a_priority_change_applies_the_matching_policy(ada: Gate, clock: MovingClock) -> None:
    ada.sla.create_policy(
        "Urgent", calendar="Always", targets={"first_response": ["1h"]}, priorities=["urgent"]
    )
    ada.sla.move_policy("Urgent", 1)
    number = filed(ada)
    assert stored(number).first_response_due == START + timedelta(hours=4)
    clock.move(timedelta(minutes=15))
    ada.changes.set_priority(number, "urgent")
    ticket = stored(number)
    assert ticket.first_response_due == START + timedelta(hours=1)
    assert ticket.resolution_due is None  # the urgent policy has no resolution target
    assert ticket.sla_policy == SlaPolicy.get(SlaPolicy.name == "Urgent").id
    explained = ada.tickets.sla_explanation(number)
    assert explained.policy == "Urgent" and explained.checked[0].matched
    assert explained.first_response_due == ticket.first_response_due


def test_a_policy_edit_measures_open_tickets_again(ada: Gate, clock: MovingClock) -> None:
    open_one, resolved_one = filed(ada), filed(ada)
    ada.messages.reply(resolved_one, "Done.")
    ada.changes.set_status(resolved_one, "resolved")
    clock.move(timedelta(minutes=30))
    ada.sla.change_policy("Standard", targets={"first_response": ["2h"]})
    assert stored(open_one).first_response_due == START + timedelta(hours=2)
    assert stored(resolved_one).due_at == NO_DUE
    last = AuditEvent.select().where(AuditEvent.target_kind == "policy")
    assert last.order_by(AuditEvent.id.desc()).first().action == "policy.change"
    # An hour of business a day, from midnight: filed past Monday's hour, its 2 hours are
    # Tuesday's and Wednesday's.
    ada.calendars.change_calendar("Always", hours="mon-sun 00:00-01:00")
    assert stored(open_one).first_response_due == datetime(2026, 11, 4, 1, 0)


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
    soon = ada.inbox.count_tickets(TicketQuery(due_within=Duration(300)))
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
    ada: Gate, gate_for: Callable[[str], Gate], clock: MovingClock
) -> None:
    number = filed(ada)
    ada.changes.set_status(number, "pending")
    clock.move(timedelta(minutes=10))
    ada.changes.set_status(number, "open")
    explained = ada.tickets.sla_explanation(number)
    assert explained.policy == "Standard" and explained.calendar == "Always"
    first = explained.targets[0]
    assert first.metric == "first_response" and first.state == "running"
    assert [p.status for p in first.pauses] == ["pending"]
    assert (first.target_minutes, first.counted_minutes) == (240, 0)
    with pytest.raises(NotFound):
        gate_for("ali").tickets.sla_explanation(number)


def test_no_policy_no_due_time(gate_for: Callable[[str], Gate]) -> None:
    gate = gate_for("ada")
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
