"""Delivering replies a team can rely on, against the real SMTP server of the suite (aiosmtpd):
each reply leaves once however many senders run, a server that cannot be used makes the queue
wait instead of failing it, a silent server costs one timeout per pass, and a failed reply can
be sent again."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import peewee
import pytest

from access import Gate, InvalidInput, PermissionDenied, outbox
from mail.channel import MailChannel
from mail.transport import MailServerError
from store.models import AuditEvent, OutboxItem, database_proxy, utcnow
from tests.mail_servers import PASSWORD, Dovecot, SilentServer, Smtp, run_smtp
from tests.mail_support import customer_mail, mail_helpdesk
from ticketty.main import main
from wording.mail_text import delivery_text

pytestmark = [
    pytest.mark.usefixtures("mail_password"),
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS"),
]


def replies_waiting(gate: Gate, count: int) -> list[int]:
    """`count` tickets from customers' mail, each with an agent's reply queued."""
    source = gate.mailboxes.mail_source("Support")
    numbers = []
    for n in range(count):
        mail = customer_mail(f"Question {n}", sender=f"Customer {n} <c{n}@example.pl>")
        taken = MailChannel(gate).take_mail(source, mail, f"test {n}")
        assert taken.ticket is not None
        gate.messages.reply(taken.ticket, f"Answer {n}")
        numbers.append(taken.ticket)
    return numbers


def send(gate: Gate, timeout: float | None = None) -> list[str]:
    lines: list[str] = []
    MailChannel(gate).send(gate.mailboxes.mail_source("Support"), lines.append, timeout)
    return lines


def delivered_ids(smtp: Smtp) -> Counter[str]:
    return Counter(str(r.message["Message-ID"]) for r in smtp.received)


def test_two_senders_at_once_deliver_each_reply_exactly_once(
    db: peewee.Database, smtp: Smtp
) -> None:
    """Two senders start together, each in its own thread with its own database connection:
    every reply is claimed by one of them, so the server receives each once."""
    gate = mail_helpdesk(db, smtp=smtp.url)
    replies_waiting(gate, 40)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            start.wait(timeout=30)
            send(gate)
        except BaseException as exc:
            errors.append(exc)
        finally:
            database_proxy.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    counts = delivered_ids(smtp)
    assert len(counts) == 40 and set(counts.values()) == {1}, counts.most_common(3)
    assert {item.state for item in OutboxItem.select()} == {"sent"}
    assert {item.claimed_by for item in OutboxItem.select()} == {""}


def test_a_claim_is_respected_until_its_lease_runs_out(db: peewee.Database, smtp: Smtp) -> None:
    """A sender killed after claiming a reply: the reply is not sent by another while the
    claim holds, and is taken again once its lease has run out."""
    gate = mail_helpdesk(db, smtp=smtp.url)
    replies_waiting(gate, 2)
    source = gate.mailboxes.mail_source("Support")
    killed = outbox.claim(source.id, "killed-sender", utcnow())
    assert killed is not None and outbox.claim(source.id, "other", utcnow()) is not None
    outbox.release(OutboxItem.get_by_id(2 if killed.id == 1 else 1), "other")
    send(gate)
    assert len(smtp.received) == 1  # the other reply; the claimed one waits
    OutboxItem.update(claimed_until=utcnow() - timedelta(seconds=1)).where(
        OutboxItem.id == killed.id
    ).execute()
    send(gate)
    counts = delivered_ids(smtp)
    assert len(counts) == 2 and set(counts.values()) == {1}
    assert OutboxItem.get_by_id(killed.id).state == "sent"


@pytest.fixture
def smtp_login() -> Iterator[Smtp]:
    """An SMTP server that wants the login `support` with the suite's password."""
    yield from run_smtp(login="support")


def test_a_refused_login_makes_the_queue_wait_and_says_why(
    db: peewee.Database,
    db_location: str,
    smtp_login: Smtp,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    gate = mail_helpdesk(db, smtp=f"smtp://support@127.0.0.1:{smtp_login.port}")
    numbers = replies_waiting(gate, 3)
    monkeypatch.setenv("TICKETTY_MAIL_PASSWORD_SUPPORT", "wrong-secret")
    for _ in range(10):  # more passes than a reply has tries
        with pytest.raises(MailServerError) as refused:
            send(gate)
    said = str(refused.value)
    assert said.startswith("SMTP login refused at ") and ": 535 " in said
    assert "wrong-secret" not in said and "support@" not in said
    items = list(OutboxItem.select())
    assert [(i.state, i.attempts, i.claimed_by) for i in items] == [("queued", 0, "")] * 3
    (account,) = gate.sources.mail_accounts()
    assert account.send_error == said and account.waiting == 3 and account.failed == 0
    reply = next(m for m in gate.tickets.get_ticket(numbers[0]).messages if m.kind == "reply")
    assert reply.delivery == "queued" and reply.delivery_error == said
    assert main(["--db", db_location, "--user", "ada", "mail", "send"]) == 1
    assert main(["--db", db_location, "--user", "ada", "sources", "mail"]) == 0
    out, err = capsys.readouterr()
    assert "SMTP login refused at" in err and "SMTP login refused at" in out
    assert "wrong-secret" not in out + err
    monkeypatch.setenv("TICKETTY_MAIL_PASSWORD_SUPPORT", PASSWORD)
    assert len(send(gate)) == 3
    assert len(smtp_login.received) == 3
    assert gate.sources.mail_accounts()[0].send_error == ""


def test_an_outage_longer_than_every_retry_fails_no_reply(db: peewee.Database) -> None:
    """The server is down (nothing listens on its port) for more passes than a reply has
    tries: the replies wait, none counted, none failed; when it is back they go."""
    smtp_server = contextmanager(run_smtp)
    with smtp_server() as smtp:
        gate = mail_helpdesk(db, smtp=smtp.url)
        replies_waiting(gate, 2)
    for _ in range(outbox.MAX_ATTEMPTS + 2):
        with pytest.raises(MailServerError, match="not reachable"):
            send(gate)
        OutboxItem.update(next_try_at=utcnow()).execute()
    assert [(i.state, i.attempts) for i in OutboxItem.select()] == [("queued", 0)] * 2
    with smtp_server() as smtp:
        gate.sources.edit_mail_account("Support", smtp=smtp.url)
        assert len(send(gate)) == 2 and len(smtp.received) == 2


def test_a_failed_reply_is_sent_again_by_command_with_the_right_to_reply(
    demo_db: peewee.Database, db_location: str, smtp: Smtp, capsys: pytest.CaptureFixture[str]
) -> None:
    """`tickets resend 42 MESSAGE` queues a failed reply again (checked by the gate: the right
    to reply on that ticket), and the next pass delivers it with the same Message-ID."""
    gate = Gate(demo_db, "ada")
    gate.sources.add_source("Mailbox", "email", address="help@shop.example", smtp=smtp.url)
    source = gate.mailboxes.mail_source("Mailbox")
    number = MailChannel(gate).take_mail(source, customer_mail(), "test").ticket
    assert number is not None
    gate.messages.reply(number, "Your parcel left yesterday.")
    smtp.recorder.refuse = "550 5.1.1 no such user"
    MailChannel(gate).send(source, lambda _line: None)
    mine = OutboxItem.source == source.id
    item = OutboxItem.get(mine)
    assert item.state == "failed"
    with pytest.raises(PermissionDenied):
        Gate(demo_db, "vic").messages.resend(number, item.message_id)
    code = main(["--db", db_location, "--user", "ada", "tickets", "show", str(number)])
    shown = capsys.readouterr().out
    assert code == 0 and f"tickets resend {number} {item.message_id}" in shown
    code = main(
        [
            "--db",
            db_location,
            "--user",
            "vic",
            "tickets",
            "resend",
            str(number),
            str(item.message_id),
        ]
    )
    assert code != 0 and OutboxItem.get(mine).state == "failed"
    capsys.readouterr()
    smtp.recorder.refuse = None
    code = main(
        [
            "--db",
            db_location,
            "--user",
            "ada",
            "tickets",
            "resend",
            f"#{number}",
            str(item.message_id),
        ]
    )
    assert code == 0 and "waits to send again" in capsys.readouterr().out
    again = OutboxItem.get(mine)
    assert (again.state, again.attempts, again.last_error) == ("queued", 0, "")
    assert MailChannel(gate).send(source, lambda _line: None)[0].state == "sent"
    (received,) = smtp.received
    assert received.message["Message-ID"] == item.mail_id
    with pytest.raises(InvalidInput, match="only a failed one"):
        gate.messages.resend(number, item.message_id)


def test_mail_send_exits_non_zero_when_it_delivered_nothing_for_an_error(
    db: peewee.Database, db_location: str, capsys: pytest.CaptureFixture[str]
) -> None:
    silent = SilentServer()
    try:
        gate = mail_helpdesk(db, smtp=silent.url)
        replies_waiting(gate, 1)
        silent.close()  # now nothing listens
        code = main(["--db", db_location, "--user", "ada", "mail", "send"])
    finally:
        silent.close()
    err = capsys.readouterr().err
    assert code == 1 and "Support: SMTP server 127.0.0.1" in err and "not reachable" in err


def test_a_silent_server_costs_one_timeout_per_pass_not_one_per_reply(
    db: peewee.Database,
) -> None:
    silent = SilentServer()
    try:
        gate = mail_helpdesk(db, smtp=silent.url)
        replies_waiting(gate, 3)
        began = time.monotonic()
        with pytest.raises(MailServerError, match="no answer within 1 s"):
            send(gate, timeout=1)
        took = time.monotonic() - began
    finally:
        silent.close()
    assert took < 2.5, f"{took:.1f} s for one pass over 3 replies"
    assert [(i.state, i.attempts) for i in OutboxItem.select()] == [("queued", 0)] * 3


POSTFIX_REPORT = """\
From: MAILER-DAEMON@mail.shop.example (Mail Delivery System)
Subject: SUBJECT
To: support@shop.example
Auto-Submitted: auto-replied
Message-Id: <REPORT-ID@mail.shop.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B2"

--B2
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mail.shop.example.

NOTICE

--B2
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.shop.example
X-Postfix-Queue-ID: 4F1A2B3C4D
Arrival-Date: Wed, 25 Nov 2026 10:00:00 +0000

Final-Recipient: rfc822; RECIPIENT
Original-Recipient: rfc822;RECIPIENT
Action: ACTION
Status: STATUS
Diagnostic-Code: DIAGNOSTIC

--B2
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: Support <support@shop.example>
To: RECIPIENT
Message-ID: ORIGINAL-ID

--B2--
"""


def postfix_report(original: str, action: str, recipient: str = "c0@example.pl") -> bytes:
    """Postfix's report on the reply `original` sent to `recipient` (`replies_waiting`'s
    first customer by default): a delivery report counts only for the address it went to."""
    delayed = action == "delayed"
    fields = {
        "SUBJECT": "Delayed Mail (still being retried)" if delayed else "Undelivered Mail",
        "NOTICE": "THIS IS A WARNING ONLY. It will be retried until it is 5.0 days old."
        if delayed
        else "I'm sorry to have to inform you that your message could not be delivered.",
        "REPORT-ID": f"{action}.{original.strip('<>')}",
        "ACTION": action,
        "STATUS": "4.4.1" if delayed else "5.1.1",
        "DIAGNOSTIC": "X-Postfix; connect to mx.example.pl[192.0.2.1]:25: Connection timed out"
        if delayed
        else f"smtp; 550 5.1.1 <{recipient}>: Recipient address rejected: User unknown",
        "ORIGINAL-ID": original,
        "RECIPIENT": recipient,
    }
    text = POSTFIX_REPORT
    for name, value in fields.items():
        text = text.replace(name, value)
    return text.replace("\n", "\r\n").encode()


def test_a_delay_report_shows_the_reply_delayed_and_only_a_failure_fails_it(
    db: peewee.Database, dovecot: Dovecot, mailbox: str, smtp: Smtp
) -> None:
    """Postfix's "Delayed Mail (still being retried)" (`Action: delayed`) leaves the reply
    delivered so far and shows the delay; its later `Action: failed` fails it."""
    gate = mail_helpdesk(db, imap=dovecot.url(mailbox), smtp=smtp.url)
    (number,) = replies_waiting(gate, 1)
    send(gate)
    ours = OutboxItem.get().mail_id
    source = gate.mailboxes.mail_source("Support")
    dovecot.append(mailbox, postfix_report(ours, "delayed"))
    MailChannel(gate).fetch(source, lambda _line: None)
    reply = next(m for m in gate.tickets.get_ticket(number).messages if m.kind == "reply")
    assert reply.delivery == "delayed" and "Connection timed out" in reply.delivery_error
    assert delivery_text(reply.delivery, reply.delivery_error).startswith(
        "delayed: the receiving server is still trying ("
    )
    assert gate.sources.mail_accounts()[0].failed == 0
    assert send(gate) == []  # the server has it; nothing to send again
    dovecot.append(mailbox, postfix_report(ours, "failed"))
    MailChannel(gate).fetch(source, lambda _line: None)
    reply = next(m for m in gate.tickets.get_ticket(number).messages if m.kind == "reply")
    assert reply.delivery == "failed" and "User unknown" in reply.delivery_error


def test_a_servers_text_keeps_no_address_on_the_ticket_or_in_the_audit_log(
    db: peewee.Database, dovecot: Dovecot, mailbox: str, smtp: Smtp
) -> None:
    """A 550 answer and a returned-mail report name the customer's address; what the ticket
    and the audit log keep of them does not (contact data needs tickets.view_contact)."""
    gate = mail_helpdesk(db, imap=dovecot.url(mailbox), smtp=smtp.url)
    first, second = replies_waiting(gate, 2)
    smtp.recorder.refuse = "550 5.1.1 <c0@example.pl>: Recipient address rejected"
    send(gate)
    smtp.recorder.refuse = None
    failed = OutboxItem.get(OutboxItem.recipient == "c0@example.pl")
    assert failed.state == "failed" and "Recipient address rejected" in failed.last_error
    assert "the recipient" in failed.last_error
    returned = OutboxItem.get(OutboxItem.recipient == "c1@example.pl")
    dovecot.append(mailbox, postfix_report(returned.mail_id, "failed", "c1@example.pl"))
    MailChannel(gate).fetch(gate.mailboxes.mail_source("Support"), lambda _line: None)
    for number in (first, second):
        reply = next(m for m in gate.tickets.get_ticket(number).messages if m.kind == "reply")
        assert reply.delivery == "failed" and "@" not in reply.delivery_error
    kept = [(e.action, e.after) for e in AuditEvent.select() if e.action.startswith("mail.")]
    assert {"mail.failed", "mail.bounce"} <= {action for action, _ in kept}
    assert not any("@example.pl" in text for _, text in kept)
