"""Replies out: queued in the reply's own transaction, delivered later, marked after the server
accepted them. A crash between the server's OK and the mark sends the same message again, with
the same Message-ID, so the customer's client shows it once."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import NamedTuple

from store.models import MailAccount, MailId, Message, OutboxItem, Person, Source, Ticket, utcnow

MAX_ATTEMPTS = 8
_FIRST_RETRY = timedelta(seconds=30)
_LAST_RETRY = timedelta(hours=2)


class PermanentFailure(Exception):
    """The server refused for good (a 5xx answer, a bad address): do not try again."""


class TemporaryFailure(Exception):
    """The server or the network failed now; a later try may work."""


class Delivery(NamedTuple):
    item_id: int
    ticket: int
    recipient: str
    state: str
    detail: str = ""


def queue_reply(ticket: Ticket, message: Message) -> None:
    """Queue `message` (a reply) for the requester when its source is a connected mailbox.
    Call inside the reply's transaction."""
    account = MailAccount.get_or_none(MailAccount.source == ticket.source_id)
    source = Source.get_by_id(ticket.source_id)
    requester = Person.get_by_id(ticket.requester_id)
    if account is None or source.archived or not requester.email:
        return
    domain = account.address.rpartition("@")[2] or "ticketty.invalid"
    message_id = f"<{uuid.uuid4().hex}.{ticket.number}@{domain}>"
    OutboxItem.create(
        message=message.id,
        source=ticket.source_id,
        mail_id=message_id,
        recipient=requester.email,
    )
    MailId.create(
        mail_id=message_id,
        source=ticket.source_id,
        ticket=ticket.number,
        message=message.id,
        outgoing=True,
    )


def due(source_id: int, limit: int = 100) -> list[OutboxItem]:
    return list(
        OutboxItem.select()
        .where(
            (OutboxItem.source == source_id)
            & (OutboxItem.state == "queued")
            & (OutboxItem.next_try_at <= utcnow())
        )
        .order_by(OutboxItem.next_try_at, OutboxItem.id)
        .limit(limit)
    )


def retry_delay(attempts: int) -> timedelta:
    """30 s after the first failure, doubling, at most two hours."""
    return min(_FIRST_RETRY * 2 ** max(attempts - 1, 0), _LAST_RETRY)


def outcome_of_failure(item: OutboxItem, error: Exception) -> dict:
    """The columns to write after a failed try: retry later, or failed for good."""
    attempts = item.attempts + 1
    reason = str(error)[:500] or type(error).__name__
    if isinstance(error, PermanentFailure) or attempts >= MAX_ATTEMPTS:
        return {"state": "failed", "attempts": attempts, "last_error": reason}
    return {
        "attempts": attempts,
        "last_error": reason,
        "next_try_at": utcnow() + retry_delay(attempts),
    }
