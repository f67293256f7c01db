"""Replies out: queued in the reply's own transaction, delivered later, marked after the server
accepted them. A crash between the server's OK and the mark sends the same message again, with
the same Message-ID, so the customer's client shows it once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from store.models import MailAccount, MailId, Message, OutboxItem, Person, Source, Ticket, utcnow
from store.rows import tuple_rows

MAX_ATTEMPTS = 8
_FIRST_RETRY = timedelta(seconds=30)
_LAST_RETRY = timedelta(hours=2)
_MAX_REFERENCES = 20


class PermanentFailure(Exception):
    """The server refused for good (a 5xx answer, a bad address): do not try again."""


class TemporaryFailure(Exception):
    """The server or the network failed now; a later try may work."""


Deliver = Callable[[EmailMessage, str, str], None]


@dataclass(frozen=True)
class Delivery:
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


def plain(text: str) -> str:
    """Text safe for a header: no control characters or line breaks of any kind, so nothing
    taken from a ticket can end a header and start another."""
    return " ".join(
        "".join(" " if (ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F) else ch for ch in text)
        .replace("\u2028", " ")
        .replace("\u2029", " ")
        .split()
    )


def compose(item: OutboxItem) -> EmailMessage:
    """The e-mail for one outbox row: from the source's address, threaded, tagged, UTF-8."""
    message = Message.get_by_id(item.message_id)
    ticket = Ticket.get_by_id(message.ticket_id)
    account = MailAccount.get(MailAccount.source == item.source_id)
    source = Source.get_by_id(item.source_id)
    requester = Person.get_by_id(ticket.requester_id)
    mail = EmailMessage(policy=SMTP)
    try:
        mail["From"] = Address(display_name=plain(source.name), addr_spec=account.address)
        mail["To"] = Address(display_name=plain(requester.display_name), addr_spec=item.recipient)
    except (ValueError, IndexError) as exc:
        raise PermanentFailure(f"bad address: {exc}") from exc
    tag = f"[#{ticket.number}]"
    subject = plain(ticket.subject)
    mail["Subject"] = subject if tag in subject else f"{tag} {subject}"
    mail["Date"] = format_datetime(datetime.now(UTC))
    mail["Message-ID"] = item.mail_id
    earlier = _thread_ids(ticket.number, item.mail_id)
    if earlier:
        incoming = [i for i, outgoing in earlier if not outgoing]
        mail["In-Reply-To"] = (incoming or [i for i, _ in earlier])[-1]
        ids = [i for i, _ in earlier]
        if len(ids) > _MAX_REFERENCES:
            ids = [ids[0], *ids[-(_MAX_REFERENCES - 1) :]]
        mail["References"] = " ".join(ids)
    mail.set_content(message.body, charset="utf-8")
    return mail


def _thread_ids(number: int, own: str) -> list[tuple[str, bool]]:
    rows = tuple_rows(
        MailId.select(MailId.mail_id, MailId.outgoing)
        .where((MailId.ticket == number) & (MailId.mail_id != own))
        .order_by(MailId.id)
    )
    return [(i, bool(o)) for i, o in rows]


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
