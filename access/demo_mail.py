"""The demo's e-mail source as a connected mailbox: its account, its conversations threaded by
Message-ID (customers' messages in, replies sent), a reply waiting to go out, one bounced, and a
message in quarantine. Written with portable inserts, after the demo's tickets."""

from __future__ import annotations

from datetime import datetime

from access.vocabulary import NOTE, REPLY, SENT
from store.models import (
    MailAccount,
    MailId,
    Message,
    OutboxItem,
    Person,
    QuarantinedMail,
    Ticket,
)
from store.rows import tuple_rows

ADDRESS = "support@shop.example"
THREADED_TICKETS = 300

BROKEN_MAIL = (
    b"Subject: =?utf-8?B?WmFtw7N3aWVuaWU=?=\r\nContent-Type: text/plain\r\n\r\n"
    b"A message with no sender: kept here until someone looks at it.\r\n"
)


def seed_mailbox(source_id: int, now: datetime) -> None:
    MailAccount.create(
        source=source_id,
        address=ADDRESS,
        imap_url="imaps://support%40shop.example@mail.shop.example:993/INBOX",
        smtp_url="smtp+starttls://support%40shop.example@mail.shop.example:587",
        imap_secret_for="support@shop.example@mail.shop.example",
        smtp_secret_for="support@shop.example@mail.shop.example",
        last_fetch_at=now,
    )
    numbers = [
        t.number
        for t in Ticket.select(Ticket.number)
        .where(Ticket.source == source_id)
        .order_by(Ticket.number.desc())
        .limit(THREADED_TICKETS)
    ]
    emails = dict(
        tuple_rows(
            Ticket.select(Ticket.number, Person.email)
            .join(Person, on=(Ticket.requester == Person.id))
            .where(Ticket.number.in_(numbers))
        )
    )
    messages = (
        Message.select(Message.id, Message.ticket, Message.kind, Message.created_at)
        .where(Message.ticket.in_(numbers) & (Message.kind != NOTE))
        .order_by(Message.id)
    )
    ids: list[dict] = []
    outbox: list[dict] = []
    for message in messages:
        outgoing = message.kind == REPLY
        mail_id = f"<demo.{message.id}@{'shop.example' if outgoing else 'customer.example'}>"
        ids.append(
            {
                "mail_id": mail_id,
                "source": source_id,
                "ticket": message.ticket_id,
                "message": message.id,
                "outgoing": outgoing,
            }
        )
        if outgoing:
            outbox.append(
                {
                    "message": message.id,
                    "source": source_id,
                    "mail_id": mail_id,
                    "recipient": emails[message.ticket_id],
                    "state": SENT,
                    "attempts": 1,
                    "next_try_at": message.created_at,
                    "sent_at": message.created_at,
                }
            )
    for rows, model in ((ids, MailId), (outbox, OutboxItem)):
        for start in range(0, len(rows), 500):
            model.insert_many(rows[start : start + 500]).execute()
    latest = OutboxItem.select().order_by(OutboxItem.id.desc()).limit(2)
    for item, (state, error) in zip(
        latest,
        (("queued", "451 4.3.0 try again later"), ("failed", "bounced: 550 5.1.1 user unknown")),
        strict=False,
    ):
        OutboxItem.update(state=state, last_error=error, sent_at=None).where(
            OutboxItem.id == item.id
        ).execute()
    QuarantinedMail.create(
        source=source_id,
        origin="imap INBOX uid 4711",
        reason="the message has no sender address",
        raw_mail=BROKEN_MAIL,
        received_at=now,
    )
