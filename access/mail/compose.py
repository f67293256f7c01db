"""A queued reply as an e-mail: addressed from the source, threaded on the ticket's earlier
messages, tagged with the ticket's number. Imported only when replies are delivered."""

from __future__ import annotations

from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from access.mail.outbox import PermanentFailure
from store.models import MailAccount, MailId, Message, OutboxItem, Person, Source, Ticket
from store.rows import tuple_rows

_MAX_REFERENCES = 20


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
