"""The intake rulebook through the gate, on a real SQLite file: tickets from mail, threading,
requesters, noise, bounces, quarantine, and replies queued in the reply's transaction."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.policy import SMTP

import peewee
import pytest

from access import Gate, NotFound, PermissionDenied
from access.catalogue import AUDIT_VIEW, SOURCES_LIST
from access.views import INBOX_DEFAULT
from mail.channel import MailChannel
from store.models import (
    Message,
    OutboxItem,
    Person,
    PersonRole,
    QuarantinedMail,
    Ticket,
)
from store.rows import tuple_rows
from tests import builders
from tests.mail_support import SUPPORT, customer_mail, mail_helpdesk


@pytest.fixture
def gate(db: peewee.Database) -> Gate:
    return mail_helpdesk(db)


def take(gate: Gate, raw: bytes, origin: str = "test"):
    return MailChannel(gate).take_mail(gate.mailboxes.mail_source("Support"), raw, origin)


def outgoing_id(number: int) -> str:
    return OutboxItem.select().order_by(OutboxItem.id.desc()).first().mail_id


def test_a_new_message_makes_a_ticket_and_a_requester_with_a_decoded_name(gate: Gate) -> None:
    raw = customer_mail(sender="=?utf-8?q?Zdzis=C5=82aw_=C5=BBak?= <Zdzislaw@Example.PL>")
    taken = take(gate, raw)
    assert taken.outcome == "new"
    detail = gate.tickets.get_ticket(taken.ticket)
    assert detail.row.source == "Support"
    assert detail.channel == "email"
    assert detail.requester_name == "Zdzisław Żak"
    assert detail.requester_email == "zdzislaw@example.pl"
    assert [m.body for m in detail.messages] == ["My parcel did not arrive."]
    person = Person.get(Person.email == "zdzislaw@example.pl")
    assert person.username == "zdzislaw"
    assert not PersonRole.select().where(PersonRole.person == person.id).exists()  # no log-in


def test_the_same_address_is_the_same_requester(gate: Gate) -> None:
    first = take(gate, customer_mail(sender="jan@example.pl"))
    second = take(gate, customer_mail(sender="JAN@example.pl", subject="Another"))
    assert first.ticket != second.ticket
    requesters = {gate.tickets.get_ticket(n).row.requester for n in (first.ticket, second.ticket)}
    assert requesters == {"jan"}


def test_an_answer_to_our_reply_lands_on_its_ticket_and_reopens_it(gate: Gate) -> None:
    number = take(gate, customer_mail()).ticket
    gate.messages.reply(number, "Could you send the order number?")
    gate.changes.set_status(number, "pending")
    ours = outgoing_id(number)
    answer = customer_mail("Order 1234", subject="Re: [#1] Parcel missing", in_reply_to=ours)
    taken = take(gate, answer)
    assert (taken.outcome, taken.ticket) == ("appended", number)
    detail = gate.tickets.get_ticket(number)
    assert detail.row.status == "open"
    assert [m.kind for m in detail.messages] == ["customer", "reply", "customer"]


def test_references_alone_thread_the_answer(gate: Gate) -> None:
    number = take(gate, customer_mail()).ticket
    gate.messages.reply(number, "Which colour?")
    answer = customer_mail("Red", subject="no tag here", references=f"<x@y> {outgoing_id(number)}")
    assert take(gate, answer).ticket == number


def test_a_ticket_tag_threads_only_for_the_same_requester(gate: Gate) -> None:
    number = take(gate, customer_mail()).ticket
    tagged = f"Re: [#{number}] Parcel missing"
    stranger = take(gate, customer_mail("let me in", sender="eve@evil.example", subject=tagged))
    assert stranger.outcome == "new" and stranger.ticket != number
    same = take(gate, customer_mail("more detail", subject=tagged))
    assert (same.outcome, same.ticket) == ("appended", number)


def test_an_outgoing_id_from_another_requester_starts_a_new_ticket(gate: Gate) -> None:
    number = take(gate, customer_mail()).ticket
    gate.messages.reply(number, "Answer")
    forged = customer_mail("hi", sender="eve@evil.example", in_reply_to=outgoing_id(number))
    assert take(gate, forged).ticket != number


def test_an_answer_to_a_closed_ticket_starts_a_linked_follow_up(gate: Gate) -> None:
    number = take(gate, customer_mail()).ticket
    gate.changes.set_priority(number, "high")
    gate.messages.reply(number, "Refunded.")
    gate.changes.close(number)
    answer = customer_mail("still broken", subject="Re: Parcel", in_reply_to=outgoing_id(number))
    taken = take(gate, answer)
    assert taken.outcome == "follow-up" and taken.ticket != number
    follow_up = gate.tickets.get_ticket(taken.ticket)
    old = gate.tickets.get_ticket(number)
    assert follow_up.row.subject == "Follow-up: Parcel missing"
    assert (follow_up.row.status, follow_up.row.priority) == ("new", "high")
    assert (follow_up.row.requester, follow_up.row.source) == (old.row.requester, "Support")
    assert [m.body for m in follow_up.messages] == ["still broken"]
    assert follow_up.links.follow_up_of == number
    assert old.links.follow_ups == (taken.ticket,)
    assert old.row.status == "closed" and len(old.messages) == 2


def test_a_tag_of_a_closed_ticket_starts_its_follow_up(gate: Gate) -> None:
    number = take(gate, customer_mail()).ticket
    gate.changes.close(number)
    again = take(gate, customer_mail("still broken", subject=f"Re: [#{number}] Parcel"))
    assert again.outcome == "follow-up" and again.ticket != number
    assert gate.tickets.get_ticket(again.ticket).links.follow_up_of == number


@pytest.mark.parametrize(
    ("headers", "sender"),
    [
        ({"Auto-Submitted": "auto-replied"}, "jan@example.pl"),
        ({"X-Autoreply": "yes"}, "jan@example.pl"),
        ({"Precedence": "bulk"}, "jan@example.pl"),
        ({"Precedence": "list"}, "jan@example.pl"),
        ({"Return-Path": "<>"}, "jan@example.pl"),
        ({}, "MAILER-DAEMON@mx.example.pl"),
    ],
)
def test_automatic_mail_never_makes_tickets(gate: Gate, headers, sender) -> None:
    people = Person.select().count()
    taken = take(gate, customer_mail("I am away", sender=sender, headers=headers))
    assert taken.outcome == "ignored", taken
    assert Ticket.select().count() == 0
    assert Person.select().count() == people


def test_auto_submitted_no_is_a_person_writing(gate: Gate) -> None:
    assert take(gate, customer_mail(headers={"Auto-Submitted": "no"})).outcome == "new"


def test_a_message_taken_twice_makes_one_ticket(gate: Gate) -> None:
    raw = customer_mail()
    assert take(gate, raw).outcome == "new"
    assert take(gate, raw).outcome == "duplicate"
    assert Ticket.select().count() == 1


POSTFIX_BOUNCE = """\
From: MAILER-DAEMON@mx.shop.example (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: support@shop.example
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B1"

--B1
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.shop.example.
I'm sorry to have to inform you that your message could not be delivered.

--B1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.shop.example

Final-Recipient: rfc822; jan@example.pl
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <jan@example.pl>: user unknown

--B1
Content-Type: text/rfc822-headers

From: Support <support@shop.example>
To: jan@example.pl
Subject: [#1] Parcel missing
Message-ID: ORIGINAL-ID

--B1--
"""


def test_a_bounce_of_a_reply_marks_it_failed_on_the_ticket(gate: Gate) -> None:
    number = take(gate, customer_mail()).ticket
    gate.messages.reply(number, "Here is your refund")
    ours = outgoing_id(number)
    bounce = POSTFIX_BOUNCE.replace("ORIGINAL-ID", ours).encode()
    taken = take(gate, bounce)
    assert (taken.outcome, taken.ticket) == ("bounce", number)
    reply = next(m for m in gate.tickets.get_ticket(number).messages if m.kind == "reply")
    assert reply.delivery == "failed"
    assert "user unknown" in reply.delivery_error
    assert Ticket.select().count() == 1


def test_an_unreadable_message_is_kept_whole_in_quarantine(gate: Gate) -> None:
    raw = b"Subject: no sender at all\r\n\r\nwho wrote this?\r\n"
    taken = take(gate, raw, "file broken.eml")
    assert taken.outcome == "quarantined"
    (held,) = gate.mailboxes.quarantined()
    assert (held.source, held.origin, held.size) == ("Support", "file broken.eml", len(raw))
    assert "no sender" in held.reason
    assert bytes(QuarantinedMail.get_by_id(held.id).raw_mail) == raw
    assert gate.sources.mail_accounts()[0].quarantined == 1
    assert MailChannel(gate).retry_quarantined(held.id).outcome == "quarantined"
    assert len(gate.mailboxes.quarantined()) == 1


def test_a_quarantined_message_readable_after_a_fix_leaves_quarantine(gate: Gate) -> None:
    source = gate.mailboxes.mail_source("Support")
    held = QuarantinedMail.create(
        source=source.id, origin="test", reason="an old bug", raw_mail=customer_mail()
    )
    taken = MailChannel(gate).retry_quarantined(held.id)
    assert taken.outcome == "new"
    assert gate.mailboxes.quarantined() == []


def test_a_quarantined_message_is_discarded_for_good_and_the_event_kept(
    db: peewee.Database, gate: Gate
) -> None:
    assert take(gate, b"Subject: spam\r\n\r\nbuy now\r\n", "imap uid 9").outcome == "quarantined"
    (held,) = gate.mailboxes.quarantined()
    builders.role("Auditor", [AUDIT_VIEW, SOURCES_LIST], holders=[builders.person("aud")])
    with pytest.raises(PermissionDenied):
        Gate(db, "aud").mailboxes.discard_quarantined(held.id)
    gate.mailboxes.discard_quarantined(held.id)
    assert gate.mailboxes.quarantined() == []
    assert not QuarantinedMail.select().exists()
    with pytest.raises(NotFound):
        gate.mailboxes.discard_quarantined(held.id)
    (event,) = Gate(db, "aud").audit.list_audit(target_kind="quarantine", limit=1)
    assert (event.action, event.actor, event.target_id) == ("mail.discard", "ada", held.id)
    assert "imap uid 9" in event.before and "no sender" in event.before


def test_attachments_are_kept_listed_and_saved_and_inline_images_marked(
    gate: Gate, db: peewee.Database
) -> None:
    mail = EmailMessage(policy=SMTP)
    mail["From"] = "jan@example.pl"
    mail["To"] = SUPPORT
    mail["Subject"] = "Invoice"
    mail.set_content("See the invoice.")
    mail.add_alternative('<p>See the invoice <img src="cid:logo"></p>', subtype="html")
    _plain, html = mail.iter_parts()
    html.add_related(b"\x89PNG fake", "image", "png", cid="<logo>")
    mail.add_attachment(b"%PDF-1.4 invoice", "application", "pdf", filename="faktura-ż.pdf")
    mail.add_attachment(b"x" * 2000, "application", "octet-stream", filename="big.bin")
    small = MailChannel(Gate(db, "ada", file_limit=1000))  # the gate's limit of any file
    number = small.take_mail(gate.mailboxes.mail_source("Support"), mail.as_bytes(), "test").ticket
    assert number is not None
    (message,) = gate.tickets.get_ticket(number).messages
    assert message.body == "See the invoice."
    listed = {a.filename: a for a in message.attachments}
    assert set(listed) == {"faktura-ż.pdf", "big.bin", "part.png"}
    assert listed["part.png"].inline and listed["part.png"].content_type == "image/png"
    assert not listed["faktura-ż.pdf"].inline and listed["faktura-ż.pdf"].size == 16
    assert not listed["big.bin"].kept and listed["big.bin"].size == 2000
    _view, data = gate.tickets.attachment(number, listed["faktura-ż.pdf"].id)
    assert data == b"%PDF-1.4 invoice"


def test_attachments_are_only_for_people_who_may_open_the_ticket(gate: Gate, db) -> None:
    number = take(gate, customer_mail()).ticket
    builders.person("lurker")
    with pytest.raises(Exception) as refused:
        Gate(db, "lurker").tickets.attachment(number, 1)
    assert "no ticket" in str(refused.value)


def test_a_reply_is_queued_in_its_transaction_and_a_note_never(gate: Gate) -> None:
    number = take(gate, customer_mail()).ticket
    gate.messages.note(number, "internal: customer is a VIP")
    assert OutboxItem.select().count() == 0
    gate.messages.reply(number, "On its way")
    (item,) = OutboxItem.select()
    assert (item.recipient, item.state) == ("jan@example.pl", "queued")
    assert item.mail_id.endswith("@shop.example>")
    reply = next(m for m in gate.tickets.get_ticket(number).messages if m.kind == "reply")
    assert reply.delivery == "queued"


def test_a_refused_reply_queues_nothing(gate: Gate, db) -> None:
    number = take(gate, customer_mail()).ticket
    builders.role("Readers", ["tickets.list", "tickets.view"], holders=[builders.person("rex")])
    with pytest.raises(PermissionDenied):
        Gate(db, "rex").messages.reply(number, "sneaky")
    assert OutboxItem.select().count() == 0


def test_an_archived_source_takes_no_mail(gate: Gate) -> None:
    gate.sources.set_archived("Support", True)
    with pytest.raises(Exception, match="archived"):
        gate.mailboxes.mail_source("Support")
    assert gate.mailboxes.open_mail_sources() == []


def test_the_demo_mailbox_threads_an_answer_to_a_sent_reply(demo_db: peewee.Database) -> None:
    gate = Gate(demo_db, "ada")
    (account,) = gate.sources.mail_accounts()
    assert (account.waiting, account.failed, account.quarantined) == (1, 1, 1)
    sent = (
        OutboxItem.select()
        .join(Message, on=(OutboxItem.message == Message.id))
        .join(Ticket, on=(Message.ticket == Ticket.number))
        .where((OutboxItem.state == "sent") & (Ticket.status == "pending"))
        .order_by(OutboxItem.id)
        .first()
    )
    ticket = Ticket.get_by_id(sent.message.ticket_id)
    answer = customer_mail(
        "Thanks!", sender=ticket.requester.email, subject="Re: ...", in_reply_to=sent.mail_id
    )
    source = gate.mailboxes.mail_source(account.source)
    taken = MailChannel(gate).take_mail(source, answer, "test")
    assert (taken.outcome, taken.ticket) == ("appended", ticket.number)
    assert Ticket.get_by_id(ticket.number).status == "open"


def test_an_import_in_batches_chains_every_event_and_reads_the_head_once_per_batch(
    gate: Gate, db: peewee.Database, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from access import mailboxes as desk
    from access.audit import verify_chain
    from store.models import AuditEvent

    monkeypatch.setattr(desk, "IMPORT_BATCH", 3)
    repeated = customer_mail(sender="Jan <jan@example.pl>", subject="First")
    messages = [
        repeated,
        customer_mail(sender="Ola <ola@example.pl>"),
        customer_mail(sender="Jan <jan@example.pl>", subject="Re: [#1] First"),
        repeated,
        b"Subject: no sender\r\n\r\ntext\r\n",
        customer_mail(sender="Ewa <ewa@example.pl>", headers={"Auto-Submitted": "auto-replied"}),
        customer_mail(sender="Ewa <ewa@example.pl>"),
    ]
    other = Gate(db, "ada")
    between: list[str] = []

    def report(line: str) -> None:  # called after each batch is committed
        between.append(line)
        if len(between) == 3:
            other.sources.add_source(f"Web {len(between)}", "web")

    head_reads: list[str] = []
    if backend == "sqlite":
        db.connection().set_trace_callback(
            lambda sql: (
                head_reads.append(sql)
                if sql.startswith('SELECT "t1"."hash" FROM "audit_event"')
                else None
            )
        )
    first_ticket = Ticket.select(peewee.fn.MAX(Ticket.number)).scalar() or 0
    messages[2] = messages[2].replace(b"[#1]", f"[#{first_ticket + 1}]".encode())
    numbered = iter((f"m{n}.eml", raw) for n, raw in enumerate(messages))
    counts = MailChannel(gate).import_messages(
        gate.mailboxes.mail_source("Support"), numbered, report
    )
    if backend == "sqlite":
        db.connection().set_trace_callback(None)
        assert len(head_reads) == 4  # one per batch of three and one for the source between
    assert counts == {"new": 3, "appended": 1, "duplicate": 1, "quarantined": 1, "ignored": 1}
    assert verify_chain() is None
    actions = [
        a for (a,) in tuple_rows(AuditEvent.select(AuditEvent.action).order_by(AuditEvent.id))
    ]
    assert actions[-9:] == [
        "person.add", "ticket.create", "person.add", "ticket.create", "ticket.customer",
        "source.add", "mail.quarantine", "person.add", "ticket.create",
    ]  # fmt: skip


def test_an_import_batch_ends_at_its_count_or_its_bytes() -> None:
    from access.mailboxes import import_batches

    sizes = [10, 10, 10, 50, 70, 10, 10, 10, 10]
    messages = [(f"m{n}", b"x" * size) for n, size in enumerate(sizes)]
    batches = [[len(raw) for _, raw in b] for b in import_batches(messages, 3, 60)]
    # Three by count; then 50 (50 + 70 is over 60); 70 alone, larger than a batch; then by count.
    assert batches == [[10, 10, 10], [50], [70], [10, 10, 10], [10]]


def test_an_import_takes_its_messages_without_a_savepoint_each(
    gate: Gate, caplog: pytest.LogCaptureFixture
) -> None:
    """A savepoint per message made FTS5 write a new index segment per message, and merging
    them slowed the import as the database grew (bench/NOTES.md)."""
    messages = [
        (f"m{n}.eml", customer_mail(sender=f"K{n} <k{n}@example.pl>", subject=f"Parcel {n}"))
        for n in range(5)
    ]
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        counts = MailChannel(gate).import_messages(
            gate.mailboxes.mail_source("Support"), iter(messages), print
        )
    assert counts == {"new": 5}
    statements = [str(record.msg) for record in caplog.records if record.name == "peewee"]
    assert statements and not [s for s in statements if "SAVEPOINT" in s.upper()]
    # The full-text index still holds each message's body.
    found = gate.inbox.list_tickets(INBOX_DEFAULT._replace(search="arrive"))
    assert sorted(row.subject for row in found) == [f"Parcel {n}" for n in range(5)]
