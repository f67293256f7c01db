"""Canned replies, signatures and macros (migration 17): the text and the changes agents reuse."""

from __future__ import annotations

from peewee import AutoField, ForeignKeyField, IntegerField, TextField

from store.models import BaseModel, Person, Source


class CannedReply(BaseModel):
    """A saved answer: a name, a body with `{{...}}` variables (`access.canned_text`), and the
    sources and usergroups it is offered in (JSON lists of ids; empty: everywhere)."""

    id = AutoField()
    name = TextField(unique=True)
    body = TextField()
    sources = TextField(default="[]")
    usergroups = TextField(default="[]")
    version = IntegerField(default=1)


class Signature(BaseModel):
    """The text under replies that leave a source by mail: the source's own (`person` None) or
    one agent's on that source, which takes its place for that agent's replies."""

    id = AutoField()
    source_id: int
    person_id: int | None

    source = ForeignKeyField(Source, on_delete="CASCADE", index=False)
    person = ForeignKeyField(Person, null=True, on_delete="CASCADE", index=False)
    body = TextField()

    class Meta:
        indexes = ((("source", "person"), False),)


class Macro(BaseModel):
    """Several changes applied at once. `steps` is JSON: a list of [kind, value] in order
    (`access.macro_steps`), checked when saved. Offered, as canned replies are, in the sources
    and usergroups it names (migration 23)."""

    id = AutoField()
    name = TextField(unique=True)
    steps = TextField()
    sources = TextField(default="[]")
    usergroups = TextField(default="[]")
    version = IntegerField(default=1)


REPLY_MODELS: list[type[BaseModel]] = [CannedReply, Signature, Macro]
