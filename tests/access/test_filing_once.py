"""Filing a ticket, making a requester and adding the customer's message are written once
(`access.filing`, `access.requesters`): the new-ticket form, the command line and mail make a
customer, and write their message, the same way."""

from __future__ import annotations

import json

import peewee

from mail.channel import MailChannel
from store.models import AuditEvent, Message, Person
from tests.mail_support import customer_mail, mail_helpdesk


def added_people() -> list[dict[str, str]]:
    events = AuditEvent.select().where(AuditEvent.action == "person.add").order_by(AuditEvent.id)
    return [json.loads(event.after) for event in events]


def test_a_customer_named_in_the_form_and_one_whose_mail_came_are_made_alike(
    db: peewee.Database,
) -> None:
    gate = mail_helpdesk(db)
    gate.filing.create_ticket(
        "Broken kettle", "Called in", requester="ola+shop@example.pl", requester_name="Ola Nowak"
    )
    sender = "Ola From Home <ola+shop@home.example>"
    taken = MailChannel(gate).take_mail(
        gate.mailboxes.mail_source("Support"), customer_mail(sender=sender), "test"
    )
    assert taken.outcome == "new"
    people = {p.email: (p.username, p.display_name) for p in Person.select()}
    assert people["ola+shop@example.pl"] == ("ola-shop", "Ola Nowak")
    assert people["ola+shop@home.example"] == ("ola-shop-2", "Ola From Home")
    assert added_people() == [
        {"username": "ola-shop", "display_name": "Ola Nowak"},
        {"username": "ola-shop-2", "display_name": "Ola From Home", "by": "mail"},
    ]


def test_the_customers_answer_in_the_app_and_by_mail_reopen_and_are_audited_alike(
    db: peewee.Database,
) -> None:
    gate = mail_helpdesk(db)
    mail = MailChannel(gate)
    number = mail.take_mail(gate.mailboxes.mail_source("Support"), customer_mail(), "test").ticket
    assert number is not None
    gate.changes.set_status(number, "pending")
    answer = customer_mail("It came, thanks", subject=f"Re: [#{number}] Parcel missing")
    assert (
        mail.take_mail(gate.mailboxes.mail_source("Support"), answer, "test").outcome == "appended"
    )
    assert gate.tickets.get_ticket(number).row.status == "open"
    kinds = [m.kind for m in Message.select().where(Message.ticket == number)]
    assert kinds == ["customer", "customer"]
    reopened = AuditEvent.select().where(
        (AuditEvent.action == "ticket.status") & (AuditEvent.ticket == number)
    )
    assert [json.loads(e.after) for e in reopened] == ["pending", "open"]
