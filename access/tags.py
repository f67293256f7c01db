"""Tags on tickets: their names, the list of tags and its lock (`gate.tags`), and what the
change pipeline needs to add or remove one (`access.changes`, kinds `tag` and `untag`).

A tag is a word in lower case. While the list is unlocked, tagging a ticket with a new word
puts the word on the list; once an admin locks it, only the words on it can be used.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

import peewee

from access.audit_actions import TAG_CREATE, TAG_DELETE, TAG_LOCK
from access.catalogue import TAGS_EDIT, TICKETS_LIST
from access.errors import InvalidInput, NoChange, NotFound
from access.request import Part, Request
from store import dialect
from store.among import among
from store.models import Ticket
from store.prepared import PreparedInsert, PreparedSelect
from store.rows import tuple_rows
from store.tag_models import DeskSetting, Tag, TicketTag

if TYPE_CHECKING:
    from access.changes import Target

_NAME = r"^\w[\w.-]*$"
MAX_NAME = 40
LOCK_SETTING = "tags.locked"


class TagList(NamedTuple):
    """The tags in use or on the list, and whether the list is locked."""

    names: tuple[str, ...]
    locked: bool


def checked_name(text: str | None) -> str:
    """A tag as written: one word (letters, digits, `_`, `-`, `.`) of at most MAX_NAME
    characters, in lower case."""
    name = (text or "").strip().casefold()
    if not name or len(name) > MAX_NAME or not re.match(_NAME, name):
        raise InvalidInput(
            f"a tag is one word of letters, digits, _, - or . (at most {MAX_NAME}): {text!r}"
        )
    return name


def is_locked() -> bool:
    row = _SETTING.first(LOCK_SETTING)
    return row is not None and row[0] == "1"


_SETTING = PreparedSelect(
    lambda key: DeskSetting.select(DeskSetting.value).where(DeskSetting.key == key)
)


def usable(text: str | None) -> str:
    """A tag that may be put on a ticket: any word while the list is unlocked, a word on the
    list once it is locked."""
    name = checked_name(text)
    if is_locked() and not Tag.select().where(Tag.name == name).exists():
        raise InvalidInput(f"the list of tags is locked and has no tag {name!r}")
    return name


_TAGGED = PreparedInsert(TicketTag, ("ticket", "tag"), ignore_conflicts=True)
_NEW_TAG = PreparedInsert(Tag, ("name",), ignore_conflicts=True)
_TAG_NAMED = PreparedSelect(lambda name: Tag.select(Tag.id).where(Tag.name == name))


def present(target: Target) -> peewee.ColumnBase:
    """1 where the ticket carries the tag, else 0 (the change pipeline's current value)."""
    name = target.subject
    carried = (
        TicketTag.select(TicketTag.id)
        .join(Tag, on=(TicketTag.tag == Tag.id))
        .where((Tag.name == name) & (TicketTag.ticket == Ticket.number))
    )
    return peewee.Case(None, [(peewee.fn.EXISTS(carried), 1)], 0)


def add_to(target: Target, numbers: list[int]) -> None:
    """Tag `numbers` (the tag put on the list if new): three statements, inside the change's
    transaction."""
    name = target.subject
    _NEW_TAG.run_many([{"name": name}])
    found = _TAG_NAMED.first(name)
    tag = None if found is None else found[0]
    _TAGGED.run_many([{"ticket": number, "tag": tag} for number in numbers])


def remove_from(target: Target, numbers: list[int]) -> None:
    """Take the tag off `numbers`: one statement."""
    name = target.subject
    tag = Tag.select(Tag.id).where(Tag.name == name)
    TicketTag.delete().where(among(TicketTag.ticket, numbers) & (TicketTag.tag == tag)).execute()


def names_column() -> peewee.SelectBase:
    """A ticket's tags as one text, in alphabetical order, separated by spaces (a tag has
    none): a column of the inbox's page query, so that tags cost it no statement."""
    names = (
        TicketTag.select(Tag.name)
        .join(Tag, on=(TicketTag.tag == Tag.id))
        .where(TicketTag.ticket == Ticket.number)
    )
    if dialect.is_sqlite(Ticket._meta.database):
        ordered = names.order_by(Tag.name).alias("ordered")
        return peewee.Select([ordered], [peewee.fn.group_concat(ordered.c.name, " ")])
    in_order = peewee.NodeList((Tag.name, peewee.SQL(", ' ' ORDER BY"), Tag.name))
    return names.select(peewee.fn.string_agg(in_order))


def names_of(text: str | None) -> tuple[str, ...]:
    return tuple(text.split()) if text else ()


def tagged(name: str) -> peewee.ColumnBase:
    """Tickets carrying tag `name` (a search's `tag:name`): one range of the tag's index."""
    tag = Tag.select(Tag.id).where(Tag.name == name.casefold())
    return Ticket.number.in_(TicketTag.select(TicketTag.ticket).where(TicketTag.tag == tag))


class TagAdmin(Part):
    """`gate.tags`: the list of tags and its lock."""

    def list_tags(self) -> TagList:
        """Everyone who sees tickets sees the tags they may use."""
        self._open().require(TICKETS_LIST)
        names = tuple(name for (name,) in tuple_rows(Tag.select(Tag.name).order_by(Tag.name)))
        return TagList(names, is_locked())

    def create_tag(self, name: str) -> None:
        request = self._open()
        request.require(TAGS_EDIT)
        name = checked_name(name)
        with request.writing():
            if Tag.select().where(Tag.name == name).exists():
                raise NoChange(f"tag {name} is already on the list; nothing changed")
            tag = Tag.create(name=name)
            request.record(TAG_CREATE, "tag", tag.id, after=name)

    def delete_tag(self, name: str) -> int:
        """Take a tag off the list and off every ticket; returns how many tickets had it."""
        request = self._open()
        request.require(TAGS_EDIT)
        name = checked_name(name)
        with request.writing():
            tag = Tag.get_or_none(Tag.name == name)
            if tag is None:
                raise NotFound(f"no tag {name!r}")
            carried = TicketTag.delete().where(TicketTag.tag == tag.id).execute()
            tag.delete_instance()
            request.record(TAG_DELETE, "tag", tag.id, before=name, after={"tickets": carried})
        return int(carried)

    def lock_tags(self, locked: bool) -> None:
        """Lock the list (only its tags may be used) or unlock it."""
        request = self._open()
        request.require(TAGS_EDIT)
        with request.writing():
            _set_lock(request, locked)


def _set_lock(request: Request, locked: bool) -> None:
    if is_locked() == locked:
        word = "locked" if locked else "unlocked"
        raise NoChange(f"the list of tags is already {word}; nothing changed")
    DeskSetting.insert(key=LOCK_SETTING, value="1" if locked else "").on_conflict(
        conflict_target=[DeskSetting.key], update={DeskSetting.value: "1" if locked else ""}
    ).execute()
    request.record(TAG_LOCK, "tag", None, after="locked" if locked else "unlocked")
