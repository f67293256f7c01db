"""Rules on mail taken in from the real Dovecot: a new ticket by mail runs the `created` rules,
the customer's answer to it the `customer` rules; each as the rule's owner."""

from __future__ import annotations

from email.utils import make_msgid

import peewee
import pytest

from mail.channel import MailChannel
from store.models import AuditEvent, Message, Ticket
from store.words import DEFAULT_PRIORITY, HIGH, NOTE
from tests.mail_servers import Dovecot, Smtp
from tests.mail_support import customer_mail, mail_helpdesk

pytestmark = pytest.mark.usefixtures("mail_password")


def test_mail_taken_in_runs_the_rules_of_its_event(
    db: peewee.Database, dovecot: Dovecot, mailbox: str, smtp: Smtp
) -> None:
    gate = mail_helpdesk(db, imap=dovecot.url(mailbox), smtp=smtp.url)
    gate.rules.create_rule(
        "Refunds", on="created", conditions=["words=refund", "source=Support"],
        actions=["priority:high"],
    )  # fmt: skip
    gate.rules.create_rule("Answered", on="customer", actions=["note:the customer answered"])
    first = make_msgid(domain="example.pl")
    dovecot.append(
        mailbox, customer_mail("I want a REFUND", subject="Money back", message_id=first)
    )
    dovecot.append(mailbox, customer_mail("Where is it?", subject="Parcel"))
    channel = MailChannel(gate)
    source = gate.mailboxes.mail_source("Support")
    said: list[str] = []
    channel.fetch(source, said.append)
    refund = Ticket.get(Ticket.subject == "Money back")
    assert refund.priority == HIGH
    assert Ticket.get(Ticket.subject == "Parcel").priority == DEFAULT_PRIORITY
    assert not Message.select().where(Message.kind == NOTE).exists()
    dovecot.append(
        mailbox, customer_mail("Still waiting", subject="Re: Money back", in_reply_to=first)
    )
    channel.fetch(source, said.append)
    notes = Message.select().where(Message.kind == NOTE)
    assert [m.ticket_id for m in notes] == [refund.number]
    acted = AuditEvent.select().where(AuditEvent.action == "rule.acted").order_by(AuditEvent.id)
    assert [e.ticket for e in acted] == [refund.number, refund.number]
