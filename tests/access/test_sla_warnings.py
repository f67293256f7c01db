"""Service-level warnings (`gate.sla.warn_due`): before a clock falls due and when it passes,
the ticket's assignee and its usergroup's supervisors are notified, once per ticket, clock and
stage however often the pass runs; the tickets are found through the `due_at` index; whether
a person may see the ticket is asked when the notification is read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import peewee
import pytest

from access import Gate, InvalidInput, PermissionDenied
from access.audit_actions import SLA_WARNING
from access.notify_events import SLA_MISSED, SLA_SOON
from access.sla_rules import Duration
from access.sla_warnings import LOOK_BACK
from store.models import SchemaVersion, Ticket, utcnow
from store.notification_models import SlaWarning
from store.schema import migrate
from tests.access.test_due_times import START
from tests.access.test_gate_statements import statements
from tests.moving_clock import MovingClock
from tui.audit_text import sentence

ALWAYS = "mon-sun 00:00-24:00"
SLA_EVENTS = (SLA_SOON, SLA_MISSED)


@pytest.fixture
def ada(demo_db: peewee.Database) -> Gate:
    gate = Gate(demo_db, "ada")
    gate.calendars.create_calendar("Always", zone="UTC", hours=ALWAYS)
    gate.sla.create_policy(
        "Standard",
        calendar="Always",
        targets={"first_response": ["30m"], "resolution": ["1d"]},
    )
    return gate


def told(gate: Gate, number: int) -> list[str]:
    """The service-level notifications the person reads about ticket `number`, newest first."""
    return [
        n.event
        for n in gate.notifications.list_notifications()
        if n.ticket == number and n.event in SLA_EVENTS
    ]


def due_passed(number: int, ago: timedelta) -> None:
    """The first response's due time `ago` past, as the clock would have it by then."""
    past = utcnow() - ago
    Ticket.update(first_response_due=past, due_at=past).where(Ticket.number == number).execute()


def test_the_assignee_and_supervisors_are_warned_before_and_at_a_breach_once_each(
    ada: Gate, gate_for: Callable[[str], Gate]
) -> None:
    number = ada.filing.create_ticket("Parcel lost", "Where is it?", group="Returns")
    ada.changes.assign(number, "ola")
    ola, sam, tom = gate_for("ola"), gate_for("sam"), gate_for("tom")
    assert ada.sla.warn_due() == 1  # its first response, due in 30 minutes; not its resolution
    assert ada.sla.warn_due() == 0
    assert told(ola, number) == told(sam, number) == [SLA_SOON]
    assert told(tom, number) == [] and told(ada, number) == []
    due_passed(number, timedelta(minutes=5))
    assert ada.sla.warn_due() == 1
    assert ada.sla.warn_due() == 0
    assert told(ola, number) == told(sam, number) == [SLA_MISSED, SLA_SOON]
    ada.changes.move(number, "Accounting")  # out of sam's sight: his are not read any more
    assert told(sam, number) == [] and told(ola, number) == [SLA_MISSED, SLA_SOON]
    history = [sentence(e) for e in ada.audit.list_audit(ticket=number) if e.action == SLA_WARNING]
    assert len(history) == 2
    assert "told its first response is past due" in history[0]
    assert "warned its first response falls due" in history[1]


def test_a_ticket_resolved_is_not_told_of_a_due_time_it_keeps(ada: Gate) -> None:
    """Resolved without a first response, past due before it stopped (no pass ran then): done,
    as the breached filter has it, so no one is told."""
    number = ada.filing.create_ticket("Parcel lost", "Where is it?", group="Returns")
    ada.changes.assign(number, "ola")
    ada.changes.set_status(number, "resolved")
    due_passed(number, timedelta(minutes=5))
    assert ada.sla.warn_due() == 0


def test_a_pass_reads_only_the_tickets_near_their_due_times(
    ada: Gate, demo_db: peewee.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    numbers = [ada.filing.create_ticket(f"Parcel {i}", "Where?") for i in range(3)]
    ada.changes.assign(numbers[0], "ola")
    due_passed(numbers[1], LOOK_BACK + timedelta(hours=1))  # long past: not found again
    with statements(demo_db, monkeypatch) as run:
        made = ada.sla.warn_due(Duration(0, 10))
    assert made == 0  # due in 30 minutes: not yet within 10
    wanted = [sql for sql in run if '"ticket"' in sql and "resolution_due" in sql and ">" in sql]
    assert len(wanted) == 1 and wanted[0].count("<=") == 3  # each clock's range on its index
    assert ada.sla.warn_due() == 2  # the two due in 30 minutes, not the one long past
    ola = Gate(demo_db, "ola")
    assert told(ola, numbers[0]) == [SLA_SOON]
    assert told(ola, numbers[2]) == []  # unassigned, no group: nobody to tell


def test_warnings_need_sla_list_and_a_time_not_negative(
    ada: Gate, gate_for: Callable[[str], Gate]
) -> None:
    with pytest.raises(PermissionDenied):
        gate_for("ola").sla.warn_due()
    with pytest.raises(InvalidInput):
        ada.sla.warn_due(Duration(0, -1))


def stopped_at(moment: datetime) -> Callable[[], datetime]:
    """A clock that always says `moment`."""
    return lambda: moment


def stored_due(number: int, clock: str) -> datetime:
    due = getattr(Ticket.get_by_id(number), clock)
    assert isinstance(due, datetime), f"#{number} has no {clock} running"
    return due


def test_a_clock_paused_and_resumed_is_warned_of_once_per_stage(
    ada: Gate, demo_db: peewee.Database, gate_for: Callable[[str], Gate]
) -> None:
    clock = MovingClock(START)
    clocked = Gate(demo_db, "ada", clock=clock)
    number = clocked.filing.create_ticket("Parcel lost", "Where is it?", group="Returns")
    clocked.changes.assign(number, "ola")
    clock.move(timedelta(minutes=25))
    assert clocked.sla.warn_due() == 1  # its first response, due in 5 minutes
    assert stored_due(number, "first_response_due") == START + timedelta(minutes=30)
    clocked.changes.set_status(number, "pending")
    clock.move(timedelta(minutes=20))
    clocked.changes.set_status(number, "open")
    moved = stored_due(number, "first_response_due")
    assert moved == START + timedelta(minutes=50)  # the pause moved it, in the same run
    assert clocked.sla.warn_due() == 0
    clock.set(moved + timedelta(minutes=1))
    assert clocked.sla.warn_due() == 1  # missed, once
    assert clocked.sla.warn_due() == 0
    assert told(gate_for("ola"), number) == [SLA_MISSED, SLA_SOON]


def test_a_new_run_of_a_clock_is_warned_of_again(
    ada: Gate, demo_db: peewee.Database, gate_for: Callable[[str], Gate]
) -> None:
    ada.sla.change_policy("Standard", targets={"next_response": ["30m"]})
    mia = gate_for("mia")
    number = mia.filing.create_ticket("Parcel lost", "Where is it?")
    ada.messages.reply(number, "Which parcel?")  # the first response met
    runs = []
    for text in ("The blue one.", "And the red one."):
        mia.messages.reply(number, text)  # a next-response clock starts
        almost = stored_due(number, "next_response_due") - timedelta(minutes=5)
        clocked = Gate(demo_db, "ada", clock=stopped_at(almost))
        runs.append(clocked.sla.warn_due())
        runs.append(clocked.sla.warn_due())
        ada.messages.reply(number, "Found it.")  # met: the run ends
    assert runs == [1, 0, 1, 0]
    warned = SlaWarning.select().where(SlaWarning.ticket == number)
    assert [w.metric for w in warned] == ["next_response", "next_response"]


def test_each_clock_is_warned_of_whatever_the_earliest(ada: Gate, demo_db: peewee.Database) -> None:
    number = ada.filing.create_ticket("Parcel lost", "Where is it?")
    now = Ticket.get_by_id(number).created_at + timedelta(minutes=10)
    long_past = now - LOOK_BACK - timedelta(hours=1)
    Ticket.update(
        first_response_due=long_past, resolution_due=now + timedelta(minutes=20), due_at=long_past
    ).where(Ticket.number == number).execute()
    assert Gate(demo_db, "ada", clock=lambda: now).sla.warn_due() == 1
    (warned,) = SlaWarning.select().where(SlaWarning.ticket == number)
    assert (warned.metric, warned.stage) == ("resolution", "soon")


def test_migration_30_keys_warnings_by_run_and_indexes_each_clock(
    demo_db: peewee.Database,
) -> None:
    """A database of version 26's shape: warnings keyed by due time, no index per clock."""
    demo_db.execute_sql('DROP INDEX "sla_warning_ticket_id_metric_stage_run"')
    demo_db.execute_sql('ALTER TABLE "sla_warning" DROP COLUMN run')
    demo_db.execute_sql(
        'CREATE UNIQUE INDEX "sla_warning_ticket_id_metric_stage_due" '
        'ON "sla_warning" ("ticket_id", "metric", "stage", "due")'
    )
    for clock in ("first_response_due", "next_response_due", "resolution_due"):
        demo_db.execute_sql(f'DROP INDEX "ticket_{clock}"')
    SchemaVersion.delete().where(SchemaVersion.version == 30).execute()
    migrate(demo_db)
    keys = {tuple(i.columns): i.unique for i in demo_db.get_indexes("sla_warning")}
    keys.pop(("id",), None)  # PostgreSQL lists the primary key's
    assert keys == {("ticket_id", "metric", "stage", "run"): True}
    by_clock = {tuple(i.columns) for i in demo_db.get_indexes("ticket")}
    assert {("first_response_due",), ("next_response_due",), ("resolution_due",)} <= by_clock
