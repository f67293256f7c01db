"""Rules on imported mail, as a property: random new mails and a random set of rules (owned by
the administrator and by a person short of some rights, so that some actions are refused, and
rules that set each other off for the bounded rounds) leave the same tickets (their due times
too), messages, notifications (of `notify:` and of notes' mentions) and audit log whether the
mails are imported in one batch (the rules then run over many tickets, a few per write
transaction: `rule_runner.BATCH_CHUNK`, an action on all the tickets of a chunk at once:
`rule_batch`) or one message at a time with each action the gate's one-ticket call; and the
audit log's hash chain stays whole. Each example runs in a transaction rolled back at its end,
both imports in savepoints of it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import peewee
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from access import Gate, audit, due_times, rule_runner
from access.audit import verify_chain
from access.catalogue import PERMISSIONS
from mail.channel import MailChannel
from store.models import AuditEvent, Message, Person, Ticket
from store.notification_models import Notification
from store.rows import tuple_rows
from store.tag_models import Tag, TicketTag
from tests import builders
from tests.access.test_gate_statements import statements
from tests.mail.test_mail_hostile import poison_trigger
from tests.mail_support import customer_mail, mail_helpdesk

WORDS = ["refund", "parcel", "invoice", "broken", "order"]
SENDERS = ["jan@example.pl", "ola@example.de", "max@example.com"]
ACTIONS = [
    "priority:high",
    "priority:low",
    "status:pending",
    "tag:seen",
    "untag:seen",
    "note:seen by a rule",
    "note:for @agent and @limited",  # limited sees only Returns: refused elsewhere
    "notify:limited",
    "notify:supervisors",
    "assign:agent",
    "move:Returns",
    "reply:Got it",
]
TRIGGERS = ["created", "priority", "status"]
# The limited owner lacks these: its rules' actions needing them are refused and audited. It
# sees only the tickets of its group, Returns: those a rule moved there.
WITHHELD = {"tickets.change_status", "tickets.assign"}


@pytest.fixture
def desk(db: peewee.Database) -> Gate:
    return make_desk(db)


def make_desk(db: peewee.Database, clock: Callable[[], datetime] | None = None) -> Gate:
    """The help desk of these tests, its gate on `clock` (the wall clock unless given)."""
    gate = mail_helpdesk(db, clock=clock)
    agent = builders.person("agent")
    limited = builders.person("limited")
    builders.role("Agent", [p for p in PERMISSIONS if p.startswith("tickets.")], holders=[agent])
    rights = sorted(set(PERMISSIONS) - WITHHELD)
    builders.role("Limited", rights, scope="usergroups", holders=[limited])
    gate.groups.create_group("Returns")
    gate.groups.add_member("Returns", "agent")
    gate.groups.add_member("Returns", "limited")
    gate.groups.add_supervisor("Returns", "agent")
    gate.groups.add_supervisor("Returns", "limited")
    # The tickets' due times follow their priority, which the rules change.
    targets = {"first_response": ["4h", "high=1h"], "resolution": ["2d", "high=8h"]}
    gate.calendars.create_calendar("Always", zone="UTC", hours="mon-sun 00:00-24:00")
    gate.sla.create_policy("Support", calendar="Always", targets=targets)
    gate.replies.add_reply("Got it", "We have your message about {{ticket.subject}}.")
    return gate


rules = st.lists(
    st.tuples(
        st.sampled_from(TRIGGERS),
        st.sampled_from([None, *WORDS, "priority=high", "priority=low"]),
        st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=2, unique=True),
        st.sampled_from(["ada", "limited"]),
    ),
    min_size=1,
    max_size=5,
)
mails = st.lists(
    st.tuples(st.sampled_from(SENDERS), st.lists(st.sampled_from(WORDS), max_size=4)),
    min_size=1,
    max_size=7,
)


# Each property's examples: the database fixture is the test's, rolled back per example.
EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@EXAMPLES
@given(drawn_rules=rules, drawn_mails=mails)
def test_rules_on_a_batch_do_what_they_do_one_message_at_a_time(
    db: peewee.Database,
    desk: Gate,
    monkeypatch: pytest.MonkeyPatch,
    drawn_rules: list[tuple[str, str | None, list[str], str]],
    drawn_mails: list[tuple[str, list[str]]],
) -> None:
    monkeypatch.setattr(rule_runner, "BATCH_CHUNK", 2)  # several chunks in a batch
    raw = _mails(drawn_mails)
    with db.atomic() as example:
        _create_rules(db, drawn_rules)
        batched = _imported(db, desk, monkeypatch, [raw], one_at_a_time=False)
        one_by_one = _imported(db, desk, monkeypatch, [[mail] for mail in raw], one_at_a_time=True)
        assert batched == one_by_one
        example.rollback()


AUTOMATIC = ["assign:round-robin:Returns", "assign:least-loaded:Returns", "assign:round-robin"]


@EXAMPLES
@given(
    drawn_rules=st.lists(
        st.tuples(
            st.sampled_from(TRIGGERS),
            st.sampled_from([None, *WORDS, "priority=high"]),
            st.lists(st.sampled_from(ACTIONS + AUTOMATIC * 3), min_size=1, max_size=2, unique=True),
            st.sampled_from(["ada", "limited"]),
        ),
        min_size=1,
        max_size=4,
    ),
    drawn_mails=mails,
    cap=st.sampled_from([0, 1, 2]),
)
def test_each_action_on_a_chunk_does_what_the_one_ticket_calls_do_in_order(
    db: peewee.Database,
    desk: Gate,
    monkeypatch: pytest.MonkeyPatch,
    drawn_rules: list[tuple[str, str | None, list[str], str]],
    drawn_mails: list[tuple[str, list[str]]],
    cap: int,
) -> None:
    """In one batch, a rule's action on all its tickets at once (`rule_batch`, `rule_assign`)
    leaves what the gate's one-ticket calls leave taken ticket by ticket in the same order:
    round-robin's cursor and least-loaded's counts followed from ticket to ticket, a group's
    cap of open tickets too."""
    monkeypatch.setattr(rule_runner, "BATCH_CHUNK", 3)
    raw = _mails(drawn_mails)
    with db.atomic() as example:
        for name in ("bo", "cy"):  # more agents of Returns: whom round-robin gives to varies
            desk.people.add_person(name, name.title())
            desk.roles.grant_role(name, "Agent")
            desk.groups.add_member("Returns", name)
        if cap:
            desk.availability.set_group_assignment("Returns", cap=cap)
        _create_rules(db, drawn_rules)
        batched = _imported(db, desk, monkeypatch, [raw], one_at_a_time=False)
        assert batched == _imported(db, desk, monkeypatch, [raw], one_at_a_time=True)
        example.rollback()


def _mails(drawn: list[tuple[str, list[str]]]) -> list[bytes]:
    return [
        customer_mail(" ".join(words) or "hello", sender=sender, subject=f"mail {n}")
        for n, (sender, words) in enumerate(drawn)
    ]


def _create_rules(db: peewee.Database, drawn: list[tuple[str, str | None, list[str], str]]) -> None:
    for n, (trigger, condition, actions, owner) in enumerate(drawn):
        conditions = (
            [] if condition is None else [condition if "=" in condition else f"words={condition}"]
        )
        Gate(db, owner).rules.create_rule(
            f"rule {n}", on=trigger, conditions=conditions, actions=actions
        )


def _imported(
    db: peewee.Database,
    desk: Gate,
    monkeypatch: pytest.MonkeyPatch,
    batches: list[list[bytes]],
    *,
    one_at_a_time: bool,
) -> dict[str, Any]:
    """What importing `batches` leaves (`_state`), rolled back after; `one_at_a_time`: each
    action on each ticket by the gate's one-ticket call."""
    source = desk.mailboxes.mail_source("Support")
    with db.atomic() as run, monkeypatch.context() as patched:
        if one_at_a_time:
            patched.setattr(rule_runner, "batched", lambda _action: False)
        first = Ticket.select(peewee.fn.MAX(Ticket.number)).scalar() or 0
        events = AuditEvent.select(peewee.fn.MAX(AuditEvent.id)).scalar() or 0
        for batch in batches:
            MailChannel(desk).import_messages(source, _numbered(batch), lambda _line: None)
        assert verify_chain() is None
        state = _state(first, events)
        run.rollback()
    return state


def _numbered(batch: list[bytes]) -> Iterator[tuple[str, bytes]]:
    return ((f"mail {n}", mail) for n, mail in enumerate(batch))


def _state(first: int, events: int) -> dict[str, Any]:
    """The run's tickets, messages and audit events, ticket numbers counted from the run's
    first (PostgreSQL's sequences do not roll back), people by name and due times in minutes
    after the ticket was made."""
    first = Ticket.select(peewee.fn.MIN(Ticket.number)).where(Ticket.number > first).scalar() - 1

    def number(n: int | None) -> int | None:
        return None if n is None else n - first

    def text(value: str) -> str:
        return re.sub(r"#(\d+)", lambda m: f"#{int(m.group(1)) - first}", value)

    names = dict(tuple_rows(Person.select(Person.id, Person.username)))

    def minutes(due: datetime | None, created: datetime) -> int | None:
        return None if due is None else round((due - created).total_seconds() / 60)

    tickets = [
        (
            number(n),
            subject,
            status,
            priority,
            group,
            names.get(assignee),
            version,
            policy,
            *(minutes(due, created) for due in dues),
        )
        for n, subject, status, priority, group, assignee, version, policy, created, *dues in (
            tuple_rows(
                Ticket.select(
                    Ticket.number,
                    Ticket.subject,
                    Ticket.status,
                    Ticket.priority,
                    Ticket.usergroup,
                    Ticket.assignee,
                    Ticket.version,
                    Ticket.sla_policy,
                    Ticket.created_at,
                    Ticket.first_response_due,
                    Ticket.next_response_due,
                    Ticket.resolution_due,
                )
                .where(Ticket.number > first)
                .order_by(Ticket.number)
            )
        )
    ]
    tags = sorted(
        (number(n), name)
        for n, name in tuple_rows(
            TicketTag.select(TicketTag.ticket, Tag.name)
            .join(Tag, on=(TicketTag.tag == Tag.id))
            .where(TicketTag.ticket > first)
        )
    )
    messages = [
        (number(n), kind, body, names.get(author))
        for n, kind, body, author in tuple_rows(
            Message.select(Message.ticket, Message.kind, Message.body, Message.author)
            .where(Message.ticket > first)
            .order_by(Message.id)
        )
    ]
    by_ticket: dict[int | None, list[tuple[Any, ...]]] = {}
    for actor, action, kind, target, ticket, before, after in tuple_rows(
        AuditEvent.select(
            AuditEvent.actor,
            AuditEvent.action,
            AuditEvent.target_kind,
            AuditEvent.target_id,
            AuditEvent.ticket,
            AuditEvent.before,
            AuditEvent.after,
        )
        .where(AuditEvent.id > events)
        .order_by(AuditEvent.id)
    ):
        target = number(target) if kind == "ticket" else target if kind == "rule" else None
        event = (names.get(actor), action, kind, target, text(before), text(after))
        by_ticket.setdefault(number(ticket), []).append(event)
    untied = sorted(by_ticket.pop(None, []), key=json.dumps)
    notifications = sorted(
        (names[person], number(n), event, names.get(actor), message is None, in_app, mail, rule)
        for person, n, event, actor, message, in_app, mail, rule in tuple_rows(
            Notification.select(
                Notification.person,
                Notification.ticket,
                Notification.event,
                Notification.actor,
                Notification.message,
                Notification.in_app,
                Notification.mail_state,
                Notification.rule,
            ).where(Notification.ticket > first)
        )
    )
    return {
        "notifications": notifications,
        "tickets": tickets,
        "tags": tags,
        "messages": sorted(messages, key=lambda m: m[0] or 0),
        "audit by ticket": by_ticket,
        "audit of no ticket": untied,
    }


def test_a_batchs_rules_take_its_tickets_batch_chunk_at_a_time_other_events_round_chunk(
    db: peewee.Database, desk: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rules a mail batch sets off run `BATCH_CHUNK` tickets per write transaction (its
    filing held the lock over the whole batch), and so do the rounds they cause; a change's
    rules, and those of a batch retaken message by message, `ROUND_CHUNK`."""
    monkeypatch.setattr(rule_runner, "BATCH_CHUNK", 4)
    monkeypatch.setattr(rule_runner, "ROUND_CHUNK", 2)
    chunks: list[int] = []
    original = rule_runner.Cascade.chunk_transaction

    def counted(cascade: rule_runner.Cascade, words_foldable: bool = False) -> Any:
        chunks.append(cascade.chunk)
        return original(cascade, words_foldable)

    monkeypatch.setattr(rule_runner.Cascade, "chunk_transaction", counted)
    desk.rules.create_rule("Urgent", on="created", actions=["priority:high"])
    desk.rules.create_rule("Seen", on="priority", actions=["tag:seen"])
    source = desk.mailboxes.mail_source("Support")
    mails = [customer_mail("hello", subject=f"{n}") for n in range(7)]
    MailChannel(desk).import_messages(source, _numbered(mails), lambda _line: None)
    assert chunks == [4, 4, 4, 4]  # 7 tickets created, then their priorities: 4 and 3 each
    assert TicketTag.select().count() == 7

    chunks.clear()
    numbers = [number for (number,) in tuple_rows(Ticket.select(Ticket.number))]
    desk.changes.apply_bulk("priority", numbers, "low")
    assert chunks == [2, 2, 2, 2]

    chunks.clear()
    poison_trigger(db)  # the batch's filing fails at its second message: retaken one by one
    mails = [customer_mail(body, subject=body) for body in ("hello", "poison", "thanks")]
    monkeypatch.setattr(rule_runner, "ROUND_CHUNK", 1)
    counts = MailChannel(desk).import_messages(source, _numbered(mails), lambda _line: None)
    assert counts == {"new": 2, "quarantined": 1}
    assert chunks == [1, 1, 1, 1]


def test_refusals_and_sight_in_a_batch_are_each_tickets_own(
    db: peewee.Database, desk: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refusal rolls its action back inside the chunk's transaction, and the audit chain's
    head the transaction keeps goes back with it; whether an owner sees a ticket is read per
    ticket, again once a rule moved it."""
    monkeypatch.setattr(rule_runner, "BATCH_CHUNK", 3)
    desk.rules.create_rule("Returns", on="created", conditions=["words=refund"],
                           actions=["move:Returns"])  # fmt: skip
    Gate(db, "limited").rules.create_rule(
        "Urgent", on="created", actions=["tag:limited", "priority:high"]
    )
    desk.rules.create_rule("Seen", on="created", actions=["note:seen"])
    source = desk.mailboxes.mail_source("Support")
    mails = [customer_mail("refund" if n % 2 == 0 else "hello", subject=f"{n}") for n in range(7)]
    MailChannel(desk).import_messages(source, _numbered(mails), lambda _line: None)
    tagged = TicketTag.select(Ticket.subject).join(Ticket, on=(TicketTag.ticket == Ticket.number))
    assert sorted(s for (s,) in tuple_rows(tagged)) == ["0", "2", "4", "6"]
    actions = [a for (a,) in tuple_rows(AuditEvent.select(AuditEvent.action))]
    assert actions.count("rule.skipped") == 4  # limited may not set the priority
    assert actions.count("rule.acted") == 4 + 4 + 7
    assert not Ticket.select().where(Ticket.priority == "high").exists()
    assert verify_chain() is None


def test_a_rules_actions_on_a_chunk_cost_statements_that_do_not_grow_with_its_tickets(
    db: peewee.Database, desk: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each action of a rule is one pass over all the tickets of a chunk it matched: the
    statements of the rules' run are the same for 3 mails and for 12."""
    desk.rules.create_rule("Refunds", on="created", conditions=["words=refund"],
                           actions=["priority:high", "tag:refund", "move:Returns"])  # fmt: skip
    desk.rules.create_rule("Ack", on="created", actions=["reply:Got it", "note:acknowledged"])
    source = desk.mailboxes.mail_source("Support")
    counted: list[int] = []
    run = rule_runner._run

    def counting(*args: Any) -> None:
        with statements(db, monkeypatch) as done:
            run(*args)
        counted[-1] += len(done)

    monkeypatch.setattr(rule_runner, "_run", counting)
    for count in (3, 12):
        counted.append(0)
        mails = [customer_mail(f"refund {n}", sender=f"c{n}@example.org") for n in range(count)]
        MailChannel(desk).import_messages(source, _numbered(mails), lambda _line: None)
    first, second = counted
    assert Ticket.select().where(Ticket.priority == "high").count() == 15
    assert Message.select().where(Message.kind == "reply").count() == 15
    assert first == second, counted


def test_a_chunks_audit_events_are_written_together_and_chained(
    db: peewee.Database, desk: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The events of every action of a chunk (the change's own and `rule.acted`) are held and
    written together before it commits, in the order of the chain."""
    desk.rules.create_rule("Refunds", on="created", conditions=["words=refund"],
                           actions=["priority:high", "tag:refund", "move:Returns"])  # fmt: skip
    desk.rules.create_rule("Ack", on="created", actions=["reply:Got it", "note:acknowledged"])
    source = desk.mailboxes.mail_source("Support")
    run = rule_runner._run
    inserts: list[int] = []

    def counting(*args: Any) -> None:
        with statements(db, monkeypatch) as done:
            run(*args)
        inserts.append(sum('INSERT INTO "audit_event"' in sql for sql in done))

    monkeypatch.setattr(rule_runner, "_run", counting)
    mails = [customer_mail(f"refund {n}", sender=f"c{n}@example.org") for n in range(4)]
    MailChannel(desk).import_messages(source, _numbered(mails), lambda _line: None)
    acted = AuditEvent.select().where(AuditEvent.action == "rule.acted").count()
    assert acted == 4 * 5
    assert inserts[0] == 1 and sum(inserts) == 1, inserts
    assert verify_chain() is None


def test_a_chunks_held_events_are_in_the_log_when_its_due_times_are_read(
    db: peewee.Database, desk: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The due times a chunk's actions move are measured from the audit log: the events the
    chunk holds are written first."""
    desk.rules.create_rule("Refunds", on="created", conditions=["words=refund"],
                           actions=["tag:refund", "priority:high"])  # fmt: skip
    read = due_times.read_state
    unwritten: list[int] = []

    def reading(*args: Any) -> Any:
        unwritten.append(len(audit._thread_rows() or []))
        return read(*args)

    monkeypatch.setattr(due_times, "read_state", reading)
    source = desk.mailboxes.mail_source("Support")
    mails = [customer_mail(f"refund {n}", sender=f"c{n}@example.org") for n in range(3)]
    MailChannel(desk).import_messages(source, _numbered(mails), lambda _line: None)
    assert Ticket.select().where(Ticket.priority == "high").count() == 3
    assert len(unwritten) >= 2 and set(unwritten) == {0}, unwritten
