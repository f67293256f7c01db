"""Automatic replies that never loop (RFC 3834): a rule's reply (an auto-acknowledgement) is
held when the customer's message it would answer is itself automatic (a list's, a machine's,
one asking for no answer: the mail channel's verdict, kept on the message), and when
`AUTO_REPLIES_PER_DAY` automatic replies already went to that address within a day, counted
from the outbox in one indexed query. So an autoresponder that marks nothing still stops.
Mail Ticketty sends without a person writing it says so in `Auto-Submitted`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import peewee

from access.vocabulary import CUSTOMER, REPLY
from store.among import among
from store.errors import TickettyError
from store.models import MailAccount, Message, OutboxItem, Person, Source, Ticket
from store.prepared import NumbersQuery, padded
from store.rows import tuple_rows

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
    return held_many([number], now)[number]


def held_many(numbers: Sequence[int], now: datetime) -> dict[int, str]:
    """`held_because` for each of `numbers`, as if the replies not held went in this order,
    each counted for the ones after it to the same address; three statements however many."""
    rows = _MARKS.rows("marks", padded(numbers), _marks) if numbers else []
    found = {number: (automatic, email, sends) for number, automatic, email, sends in rows}
    addresses = sorted({email for _mark, email, _sends in found.values() if email})
    since = now - AUTO_REPLY_SPAN
    sent: dict[str, int] = dict(
        tuple_rows(
            OutboxItem.select(OutboxItem.recipient, peewee.fn.COUNT(OutboxItem.id))
            .where(
                among(OutboxItem.recipient, addresses)
                & (OutboxItem.auto_submitted == AUTO_REPLIED)
                & (OutboxItem.queued_at >= since)
            )
            .group_by(OutboxItem.recipient)
        )
        if addresses
        else ()
    )
    held: dict[int, str] = {}
    for number in numbers:
        automatic, address, sends = found.get(number, (None, None, False))
        if automatic:
            held[number] = f"the message it answers is automatic ({automatic})"
        elif address and sent.get(address, 0) >= AUTO_REPLIES_PER_DAY:
            hours = AUTO_REPLY_SPAN.total_seconds() / 3600
            held[number] = (
                f"{sent[address]} automatic replies went to the address in {hours:.0f} hours"
            )
        else:
            held[number] = ""
            if address and sends:  # its reply is queued: the next one to it counts it
                sent[address] = sent.get(address, 0) + 1
    return held


_MARKS = NumbersQuery()  # `_marks`, by padded count of tickets


def _marks(numbers: list[int]) -> peewee.SelectBase:
    """Each ticket's number, the mark of its newest customer message, its requester's address
    and whether its source sends mail (1 or 0)."""
    mark = (
        Message.select(Message.automatic)
        .where((Message.ticket == Ticket.number) & (Message.kind == CUSTOMER))
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    )
    way_out = MailAccount.select(MailAccount.id).where(MailAccount.source == Ticket.source)
    queued = peewee.Case(None, [(~Source.archived & peewee.fn.EXISTS(way_out), 1)], 0)
    return (
        Ticket.select(Ticket.number, mark.alias("mark"), Person.email, queued.alias("queued"))
        .join(Person, on=(Ticket.requester == Person.id))
        .switch(Ticket)
        .join(Source, on=(Ticket.source == Source.id))
        .where(among(Ticket.number, numbers))
        .tuples()
    )


def mark_auto_replied(number: int) -> None:
    """The reply just queued on ticket `number` (in this transaction) is an automatic one."""
    latest = (
        Message.select(Message.id)
        .where((Message.ticket == number) & (Message.kind == REPLY))
        .order_by(Message.id.desc())
        .limit(1)
    )
    OutboxItem.update(auto_submitted=AUTO_REPLIED).where(OutboxItem.message == latest).execute()
