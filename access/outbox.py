"""Replies out, the gate's part: queued in the reply's own transaction, claimed by a sender,
marked after the server accepted them (the wire is the mail channel's, `mail.channel`). A
crash between the server's OK and the mark sends the same message again, with the same
Message-ID, so the customer's client shows it once.

Several senders may run at once (`serve` and a `mail send`, two hosts): a sender first claims a
reply (`claim`: its name and a lease, in a short transaction of its own that only one sender
wins), hands it to SMTP, then marks it and lets the claim go. A sender killed in between leaves
a claim that runs out after `LEASE`, and the reply is taken again."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import peewee

from access.canned_text import signature_text
from access.views import ReplyRoute
from access.vocabulary import FAILED, QUEUED, SENT
from store import dialect
from store.among import among
from store.links import copies_of
from store.models import (
    Attachment,
    MailAccount,
    MailId,
    Message,
    OutboxItem,
    Person,
    Source,
    Ticket,
    database_proxy,
)
from store.prepared import PreparedInsert
from store.rows import dict_rows, tuple_rows

MAX_ATTEMPTS = 8
_FIRST_RETRY = timedelta(seconds=30)
_LAST_RETRY = timedelta(hours=2)
# Longer than one reply's hand-over to SMTP can take (each SMTP step has its own timeout).
LEASE = timedelta(minutes=5)


class Delivery(NamedTuple):
    item_id: int
    ticket: int
    recipient: str
    state: str
    detail: str = ""


def failed_reply(number: int, message_id: int) -> OutboxItem:
    """The delivery of reply `message_id` of ticket `number`, when it failed; else one line
    saying why it cannot be sent again."""
    from access.errors import InvalidInput, NoChange, NotFound

    item: OutboxItem | None = (
        OutboxItem.select()
        .join(Message)
        .where((Message.id == message_id) & (Message.ticket == number))
        .first()
    )
    if item is None:
        raise NotFound(f"#{number} has no reply {message_id} sent by mail")
    if item.state == QUEUED:
        raise NoChange(f"reply {message_id} of #{number} is already waiting to send")
    if item.state != FAILED:
        raise InvalidInput(
            f"reply {message_id} of #{number} is {item.state}; only a failed one is sent again"
        )
    return item


def queue_again(item: OutboxItem, now: datetime) -> None:
    """A failed reply queued anew, due `now`, its tries forgotten; the same Message-ID, so the
    customer's client shows it once should the first copy arrive after all."""
    OutboxItem.update(
        state=QUEUED, attempts=0, next_try_at=now, last_error="", sent_at=None, **UNCLAIMED
    ).where(OutboxItem.id == item.id).execute()


class Outgoing(NamedTuple):
    """The way out of a ticket's replies: the mailbox they are sent from, or why there is
    none (`unsent`). One rule for queueing a reply, for saying beforehand where it goes, and
    for telling afterwards that it was not sent."""

    account: MailAccount | None
    source: Source
    requester: Person
    unsent: str
    ticket: int

    def route(self, contact: bool) -> ReplyRoute:
        """Where a reply goes, naming the requester's address only with `contact` (the
        person's tickets.view_contact on the ticket), else their name."""
        requester = self.requester
        recipient = requester.email if contact and requester.email else requester.display_name
        if self.account is None or self.unsent:
            return ReplyRoute(recipient, "", self.unsent)
        problem = "" if self.account.smtp_url else f"{self.source.name} has no SMTP server set"
        requester_address = (requester.email or "").lower()
        copies = [a for a in copies_of(self.ticket) if a != requester_address]
        shown = tuple(copies) if contact else ()
        return ReplyRoute(recipient, self.account.address, "", problem, shown, len(copies))


def outgoing(ticket: Ticket) -> Outgoing:
    account = MailAccount.get_or_none(MailAccount.source == ticket.source_id)
    source = Source.get_by_id(ticket.source_id)
    requester = Person.get_by_id(ticket.requester_id)
    unsent = _why_unsent(account is not None, source, requester.email, requester.display_name)
    return Outgoing(account, source, requester, unsent, ticket.number)


def _why_unsent(has_account: bool, source: Source, email: str | None, name: str) -> str:
    """Why a reply on a ticket of `source` to a requester (`email`, `name`) is not sent; ""
    when it is."""
    if not has_account:
        return f"{source.name} has no outgoing channel"
    if source.archived:
        return f"{source.name} is disconnected (archived)"
    if not email:
        return f"{name} has no e-mail address"
    return ""


def queue_replies(messages: dict[int, int], now: datetime, auto_submitted: str = "") -> None:
    """`queue_reply` for many replies at once (`messages`: ticket number to its reply's
    message id), queued `now`, in the caller's transaction: one read of the tickets' ways
    out, one insert of the deliveries and one of their Message-IDs, however many tickets.
    `auto_submitted`: a rule's replies, their mail marked so (RFC 3834)."""
    if not messages:
        return
    query = (
        Ticket.select(
            Ticket.number,
            Source.id.alias("source_id"),
            Source.name.alias("source_name"),
            Source.archived,
            Person.email,
            Person.display_name,
            MailAccount.address,
            MailAccount.id.alias("account_id"),
        )
        .join(Source, on=(Ticket.source == Source.id))
        .switch(Ticket)
        .join(Person, on=(Ticket.requester == Person.id))
        .switch(Ticket)
        .join(MailAccount, peewee.JOIN.LEFT_OUTER, on=(MailAccount.source == Ticket.source))
        .where(among(Ticket.number, messages))
    )
    deliveries = []
    for row in dict_rows(query):
        source = Source(id=row["source_id"], name=row["source_name"], archived=row["archived"])
        email = row["email"]
        if _why_unsent(row["account_id"] is not None, source, email, row["display_name"]):
            continue
        number = row["number"]
        deliveries.append(_delivery(number, messages[number], source.id, row["address"], email))
    _write_deliveries(deliveries, now, auto_submitted)


def queue_reply(ticket: Ticket, message_id: int, now: datetime) -> str:
    """Queue message `message_id` (a reply) for the requester when its source is a connected
    mailbox, `now`; else say why it is not sent. Call inside the reply's transaction."""
    way = outgoing(ticket)
    account, requester = way.account, way.requester
    if account is None or way.unsent:
        return way.unsent
    _write_deliveries(
        [_delivery(ticket.number, message_id, ticket.source_id, account.address, requester.email)],
        now,
    )
    return ""


def _delivery(
    number: int, message: int, source: int, address: str, email: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The outbox row and the Message-ID row of reply `message` on ticket `number`, sent from
    `address` to `email`."""
    domain = address.rpartition("@")[2] or "ticketty.invalid"
    mail_id = f"<{uuid.uuid4().hex}.{number}@{domain}>"
    item = {"message": message, "source": source, "mail_id": mail_id, "recipient": email}
    sent_id = {
        "mail_id": mail_id,
        "source": source,
        "ticket": number,
        "message": message,
        "outgoing": True,
    }
    return item, sent_id


def _write_deliveries(
    deliveries: list[tuple[dict[str, Any], dict[str, Any]]], now: datetime, auto_submitted: str = ""
) -> None:
    """The outbox rows, queued and due `now`, and their Message-IDs, one insert each."""
    if deliveries:
        due = {"auto_submitted": auto_submitted, "queued_at": now, "next_try_at": now}
        _OUTBOX_ROW.run_many([{**item, **due} for item, _ in deliveries])
        _MAIL_ID_ROW.run_many([sent_id for _, sent_id in deliveries])


# The inserts of `_write_deliveries`, their SQL built once per database and count of rows.
_OUTBOX_ROW = PreparedInsert(
    OutboxItem,
    ("message", "source", "mail_id", "recipient", "auto_submitted", "queued_at", "next_try_at"),
)
_MAIL_ID_ROW = PreparedInsert(MailId, ("mail_id", "source", "ticket", "message", "outgoing"))


def _claimable(source_id: int, now: datetime) -> peewee.Expression:
    return (
        (OutboxItem.source == source_id)
        & (OutboxItem.state == QUEUED)
        & (OutboxItem.next_try_at <= now)
        & (OutboxItem.claimed_until.is_null() | (OutboxItem.claimed_until < now))
    )


def any_due(source_id: int, now: datetime) -> bool:
    """Whether a reply of the source waits to be claimed at `now` (one indexed read, no
    lock)."""
    return OutboxItem.select(OutboxItem.id).where(_claimable(source_id, now)).exists()


def claim(source_id: int, sender: str, now: datetime) -> OutboxItem | None:
    """The next reply due on the source, claimed by `sender` until `LEASE` from `now`; None when
    none is left. Its own short write transaction (IMMEDIATE on SQLite; on PostgreSQL the row
    is read `FOR UPDATE SKIP LOCKED`), and the update repeats the condition, so of two
    senders only one ever holds a reply."""
    with database_proxy.atomic():
        query = (
            OutboxItem.select(OutboxItem.id)
            .where(_claimable(source_id, now))
            .order_by(OutboxItem.next_try_at, OutboxItem.id)
            .limit(1)
        )
        if not dialect.is_sqlite(database_proxy):
            query = query.for_update(skip_locked=True)
        row = query.first()
        if row is None:
            return None
        taken = (
            OutboxItem.update(claimed_by=sender, claimed_until=now + LEASE)
            .where((OutboxItem.id == row.id) & _claimable(source_id, now))
            .execute()
        )
        return OutboxItem.get_by_id(row.id) if taken else None


def release(item: OutboxItem, sender: str) -> None:
    """Let a claim go without a try (the server could not be used): the reply is due again."""
    with database_proxy.atomic():
        OutboxItem.update(claimed_by="", claimed_until=None).where(
            (OutboxItem.id == item.id) & (OutboxItem.claimed_by == sender)
        ).execute()


UNCLAIMED = {"claimed_by": "", "claimed_until": None}


def retry_delay(attempts: int) -> timedelta:
    """30 s after the first failure, doubling, at most two hours."""
    return min(_FIRST_RETRY * 2 ** max(attempts - 1, 0), _LAST_RETRY)


_ADDRESS = re.compile(r"[^\s<>\"'(),;:\[\]]+@[^\s<>\"'(),;:\[\]]+")


def without_addresses(text: str) -> str:
    """A server's or a report's text with every e-mail address in it replaced: it is shown on
    the ticket and in the audit log, where contact data needs `tickets.view_contact`."""
    return _ADDRESS.sub("the recipient", text)


def outcome_of_failure(item: OutboxItem, error: str, permanent: bool, now: datetime) -> dict:
    """The columns to write after a failed try at `now` (`permanent`: the server refused for good):
    retry later, or failed for good."""
    attempts = item.attempts + 1
    reason = without_addresses(error)[:500]
    if permanent or attempts >= MAX_ATTEMPTS:
        return {"state": FAILED, "attempts": attempts, "last_error": reason, **UNCLAIMED}
    return {
        "attempts": attempts,
        "last_error": reason,
        "next_try_at": now + retry_delay(attempts),
        **UNCLAIMED,
    }


def outcome_of_success(item: OutboxItem, now: datetime) -> dict:
    return {
        "state": SENT,
        "attempts": item.attempts + 1,
        "sent_at": now,
        "last_error": "",
        **UNCLAIMED,
    }


class ReplyToSend(NamedTuple):
    """A claimed reply as the mail channel composes it: from the source's address, to the
    requester with the ticket's copies in Cc, threaded on the ticket's earlier Message-IDs
    (`thread`: each with whether it was ours), tagged with the ticket's number."""

    item: OutboxItem
    source_name: str
    from_address: str
    requester_name: str
    ticket: int
    subject: str
    body: str
    thread: list[tuple[str, bool]]
    copies: tuple[str, ...] = ()  # the addresses copied on the ticket, in Cc
    signature: str = ""  # under the body, filled for the ticket and the reply's author
    files: tuple[tuple[str, str, bytes], ...] = ()  # attached: name, content type, bytes


def reply_to_send(item: OutboxItem) -> ReplyToSend:
    message = Message.get_by_id(item.message_id)
    ticket = Ticket.get_by_id(message.ticket_id)
    account = MailAccount.get(MailAccount.source == item.source_id)
    source = Source.get_by_id(item.source_id)
    requester = Person.get_by_id(ticket.requester_id)
    thread = tuple_rows(
        MailId.select(MailId.mail_id, MailId.outgoing)
        .where((MailId.ticket == ticket.number) & (MailId.mail_id != item.mail_id))
        .order_by(MailId.id)
    )
    return ReplyToSend(
        item,
        source.name,
        account.address,
        requester.display_name,
        ticket.number,
        ticket.subject,
        message.body,
        [(i, bool(o)) for i, o in thread],
        tuple(a for a in copies_of(ticket.number) if a != item.recipient.lower()),
        signature_text(ticket, Person.get_by_id(message.author_id)),
        tuple(
            (name, content_type, bytes(data))
            for name, content_type, data in tuple_rows(
                Attachment.select(Attachment.filename, Attachment.content_type, Attachment.data)
                .where((Attachment.message == message.id) & Attachment.kept)
                .order_by(Attachment.id)
            )
        ),
    )
