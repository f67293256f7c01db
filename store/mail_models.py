"""Peewee models of the mail channel: the mailboxes behind e-mail sources, how far each folder
was read, the Message-IDs of conversations, the outbox, and the mail that could not be taken in.

Made apart from `store.models` so that the app's start, which shows none of them, does not
build them: `store.models` still names each of them, importing this module when one is first
asked for.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from peewee import (
    SQL,
    AutoField,
    BigIntegerField,
    BlobField,
    BooleanField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from store.models import Attachment, BaseModel, Message, Source, Ticket, utcnow
from store.words import QUEUED


class MailAccount(BaseModel):
    """The mailbox behind an e-mail source. No password: secrets come from a file or the
    environment (`access.mail_accounts`)."""

    id = AutoField()
    source_id: int

    source = ForeignKeyField(Source, unique=True, on_delete="CASCADE", backref="mail_accounts")
    address = TextField()
    imap_url = TextField(default="")
    smtp_url = TextField(default="")
    last_fetch_at = DateTimeField(null=True)
    last_error = TextField(default="")
    # The server (`user@host`) each password was set for: a password is never sent to
    # another server, whoever changed the URL (`access.mail_accounts.secret_refusal`).
    imap_secret_for = TextField(default="")
    smtp_secret_for = TextField(default="")
    # A CA certificate file (PEM) the IMAP and SMTP servers' certificates are checked against,
    # for a server under a private certificate authority; "" for the system's CAs.
    ca_file = TextField(default="")
    # Why the SMTP server could not be used at its last try ("SMTP login refused at 14:02:
    # 535 ..."), "" once it works: the replies wait for it, none fails for it.
    send_error = TextField(default="")
    # Automatic mail taken in and not filed (auto-replies, out-of-office, reports of no reply
    # of ours): how many, and the last one's reason and time, so that it is never silent.
    ignored = IntegerField(default=0)
    last_ignored = TextField(default="")
    last_ignored_at = DateTimeField(null=True)


def mail_server(url: str) -> str:
    """The server an account URL names, as `user@host` (the user decoded, the host in lower
    case); "" for no URL. The form `MailAccount.*_secret_for` records."""
    if not url.strip():
        return ""
    parts = urlsplit(url.strip())
    return f"{unquote(parts.username or '')}@{(parts.hostname or '').lower()}"


class MailCursor(BaseModel):
    """How far an IMAP folder has been read; written in the transaction of each message taken."""

    id = AutoField()
    source_id: int

    source = ForeignKeyField(Source, on_delete="CASCADE")
    folder = TextField()
    uidvalidity = BigIntegerField(default=0)
    last_uid = BigIntegerField(default=0)

    class Meta:
        indexes = ((("source", "folder"), True),)


class MailId(BaseModel):
    """A Message-ID a ticket's conversation carries: sent by Ticketty (`outgoing`) or taken in."""

    id = AutoField()
    source_id: int
    ticket_id: int
    message_id: int | None

    mail_id = TextField()
    source = ForeignKeyField(Source, on_delete="CASCADE", index=False)
    ticket = ForeignKeyField(Ticket, on_delete="CASCADE")
    message = ForeignKeyField(Message, null=True, on_delete="CASCADE")
    outgoing = BooleanField(default=False)

    class Meta:
        indexes = ((("source", "mail_id"), False),)


class OutboxItem(BaseModel):
    """One reply to deliver; written in the transaction of the reply itself."""

    id = AutoField()
    message_id: int
    source_id: int

    message = ForeignKeyField(Message, unique=True, on_delete="CASCADE")
    source = ForeignKeyField(Source, on_delete="CASCADE", index=False)
    mail_id = TextField()  # the Message-ID header, the same on every try
    recipient = TextField()
    state = TextField(default=QUEUED)
    attempts = IntegerField(default=0)
    next_try_at = DateTimeField(default=utcnow)
    last_error = TextField(default="")
    sent_at = DateTimeField(null=True)
    # The sender handing it to SMTP now, until when: one sender at a time (`outbox.claim`).
    claimed_by = TextField(default="")
    claimed_until = DateTimeField(null=True)
    # Mail sent without a person writing it: `Auto-Submitted`'s value ("auto-replied" for a
    # rule's reply), "" for an agent's; and when it was queued, to count a day's automatic
    # replies to one address (migration 29; null on replies queued before).
    auto_submitted = TextField(default="", constraints=[SQL("DEFAULT ''")])
    queued_at = DateTimeField(null=True, default=utcnow)

    class Meta:
        indexes = (
            (("state", "next_try_at"), False),
            (("recipient", "auto_submitted", "queued_at"), False),
        )


class QuarantinedMail(BaseModel):
    """A message that could not be taken in, kept whole with the reason."""

    id = AutoField()
    source_id: int

    source = ForeignKeyField(Source, on_delete="CASCADE")
    origin = TextField()
    reason = TextField()
    # Named apart from `Model.raw` (peewee's raw-SQL query), which a field `raw` would hide.
    raw_mail = BlobField(column_name="raw")
    received_at = DateTimeField(default=utcnow)
    # False when only the header was kept: the message was over the size limit.
    complete = BooleanField(default=True)


class MailFailure(BaseModel):
    """How often filing one message failed (not parsing it: that quarantines at once); at the
    second failure it is quarantined, so that a poison message cannot loop. Keyed by the
    SHA-256 of the raw message."""

    id = AutoField()
    source_id: int

    source = ForeignKeyField(Source, on_delete="CASCADE")
    digest = TextField()
    failures = IntegerField(default=0)
    last_error = TextField(default="")
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("source", "digest"), True),)


MAIL_MODELS: list[type[BaseModel]] = [
    MailAccount,
    MailCursor,
    MailId,
    Attachment,
    OutboxItem,
    QuarantinedMail,
    MailFailure,
]
