"""Automatic replies that never loop (RFC 3834): a rule's reply (an auto-acknowledgement) is
held when the customer's message it would answer is itself automatic (a list's, a machine's,
one asking for no answer: the mail channel's verdict, kept on the message), and when
`AUTO_REPLIES_PER_DAY` automatic replies already went to that address within a day, counted
from the outbox in one indexed query. So an autoresponder that marks nothing still stops.
Mail Ticketty sends without a person writing it says so in `Auto-Submitted`."""

from __future__ import annotations

from datetime import datetime, timedelta

from access.vocabulary import CUSTOMER, REPLY
from store.errors import TickettyError
from store.models import Message, OutboxItem, Person, Ticket

# The most automatic replies one address gets within `AUTO_REPLY_SPAN`.
AUTO_REPLIES_PER_DAY = 5
AUTO_REPLY_SPAN = timedelta(hours=24)
# `Auto-Submitted` of a rule's reply, and of a notification (RFC 3834, 5).
AUTO_REPLIED = "auto-replied"
AUTO_GENERATED = "auto-generated"


class AutoReplyHeld(TickettyError):
    """A rule's reply was not sent, to keep from a mail loop; the text says why."""


def held_because(number: int, now: datetime) -> str:
    """Why an automatic reply on ticket `number` must not go at `now`, or ""."""
    mark = (
        Message.select(Message.automatic)
        .where((Message.ticket == number) & (Message.kind == CUSTOMER))
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
        .scalar()
    )
    if mark:
        return f"the message it answers is automatic ({mark})"
    address = (
        Person.select(Person.email)
        .join(Ticket, on=(Ticket.requester == Person.id))
        .where(Ticket.number == number)
        .scalar()
    )
    if not address:
        return ""
    since = now - AUTO_REPLY_SPAN
    sent = (
        OutboxItem.select()
        .where(
            (OutboxItem.recipient == address)
            & (OutboxItem.auto_submitted == AUTO_REPLIED)
            & (OutboxItem.queued_at >= since)
        )
        .count()
    )
    if sent >= AUTO_REPLIES_PER_DAY:
        hours = AUTO_REPLY_SPAN.total_seconds() / 3600
        return f"{sent} automatic replies went to the address in {hours:.0f} hours"
    return ""


def mark_auto_replied(number: int) -> None:
    """The reply just queued on ticket `number` (in this transaction) is an automatic one."""
    latest = (
        Message.select(Message.id)
        .where((Message.ticket == number) & (Message.kind == REPLY))
        .order_by(Message.id.desc())
        .limit(1)
    )
    OutboxItem.update(auto_submitted=AUTO_REPLIED).where(OutboxItem.message == latest).execute()
