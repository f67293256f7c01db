"""Filing a batch of mail with its new rows held back (`store.held_rows`: on PostgreSQL a
table's new requesters, tickets, messages and attachments written in one statement) leaves
the same rows, under the same keys in the same order, as filing the same mails a row at a time:
random mails from new and known senders (two of whose addresses make the same username), some
answering a mail of the same batch (by its Message-ID, or by the `[#n]` tag of a ticket it
made), with attachments, copies and a request for no automatic reply. Each example runs in a
transaction rolled back at its end, both imports in savepoints of it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

import peewee
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from access import Gate, intake, intake_filing
from access.audit import verify_chain
from mail.channel import MailChannel
from store.dialect import is_sqlite
from store.models import Attachment, AuditEvent, MailId, Message, Person, Ticket
from store.rows import tuple_rows
from tests.access.test_gate_statements import statements
from tests.mail_support import SUPPORT, mail_helpdesk

SENDERS = [
    "Jan <jan@example.pl>",
    "Jan Other <jan@example.de>",  # the same username as the first would get
    "Ola <ola@example.de>",
    "Known <known@example.com>",
]
# What a mail does: start a ticket, answer mail n of the batch by its Message-ID, or by the
# `[#n]` tag of the n-th ticket numbered in the run.
KINDS = st.one_of(
    st.just(("new", 0)), st.tuples(st.sampled_from(["reply", "tag"]), st.integers(0, 6))
)
mails = st.lists(
    st.tuples(
        st.sampled_from(SENDERS),
        KINDS,
        st.booleans(),  # an attachment
        st.booleans(),  # a copy to another address
        st.booleans(),  # no automatic reply asked
    ),
    min_size=1,
    max_size=7,
)

AUDITED = ("action", "target_kind", "target_id", "ticket", "before", "after")


@pytest.fixture
def desk(db: peewee.Database) -> Gate:
    gate = mail_helpdesk(db)
    gate.people.add_person("known", "Known", email="known@example.com")
    return gate


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=mails, part=st.sampled_from([1, 3, intake.READ_PART]))
@example(  # answers to tickets of the batch, by tag and by Message-ID; a username taken twice
    drawn=[
        ("Jan <jan@example.pl>", ("new", 0), True, False, False),
        ("Jan <jan@example.pl>", ("tag", 0), False, False, False),
        ("Jan <jan@example.pl>", ("reply", 0), True, True, False),
        ("Ola <ola@example.de>", ("new", 0), False, True, True),
        ("Ola <ola@example.de>", ("tag", 1), True, False, False),
        ("Jan Other <jan@example.de>", ("new", 0), True, True, True),
        ("Known <known@example.com>", ("reply", 5), True, False, False),
    ],
    part=2,
)
def test_a_batch_filed_with_its_rows_held_leaves_what_filing_row_by_row_leaves(
    db: peewee.Database,
    desk: Gate,
    monkeypatch: pytest.MonkeyPatch,
    drawn: list[tuple[str, tuple[str, int], bool, bool, bool]],
    part: int,
) -> None:
    """The batch read and filed in parts of `part` on PostgreSQL, each part's rows written as
    it ends."""
    monkeypatch.setattr(intake, "READ_PART", part)
    with db.atomic() as example:
        held = _imported(db, desk, drawn)
        with monkeypatch.context() as patched:
            patched.setattr(intake_filing, "filing_held", lambda: None)
            row_by_row = _imported(db, desk, drawn)
        assert held == row_by_row
        example.rollback()


def test_the_sequences_go_on_after_the_rows_held(
    db: peewee.Database, desk: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a batch's new tickets are one insert; after it, the next ticket, message,
    person and attachment take the next keys."""
    drawn = [("Ola <ola@example.de>", ("new", 0), True, False, False)] * 3
    first = _next_keys()
    with statements(db, monkeypatch) as run:
        _import(desk, _mails(drawn, first[0]))
    inserts = [sql for sql in run if sql.startswith('INSERT INTO "ticket"')]
    assert len(inserts) == (3 if is_sqlite(db) else 1)
    numbers = [n for (n,) in tuple_rows(Ticket.select(Ticket.number).order_by(Ticket.number))]
    assert numbers[-3:] == [first[0], first[0] + 1, first[0] + 2]
    _import(desk, _mails([("Ann <ann@example.org>", ("new", 0), True, False, False)], 0, "a"))
    assert _next_keys() == [first[0] + 4, first[1] + 4, first[2] + 2, first[3] + 4]


@pytest.mark.postgresql_only(reason="SQLite inserts each row as it comes: no sequence asked")
def test_a_batchs_later_parts_go_on_from_the_keys_the_part_before_set(
    db: peewee.Database, desk: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Filed a message per part, a batch asks each table's sequence for a key once: each
    part's rows go on from where the part before set the sequence."""
    monkeypatch.setattr(intake, "READ_PART", 1)
    drawn = [(f"New {n} <new{n}@example.org>", ("new", 0), True, False, False) for n in range(3)]
    first = _next_keys()
    with statements(db, monkeypatch) as run:
        _import(desk, _mails(drawn, first[0]))
    assert len([sql for sql in run if sql.startswith("SELECT nextval")]) == 4
    assert _next_keys() == [first[0] + 3, first[1] + 3, first[2] + 3, first[3] + 3]


def test_answers_within_a_batch_land_on_the_tickets_it_made(desk: Gate) -> None:
    """By the Message-ID of a mail of the batch, and by the tag of a ticket it made."""
    drawn = [
        ("Jan <jan@example.pl>", ("new", 0), False, False, False),
        ("Ola <ola@example.de>", ("new", 0), False, False, False),
        ("Jan <jan@example.pl>", ("reply", 0), False, False, False),
        ("Ola <ola@example.de>", ("tag", 1), False, False, False),
    ]
    first = _next_keys()[0]
    _import(desk, _mails(drawn, first))
    tickets = Ticket.select(Ticket.number, Ticket.version).where(Ticket.number >= first)
    assert list(tuple_rows(tickets.order_by(Ticket.number))) == [(first, 2), (first + 1, 2)]


def _imported(
    db: peewee.Database, desk: Gate, drawn: list[tuple[str, tuple[str, int], bool, bool, bool]]
) -> dict[str, Any]:
    """What importing the mails `drawn` in one batch leaves, keys counted from the run's
    first (PostgreSQL's sequences do not roll back); rolled back after."""
    with db.atomic() as run:
        first = _next_keys()
        events = AuditEvent.select(peewee.fn.MAX(AuditEvent.id)).scalar() or 0
        _import(desk, _mails(drawn, first[0]))
        assert verify_chain() is None
        state = _state(first, events)
        state["next keys"] = [
            after - before for after, before in zip(_next_keys(), first, strict=True)
        ]
        run.rollback()
    return state


def _import(desk: Gate, raw: list[bytes]) -> None:
    source = desk.mailboxes.mail_source("Support")
    numbered: Iterator[tuple[str, bytes]] = ((f"mail {n}", m) for n, m in enumerate(raw))
    MailChannel(desk).import_messages(source, numbered, lambda _line: None)


def _mails(
    drawn: list[tuple[str, tuple[str, int], bool, bool, bool]], first: int, batch: str = "m"
) -> list[bytes]:
    raw = []
    for n, (sender, (kind, other), attached, copied, quiet) in enumerate(drawn):
        mail = EmailMessage(policy=SMTP)
        mail["From"] = sender
        mail["To"] = SUPPORT
        mail["Subject"] = f"mail {n}" + (f" [#{first + other}]" if kind == "tag" else "")
        mail["Message-ID"] = f"<{batch}{n}@example.pl>"
        if kind == "reply":
            mail["In-Reply-To"] = f"<{batch}{other}@example.pl>"
        if copied:
            mail["Cc"] = f"copy{n % 2}@example.net"
        if quiet:
            mail["X-Auto-Response-Suppress"] = "All"
        mail.set_content(f"body {n}")
        if attached:
            mail.add_attachment(bytes([n]) * 10, "application", "octet-stream", filename=f"{n}.bin")
        raw.append(mail.as_bytes())
    return raw


def _next_keys() -> list[int]:
    """The key the next ticket, message, person and attachment would take."""
    keys = []
    for model in (Ticket, Message, Person, Attachment):
        meta: Any = model._meta
        table, column = meta.table_name, meta.primary_key.column_name
        database = meta.database
        if is_sqlite(database):
            found = database.execute_sql(
                "SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)
            ).fetchone()
            last = max(
                found[0] if found else 0,
                model.select(peewee.fn.MAX(meta.primary_key)).scalar() or 0,
            )
            keys.append(last + 1)
        else:
            sequence = f"pg_get_serial_sequence('\"{table}\"', '{column}')"
            (name,) = database.execute_sql(f"SELECT {sequence}").fetchone()
            (last, called) = database.execute_sql(
                f"SELECT last_value, is_called FROM {name}"
            ).fetchone()
            keys.append(last + 1 if called else last)
    return keys


def _state(first: list[int], events: int) -> dict[str, Any]:
    """The run's rows, each key less the run's first of its table."""
    ticket, message, person, attachment = (n - 1 for n in first)

    def less(value: int | None, by: int) -> int | None:
        return None if value is None else value - by

    def rows(query: peewee.SelectBase) -> list[tuple[Any, ...]]:
        return list(tuple_rows(query))

    def text(value: str | None) -> str | None:  # ticket numbers in a subject's tag
        return value and re.sub(r"#(\d+)", lambda m: f"#{int(m.group(1)) - ticket}", value)

    targets = {"ticket": ticket, "person": person, "message": message}
    names = dict(tuple_rows(Person.select(Person.id, Person.username).where(Person.id <= person)))

    def who(n: int) -> int | str | None:  # a person of the run by key, one before by name
        return names[n] if n <= person else less(n, person)

    return {
        "tickets": [
            (less(n, ticket), text(subject), status, version, who(requester))
            for n, subject, status, version, requester in rows(
                Ticket.select(
                    Ticket.number, Ticket.subject, Ticket.status, Ticket.version, Ticket.requester
                )
                .where(Ticket.number > ticket)
                .order_by(Ticket.number)
            )
        ],
        "messages": [
            (less(n, message), less(t, ticket), kind, body, who(author), automatic)
            for n, t, kind, body, author, automatic in rows(
                Message.select(
                    Message.id,
                    Message.ticket,
                    Message.kind,
                    Message.body,
                    Message.author,
                    Message.automatic,
                )
                .where(Message.id > message)
                .order_by(Message.id)
            )
        ],
        "people": [
            (less(n, person), username, name, email)
            for n, username, name, email in rows(
                Person.select(Person.id, Person.username, Person.display_name, Person.email)
                .where(Person.id > person)
                .order_by(Person.id)
            )
        ],
        "attachments": [
            (less(n, attachment), less(m, message), name, size, bytes(data))
            for n, m, name, size, data in rows(
                Attachment.select(
                    Attachment.id,
                    Attachment.message,
                    Attachment.filename,
                    Attachment.size,
                    Attachment.data,
                )
                .where(Attachment.id > attachment)
                .order_by(Attachment.id)
            )
        ],
        "message-ids": sorted(
            (mail_id, less(t, ticket), less(m, message))
            for mail_id, t, m in rows(
                MailId.select(MailId.mail_id, MailId.ticket, MailId.message).where(
                    MailId.ticket > ticket
                )
            )
        ),
        "audit": [
            (
                action,
                kind,
                less(target, targets.get(kind, 0)),
                less(t, ticket),
                text(before),
                text(after),
            )
            for action, kind, target, t, before, after in rows(
                AuditEvent.select(*(getattr(AuditEvent, name) for name in AUDITED))
                .where(AuditEvent.id > events)
                .order_by(AuditEvent.id)
            )
        ],
    }
