"""Peewee models of the replies and notes a person is writing, saved as they are typed, and the
files attached to them.

Made apart from `store.models` so that the app's start, which reads no draft before its first
frame, does not build them: `store.models` still names each of them, importing this module when
one is first asked for.
"""

from __future__ import annotations

from peewee import AutoField, BlobField, DateTimeField, ForeignKeyField, TextField

from store.models import BaseModel, Person, Presence, Ticket, utcnow


class Draft(BaseModel):
    """A reply or note a person is writing on a ticket, saved as it is typed; private to them
    (no audit event: it is scratch, and what is sent is audited as it always was)."""

    id = AutoField()
    person_id: int
    ticket_id: int

    person = ForeignKeyField(Person, on_delete="CASCADE", index=False)
    ticket = ForeignKeyField(Ticket, on_delete="CASCADE")
    kind = TextField()  # reply or note
    body = TextField()
    saved_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("person", "ticket", "kind"), True),)


class DraftFile(BaseModel):
    """A file attached to a reply draft, its bytes kept (a file moved or deleted meanwhile is
    still sent as it was attached); it goes with its draft."""

    id = AutoField()
    draft_id: int

    draft = ForeignKeyField(Draft, on_delete="CASCADE")
    filename = TextField()
    content_type = TextField()
    data = BlobField()


# Migration 8: what people are writing and where they are.
DESK_MODELS: list[type[BaseModel]] = [Draft, Presence]
# Migration 31: the files of reply drafts.
DRAFT_FILE_MODELS: list[type[BaseModel]] = [DraftFile]
