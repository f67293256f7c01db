"""A rule's newer actions and conditions at the gate: a canned reply sent as an
auto-acknowledgement, a notification to a person or the group's supervisors, tags put on and
taken off through the change pipeline, tag conditions, and time rules that escalate by due
time, once per due time, through the `due_at` index. Each as the rule's owner: what the owner
may not do, the rule does not."""

from __future__ import annotations

import json
from datetime import timedelta

import peewee
import pytest

from access import Gate, InvalidInput, NotFound, PermissionDenied
from access.catalogue import known
from access.list_views import TicketQuery
from access.notify_events import RULE_NOTICE
from access.rule_conditions import Clock
from access.rule_time import ESCALATION_TRIES, run_due_rules
from access.vocabulary import HIGH, URGENT
from store.models import NO_DUE, AuditEvent, Message, Person, RolePermission, Ticket, utcnow
from store.notification_models import Notification
from store.rows import tuple_rows
from store.rule_models import Rule, RuleRetry
from store.tag_models import Tag, TicketTag
from tests import builders
from wording.notification_text import notification_sentence

DEMO_RULES = ("Returns round-robin", "Refund triage", "Auto-close")


@pytest.fixture
def ada(demo_db: peewee.Database) -> Gate:
    gate = Gate(demo_db, "ada")
    for name in DEMO_RULES:
        gate.rules.set_rule_active(name, False)
    return gate


def tags_of(number: int) -> set[str]:
    rows = (
        TicketTag.select(Tag.name)
        .join(Tag, on=(TicketTag.tag == Tag.id))
        .where(TicketTag.ticket == number)
    )
    return {name for (name,) in tuple_rows(rows)}


def notified(number: int) -> list[str]:
    rows = (
        Notification.select(Person.username)
        .join(Person, on=(Notification.person == Person.id))
        .where((Notification.ticket == number) & (Notification.event == RULE_NOTICE))
        .order_by(Person.username)
    )
    return [name for (name,) in tuple_rows(rows)]


def skipped() -> list[str]:
    query = AuditEvent.select(AuditEvent.after).where(AuditEvent.action == "rule.skipped")
    return [after for (after,) in tuple_rows(query.order_by(AuditEvent.id))]


def test_a_canned_reply_acknowledges_a_new_ticket_filled_for_it(ada: Gate) -> None:
    ada.rules.create_rule(
        "Ack", on="created", conditions=["words=refund"], actions=["reply:Refund approved"]
    )
    assert ada.rules.get_rule("Ack").actions == ("reply:Refund approved",)
    number = ada.filing.create_ticket("Refund please", "my order", group="Returns")
    (reply,) = Message.select().where((Message.ticket == number) & (Message.kind == "reply"))
    assert f"your refund for #{number} is approved" in reply.body
    assert "{{" not in reply.body
    other = ada.filing.create_ticket("Hello", "a question", group="Returns")
    assert (
        not Message.select().where((Message.ticket == other) & (Message.kind == "reply")).exists()
    )


def test_the_words_of_several_rules_notes_and_reply_are_found_once_the_chunk_ends(
    ada: Gate,
) -> None:
    """Several rules write messages on one ticket: their words are held back in the chunk
    (PostgreSQL) and are all in the ticket's documents when it commits, a note's for agents."""
    ada.rules.create_rule("First", on="created", actions=["note:wombat checked"])
    ada.rules.create_rule("Second", on="created", actions=["note:platypus too"])
    ada.rules.create_rule("Ack", on="created", actions=["reply:Refund approved"])
    number = ada.filing.create_ticket("Refund please", "my order", group="Returns")
    assert Message.select().where(Message.ticket == number).count() == 4
    for word in ("wombat", "platypus", "approved", "order"):
        found = [t.number for t in ada.inbox.list_tickets(TicketQuery(search=word), limit=500)]
        assert number in found, word


def test_a_canned_reply_offered_elsewhere_or_deleted_is_skipped_and_said(ada: Gate) -> None:
    ada.rules.create_rule("Label", on="created", actions=["reply:Return label"])
    number = ada.filing.create_ticket("Where to send", "?", group="Accounting")
    assert (
        not Message.select().where((Message.ticket == number) & (Message.kind == "reply")).exists()
    )
    assert "no canned reply named 'Return label'" in skipped()[-1]
    ada.replies.remove_reply("Return label")
    assert ada.rules.get_rule("Label").actions[0].startswith("reply:(deleted canned reply")
    number = ada.filing.create_ticket("Where", "?", group="Returns")
    assert "was deleted" in skipped()[-1]


def test_notify_a_person_and_the_groups_supervisors(ada: Gate) -> None:
    ada.rules.create_rule(
        "Tell",
        on="created",
        conditions=["group=Returns"],
        actions=["notify:ola", "notify:supervisors"],
    )
    number = ada.filing.create_ticket("Broken", "parcel", group="Returns")
    assert notified(number) == ["ola", "sam"]
    notices = Notification.select().where(
        (Notification.ticket == number) & (Notification.event == RULE_NOTICE)
    )
    assert {n.rule for n in notices} == {"Tell"}
    assert ada.rules.get_rule("Tell").actions == ("notify:ola", "notify:supervisors")


def test_nobody_learns_of_a_ticket_they_cannot_see_through_a_notice(ada: Gate) -> None:
    ada.rules.create_rule("Tell ali", on="created", actions=["notify:ali"])
    number = ada.filing.create_ticket("Hidden", "from the phone", source="Phone", group="Returns")
    assert notified(number) == []
    assert "ali cannot see" in skipped()[-1]


def test_notify_as_a_call_needs_rules_edit_a_rule_of_ones_own_and_sight_of_the_ticket(
    ada: Gate, demo_db: peewee.Database
) -> None:
    number = ada.filing.create_ticket("Hidden", "x", source="Phone", group="Returns")
    ada.rules.create_rule("Tell", on="status", actions=["notify:ola"])
    ola = Gate(demo_db, "ola")
    with pytest.raises(PermissionDenied, match=r"rules\.edit"):
        ola.rules.notify(number, "ada", "Tell")  # sees the ticket, may not edit rules
    ali = Gate(demo_db, "ali")
    builders.role("Rule writers", ["rules.edit"], holders=[Person.get(username="ali").id])
    ali.rules.create_rule("Ali tells", on="status", actions=["notify:ada"])
    with pytest.raises(NotFound):
        ali.rules.notify(number, "ada", "Ali tells")  # cannot see it
    with pytest.raises(PermissionDenied, match="not yours"):
        ali.rules.notify(number, "ada", "Tell")
    assert ada.rules.notify(number, "ola", "Tell") == ["ola"]
    (notice,) = ola.notifications.list_notifications()
    assert notification_sentence(notice) == f"rule Tell points you to #{number}"


def test_tags_put_on_and_taken_off_and_tested(ada: Gate) -> None:
    ada.rules.create_rule(
        "Tag refunds", on="created", conditions=["words=refund"], actions=["tag:refund"]
    )
    ada.rules.create_rule(
        "Urgent refunds",
        on="created",
        conditions=["tag=refund,vip", "no-tag=ignored"],
        actions=["priority:urgent", "untag:refund", "tag:seen"],
    )
    number = ada.filing.create_ticket("Refund", "now", group="Returns")
    assert tags_of(number) == {"seen"}
    assert Ticket.get_by_id(number).priority == URGENT
    tagged = AuditEvent.select().where(
        (AuditEvent.ticket == number) & AuditEvent.action.in_(["ticket.tag", "ticket.untag"])
    )
    assert tagged.count() == 3
    plain = ada.filing.create_ticket("Other", "x", group="Returns")
    assert tags_of(plain) == set() and Ticket.get_by_id(plain).priority != URGENT


def test_a_tag_action_the_owner_may_not_do_is_skipped(ada: Gate, demo_db: peewee.Database) -> None:
    ada.roles.create_role("Rule writer", ["rules.list", "rules.edit"])
    ada.roles.grant_role("vic", "Rule writer")
    Gate(demo_db, "vic").rules.create_rule("Vic tags", on="created", actions=["tag:vic"])
    number = ada.filing.create_ticket("Tag me", "x", group="Returns")
    assert tags_of(number) == set()
    assert "rule Vic tags skipped" in skipped()[-1]


def test_bad_new_conditions_and_actions_are_one_line(ada: Gate) -> None:
    for conditions, actions in [
        (["tag=a b"], ["priority:high"]),
        (["tag=,"], ["priority:high"]),
        ([], ["reply:No such reply"]),
        ([], ["notify:nobody"]),
        ([], ["tag:"]),
        (["due=30m"], ["priority:high"]),
    ]:
        with pytest.raises((InvalidInput, NotFound)):
            ada.rules.create_rule("Bad", on="created", conditions=conditions, actions=actions)
    with pytest.raises(InvalidInput):
        ada.rules.create_rule(
            "Bad", every="5m", conditions=["due=30m", "idle=1h"], actions=["priority:high"]
        )


def _due(numbers: list[int], at_minutes: float) -> None:
    due = utcnow() + timedelta(minutes=at_minutes)
    Ticket.update(due_at=due).where(Ticket.number.in_(numbers)).execute()


def test_an_escalation_acts_once_per_due_time_on_the_tickets_in_its_window(ada: Gate) -> None:
    Ticket.update(due_at=NO_DUE).execute()
    ada.rules.create_rule(
        "Escalate", every="5m", conditions=["due=30m"], actions=["tag:escalated", "notify:ola"]
    )
    soon, breached, later = (ada.filing.create_ticket(s, "x", group="Returns") for s in "abc")
    _due([soon], 20)
    _due([breached], -10)
    _due([later], 200)
    assert [t.number for t in ada.rules.try_rule("Escalate", "1d")] == [soon, breached]
    assert ada.rules.run_time_rules() == 2
    assert [tags_of(n) for n in (soon, breached, later)] == [{"escalated"}, {"escalated"}, set()]
    assert notified(soon) == ["ola"]
    # Passes later: what it did is not done again, from the window or from the audit log.
    ada.changes.apply_bulk("untag", [soon], "escalated")
    Rule.update(last_run_at=utcnow() - timedelta(minutes=10)).execute()
    assert ada.rules.run_time_rules() == 0
    Rule.update(last_run_at=None).execute()
    assert ada.rules.run_time_rules() == 0
    assert tags_of(soon) == set()
    # A new due time is a new escalation: the pass of an hour from now.
    _due([soon], 60 + 25)
    Rule.update(last_run_at=None).execute()
    assert run_due_rules(Clock(now=utcnow() + timedelta(hours=1))) == 1
    assert tags_of(soon) == {"escalated"}


def test_an_escalation_sets_the_priority(ada: Gate) -> None:
    Ticket.update(due_at=NO_DUE).execute()
    ada.rules.create_rule("Raise", every="5m", conditions=["due=1h"], actions=["priority:high"])
    number = ada.filing.create_ticket("soon", "x", group="Returns")
    _due([number], 30)
    assert ada.rules.run_time_rules() == 1
    assert Ticket.get_by_id(number).priority == HIGH


def test_breached_means_past_due(ada: Gate) -> None:
    Ticket.update(due_at=NO_DUE).execute()
    ada.rules.create_rule(
        "Breach",
        every="5m",
        conditions=["due=breached", "status=open,new"],
        actions=["move:Accounting"],
    )
    late = ada.filing.create_ticket("late", "x", group="Returns")
    near = ada.filing.create_ticket("near", "x", group="Returns")
    _due([late], -1)
    _due([near], 5)
    assert ada.rules.run_time_rules() == 1
    groups = dict(
        tuple_rows(
            Ticket.select(Ticket.number, Ticket.usergroup).where(Ticket.number.in_([late, near]))
        )
    )
    assert groups[late] != groups[near]


def test_a_due_rule_leaves_resolved_and_closed_tickets_alone(ada: Gate) -> None:
    """A ticket resolved or closed keeps a due time its stopped clock had passed; a new due
    rule (no pass yet: every ticket due by now is new to it) neither lists nor escalates it."""
    Ticket.update(due_at=NO_DUE).execute()
    ada.rules.create_rule("Late", every="5m", conditions=["due=breached"], actions=["tag:late"])
    late, resolved, closed = (ada.filing.create_ticket(s, "x", group="Returns") for s in "abc")
    _due([late, resolved, closed], -60)
    Ticket.update(status="resolved").where(Ticket.number == resolved).execute()
    Ticket.update(status="closed").where(Ticket.number == closed).execute()
    assert [t.number for t in ada.rules.try_rule("Late", "1d")] == [late]
    assert ada.rules.run_time_rules() == 1
    assert [tags_of(n) for n in (late, resolved, closed)] == [{"late"}, set(), set()]


def test_a_pass_goes_on_past_more_tickets_due_at_one_time_than_it_takes(ada: Gate) -> None:
    """Paged by (due time, number): a page full of tickets due at one moment does not make the
    next pass start on the same moment's first tickets again."""
    Ticket.update(due_at=NO_DUE).execute()
    ada.rules.create_rule("Escalate", every="5m", conditions=["due=30m"], actions=["tag:late"])
    numbers = [ada.filing.create_ticket(f"t{n}", "x", group="Returns") for n in range(7)]
    _due(numbers, 20)
    start = utcnow()
    taken = [run_due_rules(Clock(now=start + timedelta(minutes=5 * n)), page=3) for n in range(4)]
    assert taken == [3, 3, 1, 0]
    assert [tags_of(n) for n in numbers] == [{"late"}] * 7
    acted = AuditEvent.select().where(AuditEvent.action == "rule.acted").count()
    assert acted == 7  # each once


def _rita(demo_db: peewee.Database) -> tuple[Gate, int]:
    """`rita` may see tickets, write rules and change priorities (by the role returned)."""
    rita = builders.person("rita")
    role = builders.role(
        "Escalators",
        ["tickets.list", "tickets.view", "rules.list", "rules.edit", "tickets.change_status"],
        holders=[rita],
    )
    return Gate(demo_db, "rita"), role


def _refused_escalation(ada: Gate, demo_db: peewee.Database) -> tuple[int, int]:
    """A ticket due in 20 minutes, and rita's rule raising the priority of tickets due within
    30, which she may not do for now; the ticket and her role."""
    Ticket.update(due_at=NO_DUE).execute()
    rita, role = _rita(demo_db)
    rita.rules.create_rule("Raise", every="5m", conditions=["due=30m"], actions=["priority:high"])
    number = ada.filing.create_ticket("soon", "x", group="Returns")
    _due([number], 20)
    _may_change_priority(role, False)
    return number, role


def _may_change_priority(role: int, allowed: bool) -> None:
    right = RolePermission.permission == known("tickets.change_status")
    if allowed:
        RolePermission.create(role=role, permission=known("tickets.change_status"))
    else:
        RolePermission.delete().where((RolePermission.role == role) & right).execute()


def test_a_refused_escalation_is_tried_again_on_later_passes(
    ada: Gate, demo_db: peewee.Database
) -> None:
    number, role = _refused_escalation(ada, demo_db)
    start = utcnow()
    assert run_due_rules(Clock(now=start)) == 1
    assert run_due_rules(Clock(now=start + timedelta(minutes=5))) == 1  # tried again
    assert Ticket.get_by_id(number).priority != HIGH
    assert len([s for s in skipped() if "rule Raise skipped" in s]) == 2
    _may_change_priority(role, True)
    assert run_due_rules(Clock(now=start + timedelta(minutes=10))) == 1
    assert Ticket.get_by_id(number).priority == HIGH
    assert RuleRetry.select().count() == 0
    assert run_due_rules(Clock(now=start + timedelta(minutes=15))) == 0  # done: once


def test_an_escalation_refused_too_often_is_given_up_and_said(
    ada: Gate, demo_db: peewee.Database
) -> None:
    number, role = _refused_escalation(ada, demo_db)
    start = utcnow()
    passes = [
        run_due_rules(Clock(now=start + timedelta(minutes=5 * n)))
        for n in range(ESCALATION_TRIES + 2)
    ]
    assert passes == [1] * ESCALATION_TRIES + [0, 0]
    (gave_up,) = AuditEvent.select().where(AuditEvent.action == "rule.gave_up")
    assert gave_up.ticket == number
    assert json.loads(gave_up.after).startswith(
        f"rule Raise gave up on #{number} after {ESCALATION_TRIES} refusals: rita lacks "
    )
    assert RuleRetry.select().count() == 0
    # A new due time is a new escalation, with its own tries.
    _may_change_priority(role, True)
    Ticket.update(due_at=start + timedelta(hours=1)).where(Ticket.number == number).execute()
    assert run_due_rules(Clock(now=start + timedelta(minutes=40))) == 1
    assert Ticket.get_by_id(number).priority == HIGH
