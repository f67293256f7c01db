"""Copies (Cc) and merged tickets on the wire, against the suite's real Dovecot and SMTP server:
a customer's Cc is kept on the ticket, an answer from a copied address threads onto it and a
stranger's does not, replies go to the requester with the copies in Cc, and mail answering a
ticket merged into another lands on that other."""

from __future__ import annotations

import peewee
import pytest

from access import Gate
from mail.channel import MailChannel
from store.models import Message, OutboxItem
from tests.mail_servers import Dovecot, Smtp
from tests.mail_support import SUPPORT, customer_mail, mail_helpdesk

pytestmark = pytest.mark.usefixtures("mail_password")


@pytest.fixture
def gate(db: peewee.Database, dovecot: Dovecot, mailbox: str, smtp: Smtp) -> Gate:
    return mail_helpdesk(db, imap=dovecot.url(mailbox), smtp=smtp.url)


def fetched(gate: Gate, dovecot: Dovecot, mailbox: str, *mails: bytes) -> list[str]:
    """Put `mails` in the IMAP mailbox and fetch them; what became of each, in order."""
    for raw in mails:
        dovecot.append(mailbox, raw)
    said: list[str] = []
    MailChannel(gate).fetch(gate.mailboxes.mail_source("Support"), said.append)
    return said


def number_in(line: str) -> int:
    return int(line.split("#")[1].split()[0])


def test_a_copied_address_threads_onto_the_ticket_and_a_stranger_does_not(
    gate: Gate, dovecot: Dovecot, mailbox: str
) -> None:
    first = customer_mail(
        headers={"Cc": f"Anna <Anna@Customer.example>, {SUPPORT}, bad address, jan@example.pl"}
    )
    (line,) = fetched(gate, dovecot, mailbox, first)
    number = number_in(line)
    assert gate.tickets.get_ticket(number).copies == ("anna@customer.example",)
    from_copy = customer_mail(
        "Anna here: the parcel is in our office after all",
        sender="Anna <anna@customer.example>",
        subject=f"Re: [#{number}] Parcel missing",
    )
    from_stranger = customer_mail(
        "I am not copied", sender="eve@elsewhere.example", subject=f"Re: [#{number}] Parcel missing"
    )
    said = fetched(gate, dovecot, mailbox, from_copy, from_stranger)
    assert "appended" in said[0] and number_in(said[0]) == number
    assert "new" in said[1] and number_in(said[1]) != number
    bodies = [m.body for m in gate.tickets.get_ticket(number).messages]
    assert bodies[-1] == "Anna here: the parcel is in our office after all"
    assert "I am not copied" not in bodies


def test_a_reply_goes_to_the_requester_with_the_copies_in_cc(
    gate: Gate, dovecot: Dovecot, mailbox: str, smtp: Smtp
) -> None:
    (line,) = fetched(
        gate, dovecot, mailbox, customer_mail(headers={"Cc": "anna@customer.example"})
    )
    number = number_in(line)
    gate.copies.change_copies(number, add=["bo@customer.example"])
    gate.messages.reply(number, "It is on its way.")
    MailChannel(gate).send(gate.mailboxes.mail_source("Support"), lambda _: None)
    (received,) = smtp.received
    assert sorted(received.recipients) == [
        "anna@customer.example",
        "bo@customer.example",
        "jan@example.pl",
    ]
    message = received.message
    assert str(message["To"]) == "Jan Kowalski <jan@example.pl>"
    assert str(message["Cc"]) == "anna@customer.example, bo@customer.example"
    assert OutboxItem.get().state == "sent"


def test_mail_answering_a_merged_ticket_lands_on_the_ticket_it_was_merged_into(
    gate: Gate, dovecot: Dovecot, mailbox: str
) -> None:
    first = customer_mail("Where is my parcel?", message_id="<one@example.pl>")
    second = customer_mail("Me again about the parcel", subject="Parcel?!")
    kept, merged = (number_in(line) for line in fetched(gate, dovecot, mailbox, first, second))
    gate.merging.merge(merged, kept)
    by_tag = customer_mail("Any news?", subject=f"Re: [#{merged}] Parcel?!")
    said = fetched(gate, dovecot, mailbox, by_tag)
    assert "appended" in said[0] and number_in(said[0]) == kept
    # The merged ticket's own Message-IDs now thread onto the ticket kept, too.
    merged_mail_id = Message.select().where(Message.body == "Me again about the parcel").get()
    assert merged_mail_id.ticket_id == kept
    gate.changes.close(kept)
    reopened = customer_mail("Still nothing", subject=f"Re: [#{merged}] Parcel?!")
    said = fetched(gate, dovecot, mailbox, reopened)
    assert "follow-up" in said[0] and f"follow-up of #{kept}" in said[0]
    assert len(gate.tickets.get_ticket(merged).messages) == 0
