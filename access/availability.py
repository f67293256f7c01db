"""Who is away, and how a usergroup gives out its tickets (`gate.availability`): automatic
assignment (`access.auto_assign`) passes by agents marked away and those at their group's cap.

Anyone marks themselves away and back; marking someone else needs `people.edit`. A group's
assignment setting (round-robin or least-loaded, the cap) is changed with `usergroups.edit` and
seen with `usergroups.list`."""

from __future__ import annotations

from typing import NamedTuple

import peewee

from access.audit_actions import GROUP_ASSIGNMENT, PERSON_AWAY, PERSON_BACK
from access.auto_assign import open_load, setting_of
from access.catalogue import (
    PEOPLE_EDIT,
    PEOPLE_LIST,
    TICKETS_REPLY,
    USERGROUPS_EDIT,
    USERGROUPS_LIST,
)
from access.errors import InvalidInput, NoChange
from access.lookup import person_named, usergroup_named
from access.request import Part
from access.rule_text import ASSIGN_MODES
from store.models import GroupMember, Person
from store.rows import tuple_rows
from store.rule_models import AssignmentSetting, AwayMark

# The highest cap of open tickets a group may set (more is no cap at all).
MAX_CAP = 10_000


class AwayView(NamedTuple):
    username: str
    display_name: str
    since: str


class AssignmentView(NamedTuple):
    usergroup: str
    mode: str
    cap: int  # 0: none
    members: tuple[tuple[str, int, bool], ...]  # username, open tickets, away


class Availability(Part):
    """`gate.availability`."""

    def set_away(self, away: bool, username: str | None = None) -> None:
        """Mark this person (an agent: with `tickets.reply`) or, with `people.edit`, `username`
        away or back."""
        request = self._open()
        grants = request.require(TICKETS_REPLY if username is None else PEOPLE_EDIT)
        with request.writing():
            person = person_named(username) if username else Person.get_by_id(grants.person_id)
            marked = AwayMark.select().where(AwayMark.person == person.id).exists()
            if marked == away:
                state = "away" if away else "back"
                raise NoChange(f"{person.username} is already {state}; nothing changed")
            if away:
                AwayMark.create(person=person.id, since=request.clock())
            else:
                AwayMark.delete().where(AwayMark.person == person.id).execute()
            action = PERSON_AWAY if away else PERSON_BACK
            request.record(action, "person", person.id, after=person.username)

    def is_away(self) -> bool:
        """Whether this person is marked away."""
        grants = self._open().grants()
        return bool(AwayMark.select().where(AwayMark.person == grants.person_id).exists())

    def away_people(self) -> list[AwayView]:
        self._open().require(PEOPLE_LIST)
        rows = (
            AwayMark.select(Person.username, Person.display_name, AwayMark.since)
            .join(Person, on=(AwayMark.person == Person.id))
            .order_by(Person.username)
        )
        return [AwayView(u, d, f"{since:%Y-%m-%d %H:%M}") for u, d, since in tuple_rows(rows)]

    def group_assignment(self, group: str) -> AssignmentView:
        """A usergroup's setting, with each member's open tickets and whether they are away."""
        self._open().require(USERGROUPS_LIST)
        row = usergroup_named(group)
        setting = setting_of(row.id)
        away = AwayMark.select(AwayMark.id).where(AwayMark.person == Person.id)
        members = (
            Person.select(Person.username, open_load(Person.id), peewee.fn.EXISTS(away))
            .join(GroupMember, on=(GroupMember.person == Person.id))
            .where(GroupMember.usergroup == row.id)
            .order_by(Person.username)
        )
        return AssignmentView(
            row.name,
            setting.mode,
            setting.cap,
            tuple((u, int(load or 0), bool(gone)) for u, load, gone in tuple_rows(members)),
        )

    def set_group_assignment(
        self, group: str, *, mode: str | None = None, cap: int | None = None
    ) -> None:
        """How `group` gives out tickets: `mode` round-robin or least-loaded, `cap` the most
        open tickets an agent holds before they are passed by (0: no cap)."""
        request = self._open()
        request.require(USERGROUPS_EDIT)
        if mode is not None and mode not in ASSIGN_MODES:
            raise InvalidInput(f"{mode!r} is not a way to assign ({', '.join(ASSIGN_MODES)})")
        if cap is not None and not 0 <= cap <= MAX_CAP:
            raise InvalidInput(f"a cap is from 0 (none) to {MAX_CAP}")
        with request.writing():
            row = usergroup_named(group)
            setting = setting_of(row.id)
            before = {"mode": setting.mode, "cap": setting.cap}
            after = {
                "mode": before["mode"] if mode is None else mode,
                "cap": before["cap"] if cap is None else cap,
            }
            if after == before:
                raise NoChange(f"{row.name} already assigns so; nothing changed")
            if setting.id is None:
                AssignmentSetting.create(usergroup=row.id, **after)
            else:
                AssignmentSetting.update(after).where(AssignmentSetting.id == setting.id).execute()
            request.record(GROUP_ASSIGNMENT, "usergroup", row.id, before=before, after=after)
