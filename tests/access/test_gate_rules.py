"""Rules at the gate: a rule acts as its owner, and when its owner lacks the right (or is
deactivated) its action is refused, written nowhere and audited; rules never loop (the
ping-pong pair, the bound on rounds); round-robin is fair and passes by agents away or at the
cap, least-loaded takes the least loaded; time rules find their tickets by status and last
change; `try_rule` writes nothing and sees only what the caller and the owner see."""

from __future__ import annotations

from datetime import datetime, timedelta

import peewee
import pytest

from access import Gate, InvalidInput, NoChange, PermissionDenied
from access.business_time import Calendar, business_minutes
from access.rule_conditions import Clock, Facts, holds
from access.rule_runner import MAX_ROUNDS
from access.rule_text import Kept
from access.rule_time import idle_cutoff
from access.vocabulary import CLOSED, HIGH, LOW, PENDING, RESOLVED
from store.models import AuditEvent, Message, Person, Ticket, Usergroup, utcnow
from store.rows import tuple_rows
from store.rule_models import Rule

DEMO_RULES = ("Returns round-robin", "Refund triage", "Auto-close")


@pytest.fixture
def ada(demo_db: peewee.Database) -> Gate:
    """The administrator, with the demo's rules disabled so each test chooses its own."""
    gate = Gate(demo_db, "ada")
    for name in DEMO_RULES:
        gate.rules.set_rule_active(name, False)
    return gate


def rule_events(action: str) -> list[tuple[int | None, str]]:
    query = AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id)
    return [(e.ticket, e.after) for e in query]


def assignee(number: int) -> str | None:
    name = Person.select(Person.username).join(Ticket, on=(Ticket.assignee == Person.id))
    found = name.where(Ticket.number == number).scalar()
    return None if found is None else str(found)


def rules_editor(ada: Gate, username: str) -> None:
    ada.roles.create_role("Rule writer", ["rules.list", "rules.edit"])
    ada.roles.grant_role(username, "Rule writer")


def file_returns(gate: Gate, count: int) -> list[int]:
    return [
        gate.filing.create_ticket(f"Return {i}", "please", group="Returns") for i in range(count)
    ]


def test_the_demo_has_its_three_rules(demo_db: peewee.Database) -> None:
    rules = Gate(demo_db, "vic").rules.list_rules()
    assert [(r.name, r.owner, r.active) for r in rules] == [(n, "ada", True) for n in DEMO_RULES]
    assert rules[2].every_minutes == 60 and rules[2].conditions == ("status=resolved", "idle=7d")


def test_round_robin_is_fair_and_every_action_names_the_rule(ada: Gate) -> None:
    ada.groups.add_member("Returns", "ola")
    ada.groups.add_member("Returns", "eva")
    ada.rules.create_rule(
        "Returns rr", on="created", conditions=["group=Returns"], actions=["assign:round-robin"]
    )
    numbers = file_returns(ada, 6)
    given = [assignee(n) for n in numbers]
    assert given == ["ola", "tom", "eva", "ola", "tom", "eva"]
    acted = rule_events("rule.acted")
    assert [n for n, _ in acted] == numbers
    assert '"rule": "Returns rr"' in acted[0][1] and "round-robin in Returns" in acted[0][1]
    # The change itself is the owner's, through the pipeline, in the same transaction.
    changes = AuditEvent.select().where(
        (AuditEvent.action == "ticket.assign") & AuditEvent.ticket.in_(numbers)
    )
    assert {e.actor_id for e in changes} == {ada.person_id} and changes.count() == 6


def test_round_robin_passes_by_agents_away_and_at_the_cap(ada: Gate, demo_db) -> None:
    ada.groups.add_member("Returns", "ola")
    ada.groups.add_member("Returns", "eva")
    ada.rules.create_rule("rr", on="created", conditions=["group=Returns"], actions=["assign:auto"])
    ola = Gate(demo_db, "ola")
    ola.availability.set_away(True)
    assert ola.availability.is_away()
    assert [assignee(n) for n in file_returns(ada, 3)] == ["tom", "eva", "tom"]
    ola.availability.set_away(False)
    ada.people.add_person("nia", "Nia New")
    ada.roles.grant_role("nia", "Agent")
    ada.groups.add_member("Returns", "nia")
    loads = {name: load for name, load, _ in ada.availability.group_assignment("Returns").members}
    assert min(loads[n] for n in ("tom", "ola", "eva")) >= 1 and loads["nia"] == 0
    ada.availability.set_group_assignment("Returns", cap=1)
    first, second = file_returns(ada, 2)
    assert (assignee(first), assignee(second)) == ("nia", None)
    assert "nobody in Returns is free" in rule_events("rule.skipped")[-1][1]


def test_least_loaded_gives_to_the_agent_with_fewest_open_tickets(ada: Gate) -> None:
    ada.groups.add_member("Returns", "eva")
    ada.availability.set_group_assignment("Returns", mode="least-loaded")
    ada.rules.create_rule("ll", on="created", conditions=["group=Returns"], actions=["assign:auto"])
    before = {m[0]: m[1] for m in ada.availability.group_assignment("Returns").members}
    lighter = min(before, key=lambda name: (before[name], name))
    (number,) = file_returns(ada, 1)
    assert assignee(number) == lighter


def test_a_rule_never_does_what_its_owner_may_not(ada: Gate, demo_db) -> None:
    rules_editor(ada, "ola")
    ola = Gate(demo_db, "ola")
    ola.rules.create_rule(
        "To tom", on="created", conditions=["group=Returns"], actions=["assign:tom"]
    )
    (number,) = file_returns(ada, 1)
    assert assignee(number) == "tom"
    agent = ada.roles.get_role("Agent")
    ada.roles.set_role_permissions("Agent", sorted(set(agent.permissions) - {"tickets.assign"}))
    before = Ticket.get_by_id(number).version
    (refused,) = file_returns(ada, 1)
    assert assignee(refused) is None and Ticket.get_by_id(refused).version == 1
    assert (
        not AuditEvent.select()
        .where((AuditEvent.ticket == refused) & AuditEvent.action.endswith("ticket.assign"))
        .exists()
    )
    skipped = rule_events("rule.skipped")
    assert skipped == [(refused, '"rule To tom skipped: ola lacks tickets.assign on ticket #'
                        f'{refused}"')]  # fmt: skip
    assert Ticket.get_by_id(number).version == before
    ada.people.set_active("ola", False)
    (third,) = file_returns(ada, 1)
    assert assignee(third) is None
    assert "its owner ola is deactivated" in rule_events("rule.skipped")[-1][1]


def test_nobody_gains_a_right_through_another_persons_rule(ada: Gate, demo_db) -> None:
    """Editors without a right cannot make a rule do it: a rule acts as whoever owns it, and
    taking one over makes the taker its owner."""
    ada.rules.create_rule(
        "Close", on="created", conditions=["group=Returns"], actions=["status:closed"]
    )
    ada.roles.create_role("Rule keeper", ["rules.list", "rules.edit", "tickets.list"])
    ada.roles.grant_role("max", "Rule keeper")
    max_gate = Gate(demo_db, "max")
    assert max_gate.rules.take_over_rule("Close").owner == "max"
    (number,) = file_returns(ada, 1)
    assert Ticket.get_by_id(number).status != CLOSED
    assert "max lacks tickets.close" in rule_events("rule.skipped")[-1][1]
    change = (
        AuditEvent.select()
        .where(AuditEvent.action == "rule.change")
        .order_by(AuditEvent.id.desc())
        .first()
    )
    assert ('"owner": "ada"' in change.before) and ('"owner": "max"' in change.after)


def test_two_rules_that_undo_each_other_stop_and_say_so(ada: Gate) -> None:
    ada.rules.create_rule(
        "Up", on="priority", conditions=["priority=low"], actions=["priority:high"]
    )
    ada.rules.create_rule(
        "Down", on="priority", conditions=["priority=high"], actions=["priority:low"]
    )
    number = Ticket.select().where(Ticket.priority != LOW).order_by(Ticket.number).first().number
    ada.changes.set_priority(number, LOW)
    assert Ticket.get_by_id(number).priority == LOW
    acted = [after for n, after in rule_events("rule.acted") if n == number]
    assert len(acted) == 2 and '"rule": "Up"' in acted[0] and '"rule": "Down"' in acted[1]
    stopped = rule_events("rule.stopped")
    said = f'"rule Up not run again on #{number}: it already acted on it for this event"'
    assert stopped == [(number, said)]


def test_a_chain_of_rules_stops_after_the_last_round(ada: Gate) -> None:
    ada.rules.create_rule("1", on="status", conditions=["status=open"], actions=["priority:high"])
    ada.rules.create_rule(
        "2", on="priority", conditions=["priority=high"], actions=["move:Accounting"]
    )
    ada.rules.create_rule(
        "3", on="group", conditions=["group=Accounting"], actions=["status:pending"]
    )
    ada.rules.create_rule("4", on="status", conditions=["status=pending"], actions=["priority:low"])
    number = (
        Ticket.select()
        .where(
            (Ticket.status == RESOLVED)
            & (Ticket.priority != HIGH)
            & (Ticket.usergroup != Usergroup.get(Usergroup.name == "Accounting").id)
        )
        .order_by(Ticket.number)
        .first()
        .number
    )
    ada.changes.set_status(number, "open")
    ticket = Ticket.get_by_id(number)
    assert (ticket.priority, ticket.status) == (HIGH, PENDING)
    assert len([n for n, _ in rule_events("rule.acted") if n == number]) == MAX_ROUNDS
    assert rule_events("rule.stopped") == [
        (number, f'"rules stopped on #{number} after {MAX_ROUNDS} rounds"')
    ]


def test_a_customer_writing_runs_the_customer_rules(ada: Gate, demo_db) -> None:
    ada.rules.create_rule(
        "Angry", on="customer", conditions=["words=refund,lawyer"], actions=["priority:urgent"]
    )
    ticket = Ticket.select().where(Ticket.status != CLOSED).order_by(Ticket.number).first()
    requester = Gate(demo_db, ticket.requester.username)
    requester.messages.reply(ticket.number, "I will call my LAWYER")
    assert Ticket.get_by_id(ticket.number).priority == "urgent"


def test_conditions_on_requester_group_and_source(ada: Gate, demo_db) -> None:
    ada.rules.create_rule(
        "Staff", on="created", conditions=["requester-group=Accounting", "source=Phone"],
        actions=["note:filed by accounting"],
    )  # fmt: skip
    mia = Gate(demo_db, "mia")
    by_mia = mia.filing.create_ticket("Printer", "broken", source="Phone", group="Accounting")
    elsewhere = mia.filing.create_ticket(
        "Printer 2", "broken", source="Web form", group="Accounting"
    )
    notes = Message.select().where(Message.kind == "note")
    assert [m.ticket_id for m in notes.where(Message.ticket.in_([by_mia, elsewhere]))] == [by_mia]


def test_time_rules_close_tickets_resolved_long_ago_through_the_status_index(ada: Gate) -> None:
    ada.rules.set_rule_active("Auto-close", True)
    now = utcnow()
    old = list(
        tuple_rows(
            Ticket.select(Ticket.number).where(
                (Ticket.status == RESOLVED) & (Ticket.updated_at <= now - timedelta(days=7))
            )
        )
    )
    fresh = Ticket.select().where(Ticket.status == RESOLVED).order_by(Ticket.number).first()
    Ticket.update(updated_at=now - timedelta(days=6)).where(Ticket.number == fresh.number).execute()
    old = [n for (n,) in old if n != fresh.number]
    assert old
    assert ada.rules.run_time_rules() == len(old)
    statuses = dict(
        tuple_rows(Ticket.select(Ticket.number, Ticket.status).where(Ticket.number.in_(old)))
    )
    assert set(statuses.values()) == {CLOSED}
    assert Ticket.get_by_id(fresh.number).status == RESOLVED
    assert ada.rules.run_time_rules() == 0  # tried again only after its hour


def test_a_pending_reminder_counts_business_hours(ada: Gate) -> None:
    ada.calendars.create_calendar("PL office", zone="Europe/Warsaw", hours="mon-fri 08:00-16:00")
    ada.rules.create_rule(
        "Remind",
        every="5m",
        conditions=["status=pending", "idle=8h", "calendar=PL office"],
        actions=["note:still waiting"],
    )
    now = utcnow()
    pending = [
        n for (n,) in tuple_rows(Ticket.select(Ticket.number).where(Ticket.status == PENDING))
    ]
    due, waiting = pending[0], pending[1]
    Ticket.update(updated_at=now - timedelta(days=5)).where(Ticket.number == due).execute()
    Ticket.update(updated_at=now - timedelta(minutes=20)).where(
        Ticket.number.in_(pending[1:])
    ).execute()
    ada.rules.run_time_rules()
    notes = Message.select(Message.ticket).where(
        (Message.kind == "note") & (Message.body == "still waiting")
    )
    assert [m.ticket_id for m in notes] == [due]
    assert waiting not in [m.ticket_id for m in notes]


def test_the_idle_cutoff_in_business_time() -> None:
    office = Calendar("Europe/Warsaw", ((( 480, 960),),) * 5 + ((), ()))  # fmt: skip
    wednesday_noon = datetime(2026, 11, 4, 12, 0)  # 13:00 in Warsaw
    cutoff = idle_cutoff(wednesday_noon, 8 * 60, office)
    assert cutoff is not None
    assert abs(cutoff - datetime(2026, 11, 3, 12, 0)) <= timedelta(seconds=30)
    assert business_minutes(office, cutoff, wednesday_noon) >= 8 * 60
    assert idle_cutoff(wednesday_noon, 90, None) == wednesday_noon - timedelta(minutes=90)


def test_trying_a_rule_writes_nothing_and_sees_only_the_callers_and_owners_tickets(
    ada: Gate, demo_db
) -> None:
    events = AuditEvent.select().count()
    versions = dict(tuple_rows(Ticket.select(Ticket.number, Ticket.version)))
    tried = ada.rules.try_rule("Returns round-robin", "366d")
    assert tried and all(t.would == ("assign:round-robin",) for t in tried)
    assert AuditEvent.select().count() == events
    assert dict(tuple_rows(Ticket.select(Ticket.number, Ticket.version))) == versions
    rules_editor(ada, "ali")
    ali = Gate(demo_db, "ali")
    ali.rules.create_rule("Mine", on="created", actions=["priority:high"])
    seen_by_ali = {t.number for t in ali.rules.try_rule("Mine", "366d")}
    allegro = {t.number for t in ada.rules.try_rule("Mine", "366d")}
    assert seen_by_ali == allegro and allegro
    assert {t.number for t in ada.rules.try_rule("Returns round-robin", "366d")} - allegro


def test_rules_are_kept_in_order_versioned_and_audited(ada: Gate, demo_db) -> None:
    ada.rules.create_rule("A", on="created", actions=["priority:high"])
    order = ada.rules.move_rule("A", 1)
    assert [r.name for r in order][:2] == ["A", "Returns round-robin"]
    view = ada.rules.set_rule_active("A", False)
    assert (view.active, view.version) == (False, 2)
    with pytest.raises(NoChange):
        ada.rules.set_rule_active("A", False)
    ada.rules.delete_rule("A")
    assert [r.position for r in ada.rules.list_rules()] == [1, 2, 3]
    actions = [e.action for e in AuditEvent.select().where(AuditEvent.target_kind == "rule")]
    assert actions[-4:] == ["rule.create", "rule.move", "rule.change", "rule.delete"]
    with pytest.raises(PermissionDenied):
        Gate(demo_db, "vic").rules.create_rule("B", on="created", actions=["priority:high"])


@pytest.mark.parametrize(
    ("on", "every", "conditions", "actions", "says"),
    [
        ("created", None, [], [], "at least one action"),
        ("soon", None, [], ["priority:high"], "unknown event"),
        ("created", None, ["colour=red"], ["priority:high"], "unknown condition"),
        ("created", None, ["hours=inside"], ["priority:high"], "needs calendar"),
        ("created", None, ["idle=7d"], ["priority:high"], "for time rules"),
        (None, "1h", ["idle=7d"], ["status:closed"], "needs status"),
        ("created", None, [], ["priority:enormous"], "not a priority"),
        ("created", None, [], ["dance:now"], "unknown action"),
        (None, "soon", ["status=resolved", "idle=7d"], ["status:closed"], "not a span of time"),
    ],
)
def test_bad_rules_are_one_line_and_change_nothing(
    ada: Gate, on, every, conditions, actions, says
) -> None:
    count = Rule.select().count()
    with pytest.raises(InvalidInput, match=says):
        ada.rules.create_rule("Bad", on=on, every=every, conditions=conditions, actions=actions)
    assert Rule.select().count() == count


def test_inside_and_outside_business_hours() -> None:
    office = Calendar("Europe/Warsaw", (((480, 960),),) * 5 + ((), ()))
    facts = Facts(1, "s", "open", "normal", 1, None, 2, None, datetime(2026, 11, 4, 8))
    inside: list[Kept] = [{"key": "calendar", "id": 7}, {"key": "hours", "value": "inside"}]
    outside: list[Kept] = [{"key": "calendar", "id": 7}, {"key": "hours", "value": "outside"}]
    working = Clock(datetime(2026, 11, 4, 12, 0), {7: office})  # 13:00 in Warsaw, Wednesday
    night = Clock(datetime(2026, 11, 4, 22, 0), {7: office})
    assert holds(inside, facts, working) and not holds(outside, facts, working)
    assert holds(outside, facts, night) and not holds(inside, facts, night)
