"""Peewee models of the core of the domain: people, rights, tickets, presence, service levels.

Groups of models added later live in modules of their own, each created by its migration
(`store.links`, `store.tag_models`, `store.reply_models`, `store.notification_models`,
`store.rule_models`), and so do the mail channel's (`store.mail_models`) and the drafts'
(`store.draft_models`), which this module still names (imported when first asked for).

Text columns are TEXT: lengths are the application's rules (`access`), not the schema's, and
on PostgreSQL they sort bytewise like SQLite's (`store.postgres`). Times are naive UTC datetimes.
Tickets, people, roles, usergroups and sources carry a `version` for compare-and-set updates;
the audit log is append-only (triggers in `store.schema`).
"""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import TYPE_CHECKING

from peewee import (
    SQL,
    AutoField,
    BigIntegerField,
    BlobField,
    BooleanField,
    DatabaseProxy,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from store.clock import utcnow
from store.words import DEFAULT_PRIORITY, EMAIL_SOURCE, NEW, SCOPE_ALL, TEXT_FIELD

database_proxy = DatabaseProxy()

# `Ticket.due_at` of a ticket with no clock running: after every due time, so the order by due
# time puts it last on both backends (which sort NULL at opposite ends).
NO_DUE = datetime(9999, 12, 31)


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
    kind = TextField(default=EMAIL_SOURCE)
    archived = BooleanField(default=False, index=True)
    version = IntegerField(default=1)


class Role(BaseModel):
    id = AutoField()
    name = TextField(unique=True)
    description = TextField(default="")
    all_sources = BooleanField(default=True)
    ticket_scope = TextField(default=SCOPE_ALL)
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
    kind = TextField(default=TEXT_FIELD)
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


# The columns the access scope reads, after a covering index's order (`Ticket.Meta`).
_SCOPE_COLUMNS = ("number", "source", "usergroup", "private", "requester", "assignee", "status")
# A counting index's columns behind its leading filters: the rest the scope and filters read.
_COUNTED_COLUMNS = ("source", "private", "requester", "due_at")


# The due-time index's columns (`Ticket.Meta`); before migration 30 it ended at the scope's.
DUE_INDEX = ("due_at", *_SCOPE_COLUMNS, "sla_policy")
BREACHED_INDEX = ("status", "due_at")


class Ticket(BaseModel):
    source_id: int
    requester_id: int
    usergroup_id: int | None
    assignee_id: int | None
    number = AutoField()
    subject = TextField()
    status = TextField(default=NEW)
    priority = TextField(default=DEFAULT_PRIORITY)
    source = ForeignKeyField(Source, on_delete="RESTRICT", index=False)
    requester = ForeignKeyField(Person, on_delete="RESTRICT", index=False)
    usergroup = ForeignKeyField(Usergroup, null=True, on_delete="SET NULL", index=False)
    assignee = ForeignKeyField(Person, null=True, on_delete="SET NULL", index=False)
    private = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    version = IntegerField(default=1)
    # Service levels (`access.due_times`): when each clock falls due, None while it has no
    # target, is met, paused or stopped; `due_at` the earliest of them (NO_DUE when none), the
    # inbox's "due" order; `sla_policy` the id of the policy the ticket matches now.
    first_response_due = DateTimeField(null=True)
    next_response_due = DateTimeField(null=True)
    resolution_due = DateTimeField(null=True)
    due_at = DateTimeField(default=NO_DUE, constraints=[SQL(f"DEFAULT '{NO_DUE}'")])
    sla_policy = IntegerField(null=True)

    class Meta:
        # Each index ends with the inbox order (newest activity first), so a scoped, filtered
        # page is an index range scan, not a sort of the table.
        indexes = (
            # The covering inbox index: the order plus every column the access scope reads, so
            # a scoped count or a deep page is an index-only scan (access.scope keeps the scope
            # terms off the narrower indexes).
            (("updated_at", *_SCOPE_COLUMNS), False),
            # The same for the order by due time (earliest first) and the breached filter, with
            # the policy a due time is counted in (due within a business time, per calendar:
            # `access.due_window`; migration 30).
            (DUE_INDEX, False),
            (("source", "updated_at", "number"), False),
            (("usergroup", "updated_at", "number"), False),
            (("assignee", "updated_at", "number"), False),
            (("requester", "updated_at", "number"), False),
            (("status", "updated_at", "number"), False),
            # The counting indexes (a saved view's count, the inbox's): the filters a view
            # names most, leading, then every column the scope and the other filters read, so
            # a count seeks to its statuses (and group, priority) or to one assignee and reads
            # nothing but the index.
            (("status", "usergroup", "priority", "assignee", *_COUNTED_COLUMNS), False),
            (("assignee", "status", "usergroup", "priority", *_COUNTED_COLUMNS), False),
            # The breached filter's count (and due within's, without a business time): the
            # statuses, then the due time, and nothing else, so a count of many breached
            # tickets reads few pages (migration 36).
            (BREACHED_INDEX, False),
        )


# Each clock's due time where it runs (migration 30): the service-level warnings look at each
# clock on its own (`access.sla_warnings`), whatever the ticket's earliest.
for _due in (Ticket.first_response_due, Ticket.next_response_due, Ticket.resolution_due):
    Ticket.add_index(Ticket.index(_due, where=_due.is_null(False)))


class Message(BaseModel):
    id = AutoField()
    ticket_id: int
    author_id: int
    ticket = ForeignKeyField(Ticket, on_delete="CASCADE", backref="messages", index=False)
    kind = TextField()
    author = ForeignKeyField(Person, on_delete="RESTRICT", index=False)
    body = TextField()
    created_at = DateTimeField(default=utcnow)
    # Why mail taken in is automatic and gets no automatic reply (migration 29), else "".
    automatic = TextField(default="", constraints=[SQL("DEFAULT ''")])

    class Meta:
        indexes = ((("ticket", "created_at"), False), (("author", "created_at"), False))


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


class Presence(BaseModel):
    """Who has a ticket open or is writing on it. `seq` is taken from a counter that only
    grows (the table's highest `seq` plus one) on every change others should see, so a session
    woken by a commit learns with one `MAX(seq)` whether presence changed; a heartbeat only
    moves `seen_at`, and a row whose `seen_at` is old is no presence (its session died)."""

    id = AutoField()
    person_id: int
    ticket_id: int

    person = ForeignKeyField(Person, on_delete="CASCADE", index=False)
    ticket = ForeignKeyField(Ticket, on_delete="CASCADE")
    state = TextField()  # open, reply, note; "" once the screen is left
    seen_at = DateTimeField(default=utcnow)
    seq = BigIntegerField(index=True)

    class Meta:
        indexes = ((("person", "ticket"), True),)


class BusinessCalendar(BaseModel):
    """Working hours in a time zone, for service-level clocks. `shifts` is JSON: for each
    weekday from Monday, a list of [start, end] in minutes after midnight (an end past 1440
    runs into the next day)."""

    id = AutoField()
    name = TextField(unique=True)
    zone = TextField()
    shifts = TextField()
    version = IntegerField(default=1)  # its name, zone, hours and holidays


class CalendarHoliday(BaseModel):
    id = AutoField()
    calendar_id: int
    calendar = ForeignKeyField(BusinessCalendar, backref="holidays", on_delete="CASCADE")
    day = DateField()

    class Meta:
        indexes = ((("calendar", "day"), True),)


class SlaPolicy(BaseModel):
    """A service-level policy. `targets` is JSON: for each metric (first_response,
    next_response, resolution) its durations by priority ("" for every other), as written
    (`4h`, `3d`). The conditions are JSON lists (empty: any): priorities by name, sources and
    usergroups by id. `position` is the match order, 1 first."""

    id = AutoField()
    calendar_id: int
    name = TextField(unique=True)
    position = IntegerField()
    calendar = ForeignKeyField(BusinessCalendar, on_delete="RESTRICT", index=False)
    targets = TextField()
    priorities = TextField(default="[]")
    sources = TextField(default="[]")
    usergroups = TextField(default="[]")
    pause_on = TextField(default='["pending"]')
    version = IntegerField(default=1)  # everything above but the position

    class Meta:
        indexes = ((("calendar",), False),)


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

# Migration 13: service levels, their calendars first.
SLA_MODELS: list[type[BaseModel]] = [BusinessCalendar, CalendarHoliday]
# Migration 14: the policies, which count in those calendars.
POLICY_MODELS: list[type[BaseModel]] = [SlaPolicy]

# Models built apart (`store.mail_models`, `store.draft_models`) and still named here, so that
# code taking them from this module keeps doing so: each module is imported when one of its
# names is first asked for, not at the start of the app, which shows none of them.
if TYPE_CHECKING:
    from store.draft_models import DESK_MODELS as DESK_MODELS
    from store.draft_models import DRAFT_FILE_MODELS as DRAFT_FILE_MODELS
    from store.draft_models import Draft as Draft
    from store.draft_models import DraftFile as DraftFile
    from store.mail_models import MAIL_MODELS as MAIL_MODELS
    from store.mail_models import MailAccount as MailAccount
    from store.mail_models import MailCursor as MailCursor
    from store.mail_models import MailFailure as MailFailure
    from store.mail_models import MailId as MailId
    from store.mail_models import OutboxItem as OutboxItem
    from store.mail_models import QuarantinedMail as QuarantinedMail
    from store.mail_models import mail_server as mail_server

_BUILT_APART = {
    "store.mail_models": (
        "MAIL_MODELS",
        "MailAccount",
        "MailCursor",
        "MailFailure",
        "MailId",
        "OutboxItem",
        "QuarantinedMail",
        "mail_server",
    ),
    "store.draft_models": ("DESK_MODELS", "DRAFT_FILE_MODELS", "Draft", "DraftFile"),
}
_MODULE_OF = {name: module for module, names in _BUILT_APART.items() for name in names}


def __getattr__(name: str) -> object:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
