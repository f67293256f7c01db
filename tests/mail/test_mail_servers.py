"""Fetching and sending against real servers: Dovecot over IMAP, aiosmtpd over SMTP."""

from __future__ import annotations

import peewee
import pytest

from access import Gate
from mail.channel import MailChannel
from mail.transport import MailServerError
from store.models import MailCursor, MailId, Message, OutboxItem, Ticket, utcnow
from tests.mail_servers import Dovecot, Smtp
from tests.mail_support import SUPPORT, customer_mail, mail_helpdesk

pytestmark = pytest.mark.usefixtures("mail_password")


@pytest.fixture
def gate(db: peewee.Database, dovecot: Dovecot, mailbox: str, smtp: Smtp) -> Gate:
    return mail_helpdesk(db, imap=dovecot.url(mailbox), smtp=smtp.url)


def fetch(gate: Gate) -> list[str]:
    lines: list[str] = []
    MailChannel(gate).fetch(gate.mailboxes.mail_source("Support"), lines.append)
    return lines


def send(gate: Gate) -> list[str]:
    lines: list[str] = []
    MailChannel(gate).send(gate.mailboxes.mail_source("Support"), lines.append)
    return lines


def test_each_message_is_taken_once(gate: Gate, dovecot: Dovecot, mailbox: str) -> None:
    dovecot.append(mailbox, customer_mail("first", subject="One"))
    dovecot.append(mailbox, customer_mail("second", subject="Two", sender="ola@example.pl"))
    lines = fetch(gate)
    assert len(lines) == 2 and all(": new #" in line for line in lines)
    assert fetch(gate) == []
    dovecot.append(mailbox, customer_mail("third", subject="Three"))
    assert len(fetch(gate)) == 1
    assert sorted(t.subject for t in Ticket.select()) == ["One", "Three", "Two"]
    (account,) = gate.sources.mail_accounts()
    assert account.last_fetch_at is not None and account.last_error == ""


def test_a_fetch_killed_after_a_message_resumes_after_it(
    gate: Gate, dovecot: Dovecot, mailbox: str
) -> None:
    for n in range(3):
        dovecot.append(mailbox, customer_mail(f"message {n}", subject=f"S{n}"))

    def killed_after_first(line: str) -> None:
        raise KeyboardInterrupt  # the process dies right after the first message committed

    with pytest.raises(KeyboardInterrupt):
        MailChannel(gate).fetch(gate.mailboxes.mail_source("Support"), killed_after_first)
    assert Ticket.select().count() == 1
    assert len(fetch(gate)) == 2
    assert sorted(t.subject for t in Ticket.select()) == ["S0", "S1", "S2"]


def test_a_new_uidvalidity_rescans_without_taking_twice(
    gate: Gate, dovecot: Dovecot, mailbox: str
) -> None:
    dovecot.append(mailbox, customer_mail("first"))
    fetch(gate)
    MailCursor.update(uidvalidity=1).execute()  # as if the server had rebuilt the folder
    dovecot.append(mailbox, customer_mail("second", subject="Later"))
    lines = fetch(gate)
    assert [line.split(": ")[2].split()[0] for line in lines] == ["duplicate", "new"]
    assert Ticket.select().count() == 2


def test_a_wrong_password_is_one_line_and_never_shows_the_password(
    gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TICKETTY_MAIL_PASSWORD_SUPPORT", "wrong-secret")
    with pytest.raises(MailServerError) as failed:
        fetch(gate)
    assert "wrong-secret" not in str(failed.value)
    assert "authentication failed" in str(failed.value).lower()
    assert "authentication failed" in gate.sources.mail_accounts()[0].last_error.lower()


def test_a_reply_goes_out_threaded_tagged_and_in_the_customers_language(
    gate: Gate, dovecot: Dovecot, mailbox: str, smtp: Smtp
) -> None:
    first = customer_mail("Dzień dobry, gdzie paczka?", subject="Gdzie paczka?")
    dovecot.append(mailbox, first)
    fetch(gate)
    first_message = Message.get(Message.ticket == Ticket.get().number)
    customer_id = MailId.get(MailId.message == first_message.id).mail_id
    (ticket,) = Ticket.select()
    gate.messages.reply(ticket.number, "Dzień dobry, paczka wyszła wczoraj. Zażółć gęślą jaźń.")
    gate.messages.note(ticket.number, "internal: never to the customer")
    lines = send(gate)
    assert lines == [f"Support: reply on #{ticket.number} to jan@example.pl: sent"]
    (received,) = smtp.received
    mail = received.message
    assert received.sender == SUPPORT and received.recipients == ["jan@example.pl"]
    assert mail["Subject"] == f"[#{ticket.number}] Gdzie paczka?"
    item = OutboxItem.get()
    assert mail["Message-ID"] == item.mail_id
    assert mail["In-Reply-To"] == customer_id
    assert mail["References"] == customer_id
    assert mail.get_content().strip() == "Dzień dobry, paczka wyszła wczoraj. Zażółć gęślą jaźń."
    assert (item.state, item.attempts) == ("sent", 1)
    assert send(gate) == []  # sent once, and notes never


def test_header_injection_through_subject_or_name_is_impossible(
    gate: Gate, dovecot: Dovecot, mailbox: str, smtp: Smtp
) -> None:
    dovecot.append(mailbox, customer_mail(subject="Help"))
    fetch(gate)
    (ticket,) = Ticket.select()
    Ticket.update(subject="Help\r\nBcc: eve@evil.example\r\n\r\nfake body").execute()
    ticket.requester.display_name = "Jan\nBcc: eve@evil.example"
    ticket.requester.save()
    gate.messages.reply(ticket.number, "Answer")
    send(gate)
    (received,) = smtp.received
    assert received.recipients == ["jan@example.pl"]
    headers = received.raw.split(b"\r\n\r\n", 1)[0]
    assert b"\nBcc:" not in headers and b"\nbcc:" not in headers.lower()
    assert received.message["Subject"].startswith(f"[#{ticket.number}] Help Bcc:")
    assert received.message.get_content().strip() == "Answer"


def test_a_refused_send_is_retried_later_and_a_permanent_one_fails(
    gate: Gate, dovecot: Dovecot, mailbox: str, smtp: Smtp
) -> None:
    dovecot.append(mailbox, customer_mail())
    fetch(gate)
    number = Ticket.get().number
    gate.messages.reply(number, "First answer")
    smtp.recorder.refuse = "451 4.3.0 try again later"
    assert "queued" in send(gate)[0]
    item = OutboxItem.get()
    assert item.attempts == 1 and "451" in item.last_error and item.state == "queued"
    assert send(gate) == []  # not due yet: backoff
    reply = next(m for m in gate.tickets.get_ticket(number).messages if m.kind == "reply")
    assert (reply.delivery, reply.delivery_error) == ("queued", item.last_error)
    smtp.recorder.refuse = "550 5.7.1 relaying denied"
    OutboxItem.update(next_try_at=utcnow()).execute()  # the backoff has passed
    assert "failed" in send(gate)[0]
    assert OutboxItem.get().state == "failed"
    assert gate.sources.mail_accounts()[0].failed == 1


def test_a_lost_mark_resends_once_with_the_same_message_id(
    gate: Gate, dovecot: Dovecot, mailbox: str, smtp: Smtp
) -> None:
    dovecot.append(mailbox, customer_mail())
    fetch(gate)
    gate.messages.reply(Ticket.get().number, "Answer")
    send(gate)
    # A crash after the server's OK and before the mark leaves the row queued.
    OutboxItem.update(state="queued", sent_at=None).execute()
    send(gate)
    first, second = smtp.received
    assert first.message["Message-ID"] == second.message["Message-ID"]
    assert OutboxItem.get().state == "sent"


def test_an_archived_source_neither_fetches_nor_sends(
    gate: Gate, dovecot: Dovecot, mailbox: str
) -> None:
    dovecot.append(mailbox, customer_mail())
    gate.sources.set_archived("Support", True)
    assert gate.mailboxes.open_mail_sources() == []
