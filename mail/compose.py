"""A queued reply as an e-mail: addressed from the source, threaded on the ticket's earlier
messages, tagged with the ticket's number. Imported only when replies are delivered."""

from __future__ import annotations

from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from access.outbox import ReplyToSend
from mail.outbox import PermanentFailure
from wording.file_text import charset_name, media_type

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


def automatic(mail: EmailMessage, kind: str) -> None:
    """Mark mail no person wrote (`Auto-Submitted: kind`), so that autoresponders, Exchange's
    out-of-office among them, do not answer it."""
    mail["Auto-Submitted"] = kind
    mail["X-Auto-Response-Suppress"] = "All"


def compose(reply: ReplyToSend) -> EmailMessage:
    """The e-mail for one claimed reply: from the source's address, to the requester with the
    ticket's copies in Cc, threaded, tagged, UTF-8, the signature under the text."""
    mail = EmailMessage(policy=SMTP)
    try:
        mail["From"] = Address(display_name=plain(reply.source_name), addr_spec=reply.from_address)
        mail["To"] = Address(
            display_name=plain(reply.requester_name), addr_spec=reply.item.recipient
        )
        if reply.copies:
            mail["Cc"] = [Address(addr_spec=plain(copy)) for copy in reply.copies]
    except (ValueError, IndexError) as exc:
        raise PermanentFailure(f"bad address: {exc}") from exc
    tag = f"[#{reply.ticket}]"
    subject = plain(reply.subject)
    mail["Subject"] = subject if tag in subject else f"{tag} {subject}"
    mail["Date"] = format_datetime(datetime.now(UTC))
    mail["Message-ID"] = reply.item.mail_id
    if reply.item.auto_submitted:  # a rule's reply, not an agent's (RFC 3834)
        automatic(mail, reply.item.auto_submitted)
    earlier = reply.thread
    if earlier:
        incoming = [i for i, outgoing in earlier if not outgoing]
        mail["In-Reply-To"] = (incoming or [i for i, _ in earlier])[-1]
        ids = [i for i, _ in earlier]
        if len(ids) > _MAX_REFERENCES:
            ids = [ids[0], *ids[-(_MAX_REFERENCES - 1) :]]
        mail["References"] = " ".join(ids)
    body = f"{reply.body}\n\n{reply.signature}" if reply.signature else reply.body
    mail.set_content(body, charset="utf-8")
    for name, content_type, data in reply.files:
        main, _, sub = media_type(content_type).partition("/")
        if not (main and sub) or main in ("multipart", "message"):
            main, sub = "application", "octet-stream"
        charset = charset_name(content_type) if main == "text" else None
        params = {"charset": charset} if charset else None
        mail.add_attachment(data, maintype=main, subtype=sub, filename=plain(name), params=params)
    return mail
