"""A rule's automatic assignment (round-robin, least-loaded, the group's own setting) on all the
tickets of a chunk it matched, as if a ticket at a time in their order (`auto_assign.pick`,
then the assignment, then `advance`): whom each ticket goes to is worked out in order from one
read of the tickets, one of the groups' settings and one of who may work on which ticket, the
round-robin cursor and the open tickets of each person followed in memory; the assignments are
then one pass of the change pipeline per person chosen, and each group's cursor written once.
A ticket the owner may not assign is refused there and moves no cursor, as one already
assigned to the person picked changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import peewee

from access import changes, rule_events, scope
from access.assignees import may_work_on
from access.auto_assign import Pick, advance, open_load, setting_of
from access.catalogue import TICKETS_ASSIGN
from access.change_pipeline import change_chunk_unaudited_refusals, verdict_error
from access.errors import InvalidInput, NoChange, NotFound, PermissionDenied
from access.request import Request
from access.rule_text import AUTO, LEAST_LOADED, ROUND_ROBIN, Kept
from store.among import among
from store.errors import TickettyError
from store.models import GroupMember, Person, Ticket, Usergroup
from store.prepared import NumbersQuery, padded
from store.rows import tuple_rows
from store.rule_models import AwayMark
from store.words import OPEN_STATUSES

Done = str | TickettyError


def assign_many(request: Request, numbers: Sequence[int], action: Kept) -> dict[int, Done]:
    """Inside `request.writing()`: the action `assign:MODE[:GROUP]` on each of `numbers`."""
    grants = request.grants()
    permitted = peewee.Case(None, [(scope.may(grants, TICKETS_ASSIGN), 1)], 0)
    rows = tuple_rows(
        Ticket.select(
            Ticket.number, Ticket.usergroup, Ticket.assignee, Ticket.status, permitted
        ).where(Ticket.number.in_(list(numbers)) & scope.visible(grants))
    )
    tickets = {number: rest for number, *rest in rows}
    groups = {
        n: action["group"] if action["group"] is not None else t[0] for n, t in tickets.items()
    }
    names = dict(tuple_rows(Usergroup.select(Usergroup.id, Usergroup.name)))
    settings = {g: setting_of(g) for g in set(groups.values()) if g in names}
    able, load, usernames = _candidates(numbers, groups, settings)
    cursors = {g: s.cursor for g, s in settings.items()}
    done: dict[int, Done] = {}
    chosen: dict[int, int] = {}
    for number in numbers:
        if number not in tickets:
            done[number] = NotFound(f"no ticket #{number}")
            continue
        _group, assignee, status, may = tickets[number]
        group = groups[number]
        if group is None:
            done[number] = InvalidInput(f"#{number} has no usergroup to assign in")
            continue
        if group not in names:
            done[number] = NotFound(f"the usergroup of the rule's assign ({group}) was deleted")
            continue
        setting = settings[group]
        mode = setting.mode if action["how"] == AUTO else action["how"]
        free = sorted(p for p in able.get(number, ()) if not setting.cap or load[p] < setting.cap)
        if not free:
            done[number] = NotFound(
                f"nobody in {names[group]} is free to take #{number} "
                "(away, at the cap, or unable to work on it)"
            )
            continue
        if mode == LEAST_LOADED:
            person = min(free, key=lambda p: (load[p], p))
        else:
            person = next((p for p in free if p > cursors[group]), free[0])
        if not may:
            done[number] = PermissionDenied(
                f"{grants.username} lacks {TICKETS_ASSIGN} on ticket #{number}"
            )
            continue
        if assignee == person:
            done[number] = NoChange(f"#{number} is already assigned to {usernames[person]}")
            continue
        if status in OPEN_STATUSES:
            load[person] = load.get(person, 0) + 1
            if assignee in load:
                load[assignee] -= 1
        if mode == ROUND_ROBIN:
            cursors[group] = person
        chosen[number] = person
        done[number] = f"assign to {usernames[person]} ({mode} in {names[group]})"
    _write(request, chosen, usernames, done)
    for group, cursor in cursors.items():
        if cursor != settings[group].cursor:
            advance(Pick(usernames[cursor], cursor, group, ROUND_ROBIN))
    return done


def _candidates(
    numbers: Sequence[int], groups: dict[int, Any], settings: dict[int, Any]
) -> tuple[dict[int, set[int]], dict[int, int], dict[int, str]]:
    """Who may be given each ticket (an active member of its group, not away, who may work on
    it), their open tickets and their usernames: the groups' members, then the pairs of a
    ticket and a member who may work on it, then each one's open tickets, once per person."""
    wanted = [n for n in numbers if groups.get(n) in settings]
    if not wanted:
        return {}, {}, {}
    by_group = {n: groups[n] for n in wanted}
    members = _members(set(by_group.values()))
    everyone = sorted(set().union(*members.values()))
    if not everyone:
        return {}, {}, {}
    able: dict[int, set[int]] = {}
    usernames: dict[int, str] = {}
    pairs = _PAIRS.rows(tuple(everyone), padded(wanted), lambda listed: _pairs(listed, everyone))
    for number, person, username in pairs:
        if person in members.get(by_group[number], ()):
            able.setdefault(number, set()).add(person)
            usernames[person] = username
    people = padded(sorted(usernames))
    loads = _LOADS.rows("loads", people, _loads) if usernames else []
    load = {int(person): int(count) for person, count in loads}
    return able, load, usernames


# The statements of `_candidates`, built once per database, members and padded count.
_PAIRS = NumbersQuery()
_LOADS = NumbersQuery()


def _pairs(numbers: list[int], people: list[int]) -> peewee.SelectBase:
    """Each of the tickets `numbers` with each of `people` who may work on it (active, not
    away)."""
    away = AwayMark.select(AwayMark.id).where(AwayMark.person == Person.id)
    return (
        Ticket.select(Ticket.number, Person.id, Person.username)
        .join(Person, on=(Person.active == True))  # noqa: E712
        .where(
            among(Ticket.number, numbers)
            & Person.id.in_(people)
            & ~peewee.fn.EXISTS(away)
            & may_work_on(Person.id)
        )
        .tuples()
    )


def _loads(people: list[int]) -> peewee.SelectBase:
    """Each of `people` with their open tickets."""
    return Person.select(Person.id, open_load(Person.id)).where(among(Person.id, people)).tuples()


def _members(groups: set[int]) -> dict[int, set[int]]:
    rows = tuple_rows(
        GroupMember.select(GroupMember.usergroup, GroupMember.person).where(
            GroupMember.usergroup.in_(list(groups))
        )
    )
    found: dict[int, set[int]] = {}
    for group, person in rows:
        found.setdefault(group, set()).add(person)
    return found


def _write(
    request: Request, chosen: dict[int, int], usernames: dict[int, str], done: dict[int, Done]
) -> None:
    """One pass of the change pipeline per person chosen; what it refuses is that ticket's."""
    by_person: dict[int, list[int]] = {}
    for number, person in chosen.items():
        by_person.setdefault(person, []).append(number)
    grants = request.grants()
    changed = []
    kind = changes.kind_for("assign", None)
    for person, numbers in by_person.items():
        target = kind.resolve(grants, usernames[person])
        for verdict in change_chunk_unaudited_refusals(request, kind, target, numbers):
            if verdict.skipped is None:
                changed.append(verdict.number)
            else:
                done[verdict.number] = verdict_error(grants, kind, target, verdict)
    rule_events.tickets_changed(request.session.clock, kind.field, changed)
