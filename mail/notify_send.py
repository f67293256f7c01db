"""Notifications by mail, the channel's part: what the gate says is due
(`gate.notifications.mails_due`) is composed here and handed to the SMTP server of a source,
as its replies are, from the system address the settings name (`[mail] notify_from`). A mail
is marked sent only after the server took it; one the server refuses stays due for the next
pass."""

from __future__ import annotations

from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from access import Gate, InvalidInput
from access.auto_replies import AUTO_GENERATED
from access.notify_mail import NotificationMail
from mail.compose import automatic, plain
from mail.outbox import PermanentFailure, TemporaryFailure
from mail.transport import SmtpSession
from store.models import Source
from wording.notification_text import notification_sentence

SYSTEM_NAME = "Ticketty"


def compose_notification(mail: NotificationMail, from_address: str) -> EmailMessage:
    """One notification, or a digest of several, as an e-mail from the system address."""
    message = EmailMessage(policy=SMTP)
    try:
        message["From"] = Address(display_name=SYSTEM_NAME, addr_spec=from_address)
        message["To"] = Address(display_name=plain(mail.name), addr_spec=mail.address)
    except (ValueError, IndexError) as exc:
        raise PermanentFailure(f"bad address: {exc}") from exc
    views = mail.notifications
    if len(views) == 1:
        subject = f"{notification_sentence(views[0])}: {views[0].subject}"
    else:
        subject = f"{len(views)} notifications"
    message["Subject"] = plain(f"[Ticketty] {subject}")
    message["Date"] = format_datetime(datetime.now(UTC))
    automatic(message, AUTO_GENERATED)
    lines = []
    for view in views:
        lines.append(f"{notification_sentence(view)}: {view.subject}")
        lines.append(f"  {view.created_at:%Y-%m-%d %H:%M} UTC")
        if view.excerpt:
            lines.append(f"  {view.excerpt}")
        lines.append("")
    message.set_content("\n".join(lines), charset="utf-8")
    return message


def send_notifications(
    gate: Gate, source: Source, from_address: str, timeout: float | None = None
) -> int:
    """Mail what is due through `source`'s SMTP server, over one connection; how many mails
    the server took."""
    if not from_address:
        raise InvalidInput("no address to send notifications from: set [mail] notify_from")
    notifications = gate.notifications
    due = notifications.mails_due(source)
    if due.dropped or not due.mails:
        notifications.mark_mailed(source, None, due.dropped)
    if not due.mails:
        return 0
    url, password = gate.mailboxes.smtp_login(source)
    sent = 0
    with SmtpSession(url, password, timeout) as session:
        for mail in due.mails:
            try:
                session.deliver(
                    compose_notification(mail, from_address), from_address, mail.address
                )
            except (PermanentFailure, TemporaryFailure):
                continue  # due again next pass
            notifications.mark_mailed(source, mail, [])
            sent += 1
    return sent
