"""Signatures: a source's, or one agent's on that source in its place, under the replies that
leave by mail (added when the e-mail is composed, filled for the ticket and the reply's author);
the ticket keeps the reply as written, a note gets none, a source without a way out none;
set with `ticketty sources signature`."""

from __future__ import annotations

import json

import peewee
import pytest

from access import Gate, InvalidInput, PermissionDenied
from access.outbox import reply_to_send
from mail.compose import compose
from store.models import Message, OutboxItem, Source, Ticket
from tests.cli.test_cli import run

MAILBOX = "support@shop.example"


def open_mail_ticket() -> Ticket:
    source = Source.get(Source.name == MAILBOX).id
    return (
        Ticket.select()
        .where((Ticket.source == source) & Ticket.status.in_(["new", "open"]))
        .order_by(Ticket.number)
        .first()
    )


def sent_text(number: int) -> str:
    """The text of the e-mail the ticket's last reply leaves as."""
    last = Message.select().where(Message.ticket == number).order_by(Message.id.desc()).first()
    item = OutboxItem.get(OutboxItem.message == last.id)
    assert last.body == "It is on its way."  # the ticket keeps the reply as written
    return str(compose(reply_to_send(item)).get_content())


def test_a_reply_by_mail_leaves_with_the_signature(demo_db: peewee.Database) -> None:
    ada, tom = Gate(demo_db, "ada"), Gate(demo_db, "tom")
    ticket = open_mail_ticket()
    ada.signatures.set_signature(MAILBOX, "-- \n{{agent.name}}, {{source.name}}")
    assert tom.signatures.signature_for(ticket.number) == "-- \nTom Schulz, support@shop.example"
    tom.messages.reply(ticket.number, "It is on its way.")
    assert sent_text(ticket.number) == (
        "It is on its way.\n\n-- \nTom Schulz, support@shop.example\n"
    )
    tom.signatures.set_signature(MAILBOX, "Tom from the shop", username="tom")
    tom.messages.reply(ticket.number, "It is on its way.")
    assert sent_text(ticket.number) == "It is on its way.\n\nTom from the shop\n"
    tom.messages.note(ticket.number, "Called the courier.")
    note = Message.select().order_by(Message.id.desc()).first()
    assert (
        note.body == "Called the courier."
        and not OutboxItem.select().where(OutboxItem.message == note.id).exists()
    )
    phone = Ticket.select().where(Ticket.source == Source.get(Source.name == "Phone").id).first()
    ada.signatures.set_signature("Phone", "Phone team")
    assert ada.signatures.signature_for(phone.number) == ""  # nothing leaves by mail there


def test_who_may_set_which_and_bad_input(demo_db: peewee.Database) -> None:
    tom = Gate(demo_db, "tom")
    with pytest.raises(PermissionDenied):
        tom.signatures.set_signature(MAILBOX, "Mine")
    with pytest.raises(PermissionDenied):
        tom.signatures.set_signature(MAILBOX, "Ola's", username="ola")
    with pytest.raises(InvalidInput, match=r"unknown variable \{\{agent\.nmae\}\}"):
        tom.signatures.set_signature(MAILBOX, "{{agent.nmae}}", username="tom")


def test_the_command_line_sets_lists_and_removes(capsys, demo_copy: str) -> None:
    code, out, err = run(
        capsys, demo_copy, "ada", "sources", "signature", "Phone", "--body", "Phone team"
    )
    assert (code, out, err) == (0, "set the signature of Phone\n", "")
    code, out, _ = run(capsys, demo_copy, "ada", "sources", "signatures", "--json")
    listed = json.loads(out)
    assert {"source": "Phone", "person": None, "body": "Phone team"} in listed
    assert {s["source"] for s in listed} == {"Phone", MAILBOX, "Allegro PL"}
    code, out, _ = run(capsys, demo_copy, "ada", "sources", "signature", "Phone", "--body", "")
    assert (code, out) == (0, "removed the signature of Phone\n")
