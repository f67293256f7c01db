"""Peewee models for the whole domain of the brief.

Text columns are TEXT: lengths are the application's rules (`access`), not the schema's, and
on PostgreSQL they sort bytewise like SQLite's (`store.postgres`). Times are naive UTC datetimes.
Tickets, people, roles, usergroups and sources carry a `version` for compare-and-set updates;
the audit log is append-only (triggers in `store.schema`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from peewee import (
    AutoField,
    BigIntegerField,
    BlobField,
    BooleanField,
    DatabaseProxy,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

database_proxy = DatabaseProxy()


def utcnow() -> datetime:
    """Now as naive UTC, like every time the store keeps."""
    return datetime.now(UTC).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        database = database_proxy
        legacy_table_names = False


class Person(BaseModel):
    id = AutoField()
    username = TextField(unique=True)
    display_name = TextField()
    email = TextField(default="")
    phone = TextField(default="")
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)
    version = IntegerField(default=1)  # its details, active flag and roles


class Source(BaseModel):
    id = AutoField()
    name = TextField(unique=True)
    kind = TextField(default="email")
    archived = BooleanField(default=False, index=True)
    version = IntegerField(default=1)


class Role(BaseModel):
    id = AutoField()
    name = TextField(unique=True)
    description = TextField(default="")
    all_sources = BooleanField(default=True)
    ticket_scope = TextField(default="all")
    version = IntegerField(default=1)  # its name, permissions and scopes


class RolePermission(BaseModel):
    id = AutoField()
    role_id: int
    role = ForeignKeyField(Role, on_delete="CASCADE", backref="permissions")
    permission = TextField()

    class Meta:
        indexes = ((("role", "permission"), True),)


class RoleSource(BaseModel):
    id = AutoField()
    role_id: int
    source_id: int
    role = ForeignKeyField(Role, on_delete="CASCADE", backref="sources")
    source = ForeignKeyField(Source, on_delete="CASCADE")

    class Meta:
        indexes = ((("role", "source"), True),)


class PersonRole(BaseModel):
    id = AutoField()
    person_id: int
    role_id: int
    person = ForeignKeyField(Person, on_delete="CASCADE", backref="role_links")
    role = ForeignKeyField(Role, on_delete="CASCADE", backref="holders")

    class Meta:
        indexes = ((("person", "role"), True),)


class Usergroup(BaseModel):
    id = AutoField()
    name = TextField(unique=True)
    description = TextField(default="")
    version = IntegerField(default=1)  # its name, members, supervisors and field values


class GroupMember(BaseModel):
    id = AutoField()
    usergroup_id: int
    person_id: int
    usergroup = ForeignKeyField(Usergroup, on_delete="CASCADE", backref="members")
    person = ForeignKeyField(Person, on_delete="CASCADE")

    class Meta:
        indexes = ((("usergroup", "person"), True), (("person",), False))


class GroupSupervisor(BaseModel):
    id = AutoField()
    usergroup_id: int
    person_id: int
    usergroup = ForeignKeyField(Usergroup, on_delete="CASCADE", backref="supervisors")
    person = ForeignKeyField(Person, on_delete="CASCADE")

    class Meta:
        indexes = ((("usergroup", "person"), True), (("person",), False))


class CustomField(BaseModel):
    id = AutoField()
    name = TextField(unique=True)
    kind = TextField(default="text")
    required = BooleanField(default=False)
    position = IntegerField(default=0)
    retired = BooleanField(default=False)


class CustomFieldValue(BaseModel):
    id = AutoField()
    field_id: int
    usergroup_id: int
    field = ForeignKeyField(CustomField, on_delete="CASCADE")
    usergroup = ForeignKeyField(Usergroup, on_delete="CASCADE", backref="field_values")
    value = TextField(default="")

    class Meta:
        indexes = ((("usergroup", "field"), True),)


class Ticket(BaseModel):
    source_id: int
    requester_id: int
    usergroup_id: int | None
    assignee_id: int | None
    number = AutoField()
    subject = TextField()
    status = TextField(default="new")
    priority = TextField(default="normal")
    source = ForeignKeyField(Source, on_delete="RESTRICT", index=False)
    requester = ForeignKeyField(Person, on_delete="RESTRICT", index=False)
    usergroup = ForeignKeyField(Usergroup, null=True, on_delete="SET NULL", index=False)
    assignee = ForeignKeyField(Person, null=True, on_delete="SET NULL", index=False)
    private = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    version = IntegerField(default=1)

    class Meta:
        # Each index ends with the inbox order (newest activity first), so a scoped, filtered
        # page is an index range scan, not a sort of the table.
        indexes = (
            # The covering inbox index: the order plus every column the access scope reads, so
            # a scoped count or a deep page is an index-only scan (access.scope keeps the scope
            # terms off the narrower indexes).
            (
                (
                    "updated_at",
                    "number",
                    "source",
                    "usergroup",
                    "private",
                    "requester",
                    "assignee",
                    "status",
                ),
                False,
            ),
            (("source", "updated_at", "number"), False),
            (("usergroup", "updated_at", "number"), False),
            (("assignee", "updated_at", "number"), False),
            (("requester", "updated_at", "number"), False),
            (("status", "updated_at", "number"), False),
        )


class Message(BaseModel):
    id = AutoField()
    ticket_id: int
    author_id: int
    ticket = ForeignKeyField(Ticket, on_delete="CASCADE", backref="messages", index=False)
    kind = TextField()
    author = ForeignKeyField(Person, on_delete="RESTRICT", index=False)
    body = TextField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("ticket", "created_at"), False),)


class AuditEvent(BaseModel):
    """One change (or one refused attempt); rows are never updated or deleted."""

    id = AutoField()
    actor_id: int | None

    at = DateTimeField(default=utcnow)
    actor = ForeignKeyField(Person, null=True, on_delete="RESTRICT", index=False)
    action = TextField()
    target_kind = TextField()
    target_id = IntegerField(null=True)
    ticket = IntegerField(null=True)
    before = TextField(default="")
    after = TextField(default="")
    prev_hash = TextField(default="")
    hash = TextField(default="")

    class Meta:
        indexes = (
            (("target_kind", "target_id"), False),
            (("ticket",), False),
            (("actor",), False),
        )


class MailAccount(BaseModel):
    """The mailbox behind an e-mail source. No password: secrets come from a file or the
    environment (`access.mail.secrets`)."""

    id = AutoField()
    source_id: int

    source = ForeignKeyField(Source, unique=True, on_delete="CASCADE", backref="mail_accounts")
    address = TextField()
    imap_url = TextField(default="")
    smtp_url = TextField(default="")
    last_fetch_at = DateTimeField(null=True)
    last_error = TextField(default="")
    # Why the SMTP server could not be used at its last try ("SMTP login refused at 14:02:
    # 535 ..."), "" once it works: the replies wait for it, none fails for it.
    send_error = TextField(default="")


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


class Attachment(BaseModel):
    id = AutoField()
    message_id: int
    message = ForeignKeyField(Message, on_delete="CASCADE", backref="attachments")
    filename = TextField()
    content_type = TextField()
    size = IntegerField()
    inline = BooleanField(default=False)
    # False when the file was over the size limit: listed, but its bytes were not kept.
    kept = BooleanField(default=True)
    data = BlobField(default=b"")


class OutboxItem(BaseModel):
    """One reply to deliver; written in the transaction of the reply itself."""

    id = AutoField()
    message_id: int
    source_id: int

    message = ForeignKeyField(Message, unique=True, on_delete="CASCADE")
    source = ForeignKeyField(Source, on_delete="CASCADE", index=False)
    mail_id = TextField()  # the Message-ID header, the same on every try
    recipient = TextField()
    state = TextField(default="queued")
    attempts = IntegerField(default=0)
    next_try_at = DateTimeField(default=utcnow)
    last_error = TextField(default="")
    sent_at = DateTimeField(null=True)
    # The sender handing it to SMTP now, until when: one sender at a time (`outbox.claim`).
    claimed_by = TextField(default="")
    claimed_until = DateTimeField(null=True)

    class Meta:
        indexes = ((("state", "next_try_at"), False),)


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


class SchemaVersion(BaseModel):
    version = IntegerField(primary_key=True)
    applied_at = DateTimeField(default=utcnow)


ALL_MODELS: list[type[BaseModel]] = [
    Person,
    Source,
    Role,
    RolePermission,
    RoleSource,
    PersonRole,
    Usergroup,
    GroupMember,
    GroupSupervisor,
    CustomField,
    CustomFieldValue,
    Ticket,
    Message,
    AuditEvent,
]

MAIL_MODELS: list[type[BaseModel]] = [
    MailAccount,
    MailCursor,
    MailId,
    Attachment,
    OutboxItem,
    QuarantinedMail,
]
