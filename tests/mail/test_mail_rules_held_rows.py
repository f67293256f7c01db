"""A rule chunk's ticket rows held and written once (`access.rule_writes`): random rules on
random mail leave every column of every ticket (its time and version included), its tags,
messages, notifications, tallies and audit log as they are when each action writes its rows at
once, on a clock that moves at every read, so each action's time is its own; and a chunk whose
rules change a ticket several times writes its rows in one UPDATE."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import peewee
import pytest
from hypothesis import given

from access import Gate, rule_batch, rule_runner
from access.rule_writes import HeldTicketWrites
from mail.channel import MailChannel
from store.errors import TickettyError
from store.models import AuditEvent, Message, Person, Ticket
from store.rows import dict_rows, tuple_rows
from store.tag_models import TicketTag
from store.tallies import VIEW_COLUMNS
from tests.access.test_gate_statements import statements
from tests.mail.test_mail_rules_batched import (
    EXAMPLES,
    _create_rules,
    _mails,
    _numbered,
    _state,
    mails,
    make_desk,
    rules,
)
from tests.mail_support import customer_mail

START = datetime(2026, 3, 2, 9, 0)


class TickingClock:
    """A clock one millisecond later at every read, from `START` again after `reset`."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now

    def reset(self) -> None:
        self.now = START


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock()


@pytest.fixture
def ticking_desk(db: peewee.Database, clock: TickingClock) -> Gate:
    return make_desk(db, clock)


@EXAMPLES
@given(drawn_rules=rules, drawn_mails=mails)
def test_held_rows_leave_what_rows_written_at_once_leave(
    db: peewee.Database,
    ticking_desk: Gate,
    clock: TickingClock,
    monkeypatch: pytest.MonkeyPatch,
    drawn_rules: list[tuple[str, str | None, list[str], str]],
    drawn_mails: list[tuple[str, list[str]]],
) -> None:
    monkeypatch.setattr(rule_runner, "BATCH_CHUNK", 3)
    raw = _mails(drawn_mails)
    with db.atomic() as example:
        _create_rules(db, drawn_rules)
        held = _imported(db, ticking_desk, clock, monkeypatch, raw, at_once=False)
        at_once = _imported(db, ticking_desk, clock, monkeypatch, raw, at_once=True)
        assert held == at_once
        example.rollback()


def _imported(
    db: peewee.Database,
    desk: Gate,
    clock: TickingClock,
    monkeypatch: pytest.MonkeyPatch,
    raw: list[bytes],
    *,
    at_once: bool,
) -> dict[str, Any]:
    """What importing `raw` in one batch leaves, rolled back after; `at_once`: each held
    change written as soon as it is held."""
    source = desk.mailboxes.mail_source("Support")
    add = HeldTicketWrites.add

    def writing(self: HeldTicketWrites, *args: Any) -> None:
        add(self, *args)
        self.write()

    with db.atomic() as run, monkeypatch.context() as patched:
        if at_once:
            patched.setattr(HeldTicketWrites, "add", writing)
        clock.reset()
        first = Ticket.select(peewee.fn.MAX(Ticket.number)).scalar() or 0
        events = AuditEvent.select(peewee.fn.MAX(AuditEvent.id)).scalar() or 0
        tallies = _tallies()
        MailChannel(desk).import_messages(source, _numbered(raw), lambda _line: None)
        state = _state(first, events) | _times(first, events)
        state["tallies"] = _tallies() - tallies
        run.rollback()
    return state


def _times(first: int, events: int) -> dict[str, Any]:
    """Every column of the run's tickets (numbers from the run's first, people by name), the
    times of the messages and of the audit events (those the gate's clock gave: a rule's
    refusal is logged at the wall clock's time)."""
    offset = Ticket.select(peewee.fn.MIN(Ticket.number)).where(Ticket.number > first).scalar()
    names = dict(tuple_rows(Person.select(Person.id, Person.username)))
    tickets = [
        {
            **row,
            "number": row["number"] - offset,
            "requester": names[row["requester"]],
            "assignee": names.get(row["assignee"]),
        }
        for row in dict_rows(Ticket.select().where(Ticket.number > first).order_by(Ticket.number))
    ]
    messages = list(
        tuple_rows(
            Message.select(Message.created_at).where(Message.ticket > first).order_by(Message.id)
        )
    )
    logged = [
        at if at < START + timedelta(days=1) else "wall"
        for (at,) in tuple_rows(
            AuditEvent.select(AuditEvent.at).where(AuditEvent.id > events).order_by(AuditEvent.id)
        )
    ]
    return {"ticket rows": tickets, "message times": messages, "audit times": logged}


class Tallies(dict[tuple[Any, ...], int]):
    """The view tallies' counts by their columns."""

    def __sub__(self, other: Tallies) -> dict[tuple[Any, ...], int]:
        keys = set(self) | set(other)
        return {
            k: self.get(k, 0) - other.get(k, 0) for k in keys if self.get(k, 0) != other.get(k, 0)
        }


def _tallies() -> Tallies:
    db = Ticket._meta.database
    found = db.execute_sql(
        f"SELECT {VIEW_COLUMNS}, SUM(n) FROM view_tally GROUP BY {VIEW_COLUMNS}"
    ).fetchall()
    return Tallies({tuple(row[:-1]): int(row[-1]) for row in found})


def test_a_chunks_changes_of_a_ticket_are_one_update(
    db: peewee.Database, ticking_desk: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three rules changing each ticket of a chunk (the priority, a tag, a note), and a fourth
    setting the same priority again: one UPDATE of the ticket rows, with their due times, where
    each action wrote its own before; the rows as the actions left them."""
    desk = ticking_desk
    for n, action in enumerate(["priority:high", "tag:refund", "note:seen", "priority:high"]):
        desk.rules.create_rule(f"rule {n}", on="created", conditions=["words=refund"],
                               actions=[action])  # fmt: skip
    source = desk.mailboxes.mail_source("Support")
    run = rule_runner._run
    updates: list[int] = []

    def counting(*args: Any) -> None:
        with statements(db, monkeypatch) as done:
            run(*args)
        updates.append(sum(sql.startswith('UPDATE "ticket" ') for sql in done))

    monkeypatch.setattr(rule_runner, "_run", counting)
    mails = [customer_mail(f"refund {n}", sender=f"c{n}@example.org") for n in range(4)]
    MailChannel(desk).import_messages(source, _numbered(mails), lambda _line: None)
    assert updates[0] == 1 and sum(updates) == 1, updates
    rows = list(tuple_rows(Ticket.select(Ticket.priority, Ticket.version)))
    assert rows == [("high", 4)] * 4, rows  # filed, then the priority, the tag and the note
    acted = AuditEvent.select().where(AuditEvent.action == "rule.acted").count()
    assert acted == 4 * 3


def test_a_rolled_back_actions_held_rows_are_dropped(
    db: peewee.Database, ticking_desk: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An action whose savepoint rolls back leaves nothing held: the tickets' rows are those
    of the actions before it."""
    desk = ticking_desk
    desk.rules.create_rule("first", on="created", conditions=["words=refund"],
                           actions=["priority:high"])  # fmt: skip
    desk.rules.create_rule("second", on="created", conditions=["words=refund"],
                           actions=["tag:refund"])  # fmt: skip
    apply = rule_batch.apply_many

    def failing(request: Any, numbers: Any, action: Any, *args: Any) -> Any:
        done = apply(request, numbers, action, *args)
        if action["do"] == "tag":
            raise TickettyError("the tag's savepoint rolls back")
        return done

    monkeypatch.setattr(rule_runner, "apply_many", failing)
    source = desk.mailboxes.mail_source("Support")
    mails = [customer_mail(f"refund {n}", sender=f"c{n}@example.org") for n in range(3)]
    MailChannel(desk).import_messages(source, _numbered(mails), lambda _line: None)
    rows = list(tuple_rows(Ticket.select(Ticket.priority, Ticket.version)))
    assert rows == [("high", 2)] * 3, rows
    assert not TicketTag.select().exists()


def test_a_later_rule_sees_what_an_earlier_one_held(
    db: peewee.Database, ticking_desk: Gate, clock: TickingClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The facts a rule tests are the rows as the chunk's held changes leave them: the
    priority an earlier rule set, and the time of its change."""
    desk = ticking_desk
    desk.rules.create_rule("urgent", on="created", conditions=["words=refund"],
                           actions=["priority:high"])  # fmt: skip
    desk.rules.create_rule("seen", on="created", conditions=["priority=high"],
                           actions=["tag:seen"])  # fmt: skip
    read = rule_runner.read_facts
    read_facts: list[dict[int, Any]] = []  # as the runner left them: held values laid over

    def reading(numbers: Any, needs: Any) -> Any:
        read_facts.append(read(numbers, needs))
        return read_facts[-1]

    monkeypatch.setattr(rule_runner, "read_facts", reading)
    source = desk.mailboxes.mail_source("Support")
    mails = [customer_mail(f"refund {n}", sender=f"c{n}@example.org") for n in range(2)]
    MailChannel(desk).import_messages(source, _numbered(mails), lambda _line: None)
    assert TicketTag.select().count() == 2
    written = [at for (at,) in tuple_rows(Ticket.select(Ticket.updated_at).order_by(Ticket.number))]
    seen = [[facts[n].updated_at for n in sorted(facts)] for facts in read_facts]
    assert seen[-1] == written and seen[-2] < written, seen  # after the priority, then the tag
