"""Automatic assignment: whom a rule gives a ticket to, round-robin or least-loaded among the
members of a usergroup who may work on the ticket (the gate's own test, `access.assignees`),
passing by people marked away and people at the group's cap of open tickets.

Round-robin is fair by a cursor per usergroup: the next eligible member after the one given the
last ticket, by person id, wrapping round; the cursor moves in the transaction that assigns, so
two tickets assigned one after the other never go to the same person while another is free.
Least-loaded takes the eligible member with the fewest open tickets (ties by id)."""

from __future__ import annotations

from typing import NamedTuple, cast

import peewee

from access.assignees import may_work_on
from access.rule_text import AUTO, LEAST_LOADED, ROUND_ROBIN
from access.vocabulary import OPEN_STATUSES
from store.models import GroupMember, Person, Ticket
from store.rows import tuple_rows
from store.rule_models import AssignmentSetting, AwayMark


class Pick(NamedTuple):
    username: str
    person_id: int
    group_id: int
    mode: str


def open_load(person: peewee.ColumnBase) -> peewee.ColumnBase:
    """The number of open tickets assigned to `person` (through the assignee index)."""
    assigned = Ticket.alias("assigned")
    count = assigned.select(peewee.fn.COUNT(assigned.number)).where(
        (assigned.assignee == person) & assigned.status.in_(OPEN_STATUSES)
    )
    return cast(peewee.ColumnBase, count)


def setting_of(group_id: int) -> AssignmentSetting:
    """The group's setting, or the defaults (round-robin, no cap) when it has none."""
    found = AssignmentSetting.get_or_none(AssignmentSetting.usergroup == group_id)
    return found or AssignmentSetting(usergroup=group_id, mode=ROUND_ROBIN, cap=0, cursor=0)


def pick(number: int, group_id: int, how: str) -> Pick | None:
    """The member of `group_id` to give ticket `number` to (None: nobody is free). Call in the
    transaction that assigns, then `advance` the cursor there."""
    setting = setting_of(group_id)
    mode = setting.mode if how == AUTO else how
    load = open_load(Person.id)
    ticket = Ticket.select(Ticket.number).where((Ticket.number == number) & may_work_on(Person.id))
    member = GroupMember.select(GroupMember.id).where(
        (GroupMember.person == Person.id) & (GroupMember.usergroup == group_id)
    )
    away = AwayMark.select(AwayMark.id).where(AwayMark.person == Person.id)
    query = Person.select(Person.id, Person.username, load.alias("load")).where(
        (Person.active == True)  # noqa: E712
        & peewee.fn.EXISTS(member)
        & ~peewee.fn.EXISTS(away)
        & peewee.fn.EXISTS(ticket)
    )
    if setting.cap:
        query = query.where(load < setting.cap)
    candidates = sorted(tuple_rows(query))
    if not candidates:
        return None
    if mode == LEAST_LOADED:
        person_id, username, _ = min(candidates, key=lambda c: (c[2], c[0]))
    else:
        after = [c for c in candidates if c[0] > setting.cursor]
        person_id, username, _ = (after or candidates)[0]
    return Pick(username, person_id, group_id, mode)


def advance(chosen: Pick) -> None:
    """Round-robin goes on after the person just given a ticket."""
    if chosen.mode != ROUND_ROBIN:
        return
    updated = (
        AssignmentSetting.update(cursor=chosen.person_id)
        .where(AssignmentSetting.usergroup == chosen.group_id)
        .execute()
    )
    if not updated:
        AssignmentSetting.create(
            usergroup=chosen.group_id, mode=ROUND_ROBIN, cursor=chosen.person_id
        )
