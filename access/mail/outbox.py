"""Replies out: queued in the reply's own transaction, delivered later, marked after the server
accepted them. A crash between the server's OK and the mark sends the same message again, with
the same Message-ID, so the customer's client shows it once."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import NamedTuple

from access.views import ReplyRoute
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


class Outgoing(NamedTuple):
    """The way out of a ticket's replies: the mailbox they are sent from, or why there is
    none (`unsent`). One rule for queueing a reply, for saying beforehand where it goes, and
    for telling afterwards that it was not sent."""

    account: MailAccount | None
    source: Source
    requester: Person
    unsent: str

    def route(self, contact: bool) -> ReplyRoute:
        """Where a reply goes, naming the requester's address only with `contact` (the
        person's tickets.view_contact on the ticket), else their name."""
        requester = self.requester
        recipient = requester.email if contact and requester.email else requester.display_name
        if self.account is None or self.unsent:
            return ReplyRoute(recipient, "", self.unsent)
        problem = "" if self.account.smtp_url else f"{self.source.name} has no SMTP server set"
        return ReplyRoute(recipient, self.account.address, "", problem)


def outgoing(ticket: Ticket) -> Outgoing:
    account = MailAccount.get_or_none(MailAccount.source == ticket.source_id)
    source = Source.get_by_id(ticket.source_id)
    requester = Person.get_by_id(ticket.requester_id)
    if account is None:
        unsent = f"{source.name} has no outgoing channel"
    elif source.archived:
        unsent = f"{source.name} is disconnected (archived)"
    elif not requester.email:
        unsent = f"{requester.display_name} has no e-mail address"
    else:
        unsent = ""
    return Outgoing(account, source, requester, unsent)


def queue_reply(ticket: Ticket, message: Message) -> str:
    """Queue `message` (a reply) for the requester when its source is a connected mailbox;
    else say why it is not sent. Call inside the reply's transaction."""
    way = outgoing(ticket)
    account, requester = way.account, way.requester
    if account is None or way.unsent:
        return way.unsent
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
    return ""


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
