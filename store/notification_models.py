"""Notifications, follows and the preferences that steer them (migration 16); follows of a
source or a usergroup (migration 22)."""

from __future__ import annotations

from peewee import (
    SQL,
    AutoField,
    BooleanField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from store.models import BaseModel, Message, Person, Source, Ticket, Usergroup, utcnow


class Notification(BaseModel):
    """Something that happened on a ticket, for one person (`person`), made in the transaction
    of the change that caused it. `event` says what (`access.notify_events`); `message` the
    message it is about, if any; `in_app` whether the person's preference shows it in the app;
    `mail_state` its way by mail: "" none (or no longer), "away" or "always" while due (as
    the person's preference said), sent once mailed. Whether the
    person may still see the ticket is checked when it is read, not here."""

    id = AutoField()
    person_id: int
    ticket_id: int
    actor_id: int | None
    message_id: int | None

    person = ForeignKeyField(Person, on_delete="CASCADE", index=False)
    ticket = ForeignKeyField(Ticket, on_delete="CASCADE")
    event = TextField()
    actor = ForeignKeyField(Person, null=True, on_delete="SET NULL", index=False)
    message = ForeignKeyField(Message, null=True, on_delete="CASCADE", index=False)
    created_at = DateTimeField(default=utcnow)
    read_at = DateTimeField(null=True)
    in_app = BooleanField(default=True)
    mail_state = TextField(default="", index=True)
    # The name of the rule whose `notify:` made it (migration 29).
    rule = TextField(default="", constraints=[SQL("DEFAULT ''")])

    class Meta:
        indexes = ((("person", "id"), False),)


class Follow(BaseModel):
    """A person follows a ticket: its changes by others notify them."""

    id = AutoField()
    person_id: int
    ticket_id: int

    person = ForeignKeyField(Person, on_delete="CASCADE", index=False)
    ticket = ForeignKeyField(Ticket, on_delete="CASCADE")

    class Meta:
        indexes = ((("person", "ticket"), True),)


class NotificationPreference(BaseModel):
    """A person's choice for one kind of event: shown in the app or not; by mail never
    ("off"), when they are not connected ("away") or always. No row: the defaults."""

    id = AutoField()
    person_id: int

    person = ForeignKeyField(Person, on_delete="CASCADE", index=False)
    event = TextField()
    in_app = BooleanField(default=True)
    mail = TextField()

    class Meta:
        indexes = ((("person", "event"), True),)


class NotificationSettings(BaseModel):
    """A person's settings for all their notifications: quiet hours (minutes after midnight
    in `zone`; equal ends mean none; mail waits for their end), mail as a digest every
    `digest_minutes` (0: one mail per event), and the terminal's bell and desktop
    notification ("auto": on, but off under SSH)."""

    id = AutoField()
    person_id: int

    person = ForeignKeyField(Person, on_delete="CASCADE", unique=True)
    quiet_from = IntegerField(default=0)
    quiet_until = IntegerField(default=0)
    digest_minutes = IntegerField(default=0)
    bell = TextField(default="auto")
    desktop = TextField(default="auto")
    last_digest_at = DateTimeField(null=True)
    zone = TextField(default="UTC")  # the quiet hours' time zone (migration 22)


class SlaWarning(BaseModel):
    """A service-level warning made (migration 26): for ticket `ticket`, its clock `metric`
    (first_response, next_response, resolution) due at `due`, at `stage` ("soon" before the
    due time, "missed" at it). Kept so each is made once, however often the pass runs; a due
    time that moves (the clock paused and ran again, a new next-response cycle) is warned of
    again."""

    id = AutoField()
    ticket_id: int

    ticket = ForeignKeyField(Ticket, on_delete="CASCADE", index=False)
    metric = TextField()
    stage = TextField()
    due = DateTimeField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("ticket", "metric", "stage", "due"), True),)


class SourceFollow(BaseModel):
    """A person follows a source: a new ticket in it notifies them (if they see it then)."""

    id = AutoField()
    person_id: int
    source_id: int

    person = ForeignKeyField(Person, on_delete="CASCADE", index=False)
    source = ForeignKeyField(Source, on_delete="CASCADE")

    class Meta:
        indexes = ((("person", "source"), True),)


class GroupFollow(BaseModel):
    """A person follows a usergroup: a new ticket in it notifies them (if they see it then)."""

    id = AutoField()
    person_id: int
    usergroup_id: int

    person = ForeignKeyField(Person, on_delete="CASCADE", index=False)
    usergroup = ForeignKeyField(Usergroup, on_delete="CASCADE")

    class Meta:
        indexes = ((("person", "usergroup"), True),)


class Connection(BaseModel):
    """One of a person's app sessions is open: each session (its own random `session`
    token) moves `seen_at` once a minute, whatever screen it shows, and removes its row when
    it ends; a row not heard of for a while is a session that died. Mail "when away" goes to
    people without one."""

    id = AutoField()
    person_id: int

    person = ForeignKeyField(Person, on_delete="CASCADE")
    session = TextField(unique=True)
    seen_at = DateTimeField(default=utcnow)


QUEUE_FOLLOW_MODELS: list[type[BaseModel]] = [SourceFollow, GroupFollow, Connection]

NOTIFY_MODELS: list[type[BaseModel]] = [
    Notification,
    Follow,
    NotificationPreference,
    NotificationSettings,
]
