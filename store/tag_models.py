"""Tags and custom fields on tickets, saved views, and the desk's settings (migration 19)."""

from __future__ import annotations

from peewee import AutoField, BooleanField, DateTimeField, ForeignKeyField, IntegerField, TextField

from store.models import BaseModel, Person, Role, Ticket, Usergroup, utcnow
from store.words import TEXT_FIELD


class Tag(BaseModel):
    """A word on tickets (`refund`); written in lower case, unique."""

    id = AutoField()
    name = TextField(unique=True)


class TicketTag(BaseModel):
    """A tag on a ticket. Keyed by tag then ticket, so `tag:refund` reads one index range;
    the ticket's own tags are a second index."""

    id = AutoField()
    ticket_id: int
    tag_id: int
    ticket = ForeignKeyField(Ticket, on_delete="CASCADE", index=False)
    tag = ForeignKeyField(Tag, on_delete="CASCADE", index=False)

    class Meta:
        indexes = ((("tag", "ticket"), True), (("ticket", "tag"), False))


class TicketField(BaseModel):
    """A custom field of tickets (an order number, a product), defined as the usergroups'
    fields are."""

    id = AutoField()
    name = TextField(unique=True)
    kind = TextField(default=TEXT_FIELD)
    position = IntegerField(default=0)
    retired = BooleanField(default=False)


class TicketFieldValue(BaseModel):
    """A ticket's value of a field; keyed by field and value, so a search for one value reads
    one index range."""

    id = AutoField()
    ticket_id: int
    field_id: int
    ticket = ForeignKeyField(Ticket, on_delete="CASCADE", index=False)
    field = ForeignKeyField(TicketField, on_delete="CASCADE", index=False)
    value = TextField()

    class Meta:
        indexes = ((("ticket", "field"), True), (("field", "value"), False))


class SavedView(BaseModel):
    """A name for a combination of the inbox's filters, search and sort (`query`, JSON), of
    its owner only, or shared with a role or a usergroup."""

    id = AutoField()
    owner_id: int
    role_id: int | None
    usergroup_id: int | None
    owner = ForeignKeyField(Person, on_delete="CASCADE", index=False)
    name = TextField()
    query = TextField()
    role = ForeignKeyField(Role, null=True, on_delete="CASCADE")
    usergroup = ForeignKeyField(Usergroup, null=True, on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("owner", "name"), True),)


class DeskSetting(BaseModel):
    """One setting of the whole desk kept in the database (the lock of the list of tags)."""

    key = TextField(primary_key=True)
    value = TextField(default="")


TAG_MODELS: list[type[BaseModel]] = [
    Tag,
    TicketTag,
    TicketField,
    TicketFieldValue,
    SavedView,
    DeskSetting,
]
