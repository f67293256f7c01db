"""Rules never answer machines in a loop (RFC 3834), through the real Dovecot and SMTP server:
mail from a list, from a machine's address or asking for no answer is filed and gets no
automatic reply; one address gets at most `AUTO_REPLIES_PER_DAY` automatic replies a day, so a
ping-pong with an autoresponder that marks nothing stops; what a rule sends says it is
automatic on the wire (`Auto-Submitted`), and an agent's reply does not."""

from __future__ import annotations

import json
from datetime import timedelta
from email import message_from_bytes
from email.message import Message as MailMessage

import peewee
import pytest

from access import Gate
from access.auto_replies import AUTO_REPLIES_PER_DAY
from mail.channel import MailChannel
from store.models import AuditEvent, Message, OutboxItem, Ticket, utcnow
from store.rows import tuple_rows
from store.words import HIGH
from tests.mail_servers import Dovecot, Smtp
from tests.mail_support import customer_mail, mail_helpdesk
from tui.audit_text import sentence

pytestmark = pytest.mark.usefixtures("mail_password")

JAN = "jan@example.pl"


@pytest.fixture
def desk(db: peewee.Database, dovecot: Dovecot, mailbox: str, smtp: Smtp) -> Gate:
    """Support acknowledges every new ticket with a canned reply, then raises its priority."""
    gate = mail_helpdesk(db, imap=dovecot.url(mailbox), smtp=smtp.url)
    gate.replies.add_reply("Thanks", "We have your message and answer soon.")
    gate.rules.create_rule("Ack", on="created", actions=["reply:Thanks", "priority:high"])
    return gate


def fetch_and_send(gate: Gate) -> None:
    channel = MailChannel(gate)
    source = gate.mailboxes.mail_source("Support")
    channel.fetch(source, lambda _: None)
    channel.send(source, lambda _: None)


def wire(smtp: Smtp, start: int = 0) -> list[MailMessage]:
    """What the SMTP server received (from the `start`th mail on), as parsed headers."""
    return [message_from_bytes(r.raw) for r in smtp.received[start:]]


def held() -> dict[int, str]:
    query = AuditEvent.select(AuditEvent.ticket, AuditEvent.after).where(
        AuditEvent.action == "rule.held"
    )
    return {ticket: json.loads(after) for ticket, after in tuple_rows(query)}


def test_mail_from_a_list_or_a_machine_is_filed_and_gets_no_automatic_reply(
    desk: Gate, dovecot: Dovecot, mailbox: str, smtp: Smtp
) -> None:
    machines = {
        "Newsletter": {"List-Id": "<offers.shop.example>"},
        "Unsubscribe": {"List-Unsubscribe": "<mailto:leave@shop.example>"},
        "Exchange": {"X-Auto-Response-Suppress": "DR, OOF"},
    }
    for subject, headers in machines.items():
        dovecot.append(mailbox, customer_mail("Hello", subject=subject, headers=headers))
    dovecot.append(
        mailbox, customer_mail("Order 7 shipped", subject="Shipped", sender="no-reply@shop.pl")
    )
    # An autoresponder marked as RFC 3834 asks makes no ticket at all (as before).
    dovecot.append(
        mailbox,
        customer_mail("Away", subject="Out", headers={"Auto-Submitted": "auto-replied"}),
    )
    dovecot.append(mailbox, customer_mail("Where is my parcel?", subject="Parcel"))
    fetch_and_send(desk)

    subjects = {t.subject: t.number for t in Ticket.select()}
    assert sorted(subjects) == sorted([*machines, "Shipped", "Parcel"])
    (sent,) = wire(smtp)
    assert sent["To"].endswith(f"<{JAN}>") and f"[#{subjects['Parcel']}]" in sent["Subject"]
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["X-Auto-Response-Suppress"] == "All"
    why = held()
    assert set(why) == {subjects[s] for s in [*machines, "Shipped"]}
    assert "automatic (mailing list: List-Id)" in why[subjects["Newsletter"]]
    assert "X-Auto-Response-Suppress dr, oof" in why[subjects["Exchange"]]
    assert "sent by no-reply@" in why[subjects["Shipped"]]
    shipped = subjects["Shipped"]
    history = [sentence(e) for e in desk.tickets.ticket_history(shipped)]
    assert (
        "rule Ack held its reply Thanks: the message it answers is automatic (sent by no-reply@)"
    ) in history
    marks = {m.ticket_id: m.automatic for m in Message.select().where(Message.kind == "customer")}
    assert marks[subjects["Parcel"]] == "" and marks[subjects["Unsubscribe"]]
    # The rule's other action ran on every ticket, held reply or not.
    assert {t.priority for t in Ticket.select()} == {HIGH}

    # An agent's reply is a person's: no Auto-Submitted.
    desk.messages.reply(subjects["Newsletter"], "We will read your offers.")
    fetch_and_send(desk)
    (agent,) = wire(smtp, 1)
    assert agent["Auto-Submitted"] is None and agent["X-Auto-Response-Suppress"] is None


def test_a_sixth_mail_in_a_day_from_one_address_gets_no_automatic_reply(
    desk: Gate, dovecot: Dovecot, mailbox: str, smtp: Smtp
) -> None:
    for n in range(AUTO_REPLIES_PER_DAY + 1):
        dovecot.append(mailbox, customer_mail(f"Question {n}", subject=f"Question {n}"))
    fetch_and_send(desk)
    assert len(wire(smtp)) == AUTO_REPLIES_PER_DAY
    last = Ticket.get(Ticket.subject == f"Question {AUTO_REPLIES_PER_DAY}").number
    assert list(held()) == [last]
    said = f"{AUTO_REPLIES_PER_DAY} automatic replies went to the address in 24 hours"
    assert held()[last] == f"rule Ack held its reply Thanks: {said}"
    assert Ticket.get_by_id(last).priority == HIGH

    # A day after they were queued, the address may be answered again.
    OutboxItem.update(queued_at=utcnow() - timedelta(hours=24, minutes=1)).execute()
    dovecot.append(mailbox, customer_mail("Next day", subject="Next day"))
    fetch_and_send(desk)
    (answer,) = wire(smtp, AUTO_REPLIES_PER_DAY)
    assert answer["Auto-Submitted"] == "auto-replied"


@pytest.mark.parametrize("marks_itself", [False, True])
def test_a_ping_pong_with_an_autoresponder_stops(
    desk: Gate, dovecot: Dovecot, mailbox: str, smtp: Smtp, marks_itself: bool
) -> None:
    """Jan's mailbox answers everything it gets with a new message (no thread to join), so
    every answer is a new ticket, which the rule acknowledges. Marked or not, it stops."""
    answer_headers = {"Auto-Submitted": "auto-replied"} if marks_itself else {}
    dovecot.append(mailbox, customer_mail("Hello", subject="Hello"))
    rounds = 0
    seen = 0
    while rounds < 3 * AUTO_REPLIES_PER_DAY:
        fetch_and_send(desk)
        new = wire(smtp, seen)
        seen += len(new)
        if not new:
            break
        for mail in new:
            assert mail["Auto-Submitted"] == "auto-replied"
            answer = customer_mail(
                "I am on holiday.", subject=f"Holiday {rounds}", headers=answer_headers
            )
            dovecot.append(mailbox, answer)
        rounds += 1
    expected = 1 if marks_itself else AUTO_REPLIES_PER_DAY
    assert seen == expected
    assert rounds == expected
    tickets = Ticket.select().count()
    assert tickets == (1 if marks_itself else AUTO_REPLIES_PER_DAY + 1)
    assert len(held()) == (0 if marks_itself else 1)
