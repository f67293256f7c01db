"""Following a source or a usergroup: a new ticket in it notifies the follower
(`access.notify_events.ticket_filed`), if they may see that ticket when they read it.

A person follows only a source their ticket list takes in, or a usergroup they may see (all
with `usergroups.list`, else their own); any other name reads as unknown, so following tells
nobody what exists beyond what they see. Stopping needs no right: it only takes away.
"""

from __future__ import annotations

from typing import NamedTuple

from access.catalogue import TICKETS_LIST, USERGROUPS_LIST
from access.errors import InvalidInput, NoChange, NotFound
from access.grants import Grants
from access.sources import covers_source
from store.models import Source, Usergroup
from store.notification_models import GroupFollow, SourceFollow
from store.rows import tuple_rows

SOURCE, GROUP = "source", "group"


class Followed(NamedTuple):
    """A source or usergroup the person follows."""

    kind: str  # source or group
    name: str


class Followable(NamedTuple):
    """A source or usergroup the person may follow, and whether they do."""

    kind: str  # source or group
    name: str
    followed: bool


def _one_of(source: str | None, group: str | None) -> tuple[str, str]:
    if (source is None) == (group is None):
        raise InvalidInput("name a source or a usergroup to follow, not both")
    name = (source if source is not None else group) or ""
    if not name.strip():
        raise InvalidInput("the name is empty")
    return (SOURCE, name) if source is not None else (GROUP, name)


def _seen_source(grants: Grants, name: str) -> int:
    source = Source.get_or_none(Source.name == name)
    if source is None or not covers_source(grants, TICKETS_LIST, source.id):
        raise NotFound(f"no source named {name!r}")
    return int(source.id)


def _seen_group(grants: Grants, name: str) -> int:
    group = Usergroup.get_or_none(Usergroup.name == name)
    if group is None or not (grants.holds(USERGROUPS_LIST) or group.id in grants.groups):
        raise NotFound(f"no usergroup named {name!r}")
    return int(group.id)


def follow(grants: Grants, source: str | None, group: str | None) -> None:
    """Inside a write transaction: the person follows the source or group named."""
    kind, name = _one_of(source, group)
    if kind == SOURCE:
        query = SourceFollow.insert(person=grants.person_id, source=_seen_source(grants, name))
    else:
        query = GroupFollow.insert(person=grants.person_id, usergroup=_seen_group(grants, name))
    if not query.on_conflict_ignore().as_rowcount().execute():
        raise NoChange(f"you already follow {kind} {name}")


def unfollow(person_id: int, source: str | None, group: str | None) -> None:
    """Inside a write transaction: the person no longer follows the source or group named."""
    kind, name = _one_of(source, group)
    if kind == SOURCE:
        sources = Source.select(Source.id).where(Source.name == name)
        gone = SourceFollow.delete().where(
            (SourceFollow.person == person_id) & SourceFollow.source.in_(sources)
        )
    else:
        groups = Usergroup.select(Usergroup.id).where(Usergroup.name == name)
        gone = GroupFollow.delete().where(
            (GroupFollow.person == person_id) & GroupFollow.usergroup.in_(groups)
        )
    if not gone.execute():
        raise NoChange(f"you do not follow {kind} {name}")


def followed(person_id: int) -> list[Followed]:
    """The sources, then the usergroups, the person follows, by name."""
    sources = (
        SourceFollow.select(Source.name)
        .join(Source)
        .where(SourceFollow.person == person_id)
        .order_by(Source.name)
    )
    groups = (
        GroupFollow.select(Usergroup.name)
        .join(Usergroup)
        .where(GroupFollow.person == person_id)
        .order_by(Usergroup.name)
    )
    return [Followed(SOURCE, name) for (name,) in tuple_rows(sources)] + [
        Followed(GROUP, name) for (name,) in tuple_rows(groups)
    ]


def followable(grants: Grants) -> list[Followable]:
    """The sources the person's ticket list takes in (not archived), then the usergroups they
    may see, by name, each marked when followed."""
    followed_now = set(followed(grants.person_id))
    sources = Source.select(Source.id, Source.name).where(~Source.archived).order_by(Source.name)
    groups = Usergroup.select(Usergroup.id, Usergroup.name).order_by(Usergroup.name)
    seen = [
        (SOURCE, name)
        for source_id, name in tuple_rows(sources)
        if covers_source(grants, TICKETS_LIST, source_id)
    ] + [
        (GROUP, name)
        for group_id, name in tuple_rows(groups)
        if grants.holds(USERGROUPS_LIST) or group_id in grants.groups
    ]
    return [Followable(kind, name, Followed(kind, name) in followed_now) for kind, name in seen]
