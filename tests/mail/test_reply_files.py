"""Files attached to a reply (from the app's composer): kept with the reply in its transaction,
listed on the ticket, leaving with the reply's e-mail as attachments; a name keeps its last
part only; the audit event names them."""

from __future__ import annotations

import json

import peewee
import pytest

from access import Gate, InvalidInput
from access.messages import NewFile
from access.outbox import reply_to_send
from mail.compose import compose
from store.models import AuditEvent, Message, OutboxItem
from tests.mail.test_signatures import open_mail_ticket


def test_a_reply_leaves_with_its_files(demo_db: peewee.Database) -> None:
    tom = Gate(demo_db, "tom")
    number = open_mail_ticket().number
    files = [
        NewFile("../../refund.pdf", "application/pdf", b"%PDF-1.4 refund"),
        NewFile("notes", "", b"\x00\x01"),
    ]
    tom.messages.reply(number, "Your refund form is attached.", files=files)
    last = tom.tickets.get_ticket(number).messages[-1]
    assert [(a.filename, a.size, a.kept) for a in last.attachments] == [
        ("refund.pdf", 15, True),
        ("notes", 2, True),
    ]
    listed, data = tom.tickets.attachment(number, last.attachments[0].id)
    assert listed.content_type == "application/pdf" and data == b"%PDF-1.4 refund"
    item = OutboxItem.get(OutboxItem.message == last.id)
    mail = compose(reply_to_send(item))
    parts = [
        (p.get_filename(), p.get_content_type(), p.get_content()) for p in mail.iter_attachments()
    ]
    assert parts == [
        ("refund.pdf", "application/pdf", b"%PDF-1.4 refund"),
        ("notes", "application/octet-stream", b"\x00\x01"),
    ]
    body = mail.get_body(("plain",))
    assert body is not None and "Your refund form is attached." in str(body.get_content())
    event = (
        AuditEvent.select()
        .where(AuditEvent.action == "ticket.reply")
        .order_by(AuditEvent.id.desc())
        .first()
    )
    assert json.loads(event.after)["files"] == ["refund.pdf", "notes"]


def test_a_file_without_a_name_refuses_the_reply_whole(demo_db: peewee.Database) -> None:
    tom = Gate(demo_db, "tom")
    number = open_mail_ticket().number
    before = Message.select().where(Message.ticket == number).count()
    with pytest.raises(InvalidInput, match="not a file name"):
        tom.messages.reply(number, "Attached.", files=[NewFile("..", "text/plain", b"x")])
    assert Message.select().where(Message.ticket == number).count() == before
