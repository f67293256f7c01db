"""A time rule run by `serve` (`gate.rules.run_time_rules`) counts "now" from the gate's clock,
and its owner's actions are recorded at that clock's time: the pass, the tag put on, the
notification."""

from __future__ import annotations

from datetime import timedelta

import peewee

from access import Gate
from store.models import NO_DUE, AuditEvent, Ticket
from store.notification_models import Notification
from store.rule_models import Rule
from tests.access.test_due_times import START
from tests.moving_clock import MovingClock


def test_a_time_rule_runs_and_acts_at_the_gates_clock(demo_db: peewee.Database) -> None:
    clock = MovingClock(START)
    ada = Gate(demo_db, "ada", clock=clock)
    Ticket.update(due_at=NO_DUE).execute()
    Rule.update(active=False).execute()  # the demo's own
    ada.rules.create_rule(
        "Escalate", every="5m", conditions=["due=30m"], actions=["tag:escalated", "notify:ola"]
    )
    number = ada.filing.create_ticket("Parcel lost", "Where is it?", group="Returns")
    Ticket.update(due_at=START + timedelta(minutes=40)).where(Ticket.number == number).execute()
    assert ada.rules.run_time_rules() == 0  # due in 40 minutes: not yet within 30
    assert Rule.get(Rule.name == "Escalate").last_run_at == START
    passed = clock.move(timedelta(minutes=15))
    assert ada.rules.run_time_rules() == 1
    assert Rule.get(Rule.name == "Escalate").last_run_at == passed
    tagged = AuditEvent.get((AuditEvent.ticket == number) & (AuditEvent.action == "ticket.tag"))
    (told,) = Notification.select().where(
        (Notification.ticket == number) & (Notification.rule == "Escalate")
    )
    assert (tagged.at, told.created_at) == (passed, passed)
