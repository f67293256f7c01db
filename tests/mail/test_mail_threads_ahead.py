"""A batch of mail reads the conversations its messages name once, before it is filed
(`mail_threads.threads_ahead`), and keeps that up to date as it files them; which ticket each
message answers must be what reading the database at that message finds. As a property: random
mails naming conversations from before the batch (a customer's own mail, our reply to it, a
ticket merged into another, a closed one, another requester's), mails of the same batch and
the tickets those made, by In-Reply-To, References and `[#n]` tags, and names of nothing,
leave the same rows imported in one batch as taken in a message per transaction, as mail from
the server is (each reading the database as the messages before it left it). Each example runs
in a transaction rolled back at its end, both runs in savepoints of it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

import peewee
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from access import Gate, intake
from access.audit import verify_chain
from mail.channel import MailChannel
from store.dialect import is_sqlite
from store.links import TicketLink
from store.models import AuditEvent, MailId, Message, Person, Ticket
from store.rows import tuple_rows
from tests import builders
from tests.access.test_gate_statements import statements
from tests.mail.test_mail_filing_held import _next_keys
from tests.mail_support import SUPPORT, customer_mail, mail_helpdesk

SENDERS = ["Jan <jan@example.pl>", "Ola <ola@example.de>", "Max <max@example.com>"]
# The conversations before the batch (`desk`), by the Message-ID of their first mail: jan's
# old0 (with our reply, "out0"), old1 (merged into old2) and old2, ola's old3 (closed), max's
# old4.
BEFORE = ["old0", "old1", "old2", "old3", "old4", "out0"]
# What a mail names: a conversation before the batch by Message-ID or by its ticket's tag,
# the n-th mail of the batch by Message-ID, the ticket numbered n-th in the run by tag, a
# Message-ID nobody took in.
NAMES = st.one_of(
    st.tuples(st.just("id"), st.sampled_from(BEFORE)),
    st.tuples(st.just("tag"), st.sampled_from(BEFORE[:5])),
    st.tuples(st.just("batch id"), st.integers(0, 5)),
    st.tuples(st.just("batch tag"), st.integers(0, 5)),
    st.just(("unknown", "")),
)
mails = st.lists(
    st.tuples(
        st.sampled_from(SENDERS),
        st.lists(NAMES, max_size=2),  # In-Reply-To: the first; References: all (as mail does)
        st.lists(NAMES, max_size=1),  # a tag in the subject, or another name in References
    ),
    min_size=1,
    max_size=6,
)


@pytest.fixture
def desk(db: peewee.Database) -> Gate:
    gate = mail_helpdesk(db)
    source = gate.mailboxes.mail_source("Support")
    senders = [SENDERS[0], SENDERS[0], SENDERS[0], SENDERS[1], SENDERS[2]]
    raw = [
        customer_mail(
            f"Before {n}", sender=s, subject=f"old {n}", message_id=f"<old{n}@example.pl>"
        )
        for n, s in enumerate(senders)
    ]
    MailChannel(gate).import_messages(source, _numbered(raw), lambda _line: None)
    tickets = _old_tickets()
    gate.messages.reply(tickets["old0"], "We are on it.")
    gate.merging.merge(tickets["old1"], tickets["old2"])
    gate.changes.close(tickets["old3"])
    return gate


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=mails, part=st.sampled_from([1, 2, intake.READ_PART]))
@example(  # each kind of conversation before the batch, and answers within it
    drawn=[
        ("Jan <jan@example.pl>", [("id", "out0")], []),
        ("Jan <jan@example.pl>", [], [("tag", "old1")]),
        ("Jan <jan@example.pl>", [("id", "old1")], [("tag", "old0")]),
        ("Ola <ola@example.de>", [("id", "old3")], []),
        ("Ola <ola@example.de>", [("batch id", 3)], []),
        ("Ola <ola@example.de>", [], [("tag", "old3")]),
        ("Jan <jan@example.pl>", [("id", "old4"), ("batch id", 1)], [("batch tag", 0)]),
    ],
    part=2,
)
def test_a_batch_threads_its_mail_as_a_message_per_batch_does(
    db: peewee.Database,
    desk: Gate,
    monkeypatch: pytest.MonkeyPatch,
    drawn: list[tuple[str, list[tuple[str, Any]], list[tuple[str, Any]]]],
    part: int,
) -> None:
    """In one batch (read and filed in parts of `part` on PostgreSQL)."""
    with db.atomic() as example_run:
        with monkeypatch.context() as patched:
            patched.setattr(intake, "READ_PART", part)
            batched = _imported(db, desk, drawn, _import)
        one_by_one = _imported(db, desk, drawn, _take_one_by_one)
        assert batched == one_by_one
        example_run.rollback()


def test_a_batch_reads_what_its_mail_names_once(
    db: peewee.Database, desk: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Answers to conversations before the batch and within it: the Message-IDs and merges
    they name are read in one statement each for the whole batch, not per message; on
    PostgreSQL the batch's held tickets are written early only for an answer that lands on
    one (not for another sender's)."""
    drawn: list[tuple[str, list[tuple[str, Any]], list[tuple[str, Any]]]] = [
        ("Jan <jan@example.pl>", [("id", "old1")], []),
        ("Jan <jan@example.pl>", [("id", "out0")], [("tag", "old2")]),
        ("Ola <ola@example.de>", [("unknown", "")], []),
        ("Jan <jan@example.pl>", [("batch id", 2)], []),  # ola's: a ticket of his own
        ("Ola <ola@example.de>", [("batch id", 2)], []),
    ]
    with db.atomic() as run:
        first = _next_keys()[0]
        with statements(db, monkeypatch) as ran:
            _import(desk, _mails(drawn, first, _old_tickets()))
        landed = [n for (n,) in tuple_rows(Message.select(Message.ticket).where(Message.id > 0))]
        run.rollback()
    named = [sql for sql in ran if sql.startswith('SELECT "t1"."ticket_id", "t1"."mail_id"')]
    merges = [sql for sql in ran if 'FROM "ticket_link"' in sql]
    assert (len(named), len(merges)) == (1, 1)
    assert [n - first for n in landed[-3:]] == [0, 1, 0]
    tickets = [sql for sql in ran if sql.startswith('INSERT INTO "ticket"')]
    assert len(tickets) == (2 if is_sqlite(db) else 1)


def test_a_part_reads_the_tickets_its_mail_names_at_once(
    db: peewee.Database, desk: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mail naming tickets its senders may not write on (other requesters'): the tickets named
    and the addresses copied on them are read once for the part, not once per message; each
    message starts a ticket of its own, as when each read them."""
    drawn: list[tuple[str, list[tuple[str, Any]], list[tuple[str, Any]]]] = [
        ("Ola <ola@example.de>", [("id", "old0")], []),
        ("Max <max@example.com>", [], [("tag", "old2")]),
        ("Ola <ola@example.de>", [("id", "old4")], [("tag", "old0")]),
    ]
    with db.atomic() as run:
        first = _next_keys()[0]
        with statements(db, monkeypatch) as ran:
            _import(desk, _mails(drawn, first, _old_tickets()))
        made = Ticket.select().where(Ticket.number >= first).count()
        run.rollback()
    each = [sql for sql in ran if 'FROM "ticket_copy"' in sql and '"address" = ' in sql]
    ahead = [sql for sql in ran if sql.startswith('SELECT "t1"."ticket_id", "t1"."address"')]
    assert (len(each), len(ahead), made) == (0, 1, 3)


def _imported(
    db: peewee.Database,
    desk: Gate,
    drawn: list[tuple[str, list[Any], list[Any]]],
    take: Callable[[Gate, list[bytes]], None],
) -> dict[str, Any]:
    """What taking the mails `drawn` in by `take` leaves, tickets before the batch by name and the
    run's by their place (PostgreSQL's sequences do not roll back); rolled back after."""
    with db.atomic() as run:
        first = _next_keys()
        events = AuditEvent.select(peewee.fn.MAX(AuditEvent.id)).scalar() or 0
        ids = MailId.select(peewee.fn.MAX(MailId.id)).scalar() or 0
        old = _old_tickets()
        take(desk, _mails(drawn, first[0], old))
        assert verify_chain() is None
        named = {n: name for name, n in old.items()}

        def ticket(n: int | None) -> int | str | None:
            return None if n is None else named.get(n, n - first[0])

        def text(value: str | None) -> str | None:  # ticket numbers in it, as tickets
            if value and value.isdigit():
                return str(ticket(int(value)))
            return value and re.sub(r"#(\d+)", lambda m: f"#{ticket(int(m.group(1)))}", value)

        people = dict(tuple_rows(Person.select(Person.id, Person.username)))
        state = {
            "tickets": [
                (ticket(n), text(subject), status, version, people[requester])
                for n, subject, status, version, requester in tuple_rows(
                    Ticket.select(
                        Ticket.number,
                        Ticket.subject,
                        Ticket.status,
                        Ticket.version,
                        Ticket.requester,
                    )
                    .where(Ticket.number.in_(sorted(named)) | (Ticket.number >= first[0]))
                    .order_by(Ticket.number)
                )
            ],
            "messages": [
                (ticket(t), kind, body, people[author])
                for t, kind, body, author in tuple_rows(
                    Message.select(Message.ticket, Message.kind, Message.body, Message.author)
                    .where(Message.id >= first[1])
                    .order_by(Message.id)
                )
            ],
            "kept ids": sorted(
                (mail_id, ticket(t))
                for mail_id, t in tuple_rows(
                    MailId.select(MailId.mail_id, MailId.ticket).where(MailId.id > ids)
                )
            ),
            "links": sorted(
                (ticket(a), ticket(b), kind)
                for a, b, kind in tuple_rows(
                    TicketLink.select(TicketLink.ticket, TicketLink.other, TicketLink.kind)
                )
            ),
            "audit": [
                (action, ticket(t), text(before), text(after))
                for action, t, before, after in tuple_rows(
                    AuditEvent.select(
                        AuditEvent.action, AuditEvent.ticket, AuditEvent.before, AuditEvent.after
                    )
                    .where((AuditEvent.id > events) & (AuditEvent.target_kind != "person"))
                    .order_by(AuditEvent.id)
                )
            ],
        }
        run.rollback()
    return state


def _old_tickets() -> dict[str, int]:
    """The tickets of the conversations before the batch, by the name of their first mail."""
    rows = Ticket.select(Ticket.subject, Ticket.number).where(Ticket.subject.startswith("old "))
    return {f"old{subject[4:]}": number for subject, number in tuple_rows(rows)}


def _import(desk: Gate, raw: list[bytes]) -> None:
    source = desk.mailboxes.mail_source("Support")
    MailChannel(desk).import_messages(source, _numbered(raw), lambda _line: None)


def _take_one_by_one(desk: Gate, raw: list[bytes]) -> None:
    """Each message in its own transaction, as mail from the server is: what it names read
    from the database as the messages before it left it."""
    source = desk.mailboxes.mail_source("Support")
    channel = MailChannel(desk)
    for origin, mail in _numbered(raw):
        channel.take_mail(source, mail, origin)


def _numbered(raw: list[bytes]) -> Iterator[tuple[str, bytes]]:
    return ((f"mail {n}", mail) for n, mail in enumerate(raw))


def _mails(
    drawn: list[tuple[str, list[tuple[str, Any]], list[tuple[str, Any]]]],
    first: int,
    old: dict[str, int],
) -> list[bytes]:
    out0 = MailId.get((MailId.outgoing == True) & (MailId.ticket == old["old0"]))  # noqa: E712

    def message_id(kind: str, what: Any) -> str:
        if kind == "batch id":
            return f"<b{what}@example.pl>"
        if kind == "unknown":
            return "<nobody@example.org>"
        return str(out0.mail_id) if what == "out0" else f"<{what}@example.pl>"

    def tag(kind: str, what: Any) -> str:
        return f" [#{first + what if kind == 'batch tag' else old[what]}]"

    raw = []
    for n, (sender, replied, more) in enumerate(drawn):
        mail = EmailMessage(policy=SMTP)
        mail["From"] = sender
        mail["To"] = SUPPORT
        subject = f"mail {n}"
        references = [message_id(k, w) for k, w in replied if k not in ("tag", "batch tag")]
        for kind, what in more:
            if kind in ("tag", "batch tag"):
                subject += tag(kind, what)
            else:
                references.append(message_id(kind, what))
        for kind, what in replied:
            if kind in ("tag", "batch tag"):
                subject += tag(kind, what)
        mail["Subject"] = subject
        mail["Message-ID"] = f"<b{n}@example.pl>"
        if references:
            mail["In-Reply-To"] = references[0]
            mail["References"] = " ".join(references)
        mail.set_content(f"body {n}")
        raw.append(mail.as_bytes())
    return raw


def test_an_importer_of_one_source_threads_answers_to_mail_of_the_batch(
    db: peewee.Database, desk: Gate
) -> None:
    """Whose sight ends at a source's tickets: the scope decides which tickets of the batch an
    answer may reach, so they are written before they are read, and the answer lands."""
    source = desk.mailboxes.mail_source("Support")
    importer = builders.person("sam")
    rights = ["sources.edit", "sources.list", "tickets.list", "tickets.view"]
    builders.role("Support importer", rights, sources=[source.id], holders=[importer])
    drawn: list[tuple[str, list[tuple[str, Any]], list[tuple[str, Any]]]] = [
        ("Ola <ola@example.de>", [], []),
        ("Jan <jan@example.pl>", [], []),
        ("Ola <ola@example.de>", [("batch id", 0)], []),
        ("Jan <jan@example.pl>", [], [("batch tag", 1)]),
        ("Ola <ola@example.de>", [], [("batch tag", 1)]),  # jan's ticket: not hers
    ]
    first = _next_keys()[0]
    _import(Gate(db, "sam"), _mails(drawn, first, _old_tickets()))
    landed = tuple_rows(
        Message.select(Message.ticket).where(Message.ticket >= first).order_by(Message.id)
    )
    assert [n - first for (n,) in landed] == [0, 1, 0, 1, 2]
