"""A helpdesk with one e-mail source for the mail tests, and messages written the way mail
clients write them."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid

import peewee

from access import Gate
from access.catalogue import PERMISSIONS
from access.request import Clock
from tests import builders

SUPPORT = "support@shop.example"


def mail_helpdesk(
    db: peewee.Database, imap: str = "", smtp: str = "", clock: Clock | None = None
) -> Gate:
    """`ada` (every permission) and the e-mail source `Support` with its account; her gate on
    `clock` (the wall clock unless given)."""
    ada = builders.person("ada")
    builders.role("Admin", PERMISSIONS, holders=[ada])
    gate = Gate(db, "ada", clock=clock)
    gate.sources.add_source("Support", "email", address=SUPPORT, imap=imap, smtp=smtp)
    return gate


def customer_mail(
    body: str = "My parcel did not arrive.",
    *,
    sender: str = "Jan Kowalski <jan@example.pl>",
    subject: str = "Parcel missing",
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
    message_id: str | None = None,
) -> bytes:
    mail = EmailMessage(policy=SMTP)
    mail["From"] = sender
    mail["To"] = SUPPORT
    mail["Subject"] = subject
    mail["Message-ID"] = message_id or make_msgid(domain="example.pl")
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
    if references:
        mail["References"] = references
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(body)
    return mail.as_bytes()
