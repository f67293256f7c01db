"""Every read path agrees for every person, on random helpdesks: list (paged), count, counts by
group, search, and show by number all give the same tickets, and those are exactly the tickets
the brief's "who sees a ticket" rules name (an oracle written from PRODUCT.md, not from the
gate's SQL)."""

from __future__ import annotations

from dataclasses import dataclass

import peewee
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from access import Gate, NotFound, PermissionDenied
from access.views import TicketQuery
from store.models import (
    GroupMember,
    GroupSupervisor,
    Message,
    Person,
    PersonRole,
    Role,
    RolePermission,
    RoleSource,
    Source,
    Ticket,
    Usergroup,
)
from tests.backends import Locations, connect

WORD = "zebracorn"
NOTE_WORD = "notewordx"


@dataclass(frozen=True)
class RoleSpec:
    listing: bool
    notes: bool
    sources: frozenset[int] | None  # None: all sources
    scope: str


@dataclass(frozen=True)
class TicketSpec:
    source: int
    requester: int
    group: int | None
    assignee: int | None
    private: bool
    word: bool
    note_word: bool


@dataclass(frozen=True)
class World:
    archived: frozenset[int]
    roles: tuple[RoleSpec, ...]
    holdings: tuple[frozenset[int], ...]  # per person: role indexes
    archive_rights: tuple[bool, ...]  # per person
    members: tuple[frozenset[int], ...]  # per person: group indexes
    supervises: tuple[frozenset[int], ...]
    tickets: tuple[TicketSpec, ...]


PEOPLE, SOURCES, GROUPS = 4, 3, 2


@st.composite
def worlds(draw: st.DrawFn) -> World:
    groups_of = st.frozensets(st.integers(0, GROUPS - 1), max_size=GROUPS)
    roles = tuple(
        RoleSpec(
            listing=draw(st.booleans()),
            notes=draw(st.booleans()),
            sources=draw(st.none() | st.frozensets(st.integers(0, SOURCES - 1), max_size=2)),
            scope=draw(st.sampled_from(["all", "usergroups", "own"])),
        )
        for _ in range(draw(st.integers(1, 3)))
    )
    people = range(PEOPLE)
    tickets = tuple(
        TicketSpec(
            source=draw(st.integers(0, SOURCES - 1)),
            requester=draw(st.integers(0, PEOPLE - 1)),
            group=draw(st.none() | st.integers(0, GROUPS - 1)),
            assignee=draw(st.none() | st.integers(0, PEOPLE - 1)),
            private=draw(st.booleans()),
            word=draw(st.booleans()),
            note_word=draw(st.booleans()),
        )
        for _ in range(draw(st.integers(0, 12)))
    )
    return World(
        archived=draw(st.frozensets(st.integers(0, SOURCES - 1), max_size=1)),
        roles=roles,
        holdings=tuple(
            draw(st.frozensets(st.integers(0, len(roles) - 1), max_size=2)) for _ in people
        ),
        archive_rights=tuple(draw(st.booleans()) for _ in people),
        members=tuple(draw(groups_of) for _ in people),
        supervises=tuple(draw(groups_of) for _ in people),
        tickets=tickets,
    )


def role_reaches(w: World, person: int, role: RoleSpec, t: TicketSpec) -> bool:
    """A role's scopes: its sources, then all / the person's usergroups (not private) / own."""
    if role.sources is not None and t.source not in role.sources:
        return False
    belongs = w.members[person] | w.supervises[person]
    return (
        role.scope == "all"
        or (role.scope == "usergroups" and t.group in belongs and not t.private)
        or (role.scope == "own" and person in (t.requester, t.assignee))
    )


def seen_by_rules_1_and_2(w: World, person: int, t: TicketSpec) -> bool:
    """Filed or assigned, or a role with tickets.list reaches it."""
    return person in (t.requester, t.assignee) or any(
        w.roles[i].listing and role_reaches(w, person, w.roles[i], t) for i in w.holdings[person]
    )


def oracle_sees(w: World, person: int, t: TicketSpec) -> bool:
    """PRODUCT.md, "Who sees a ticket"."""
    if t.source in w.archived and not w.archive_rights[person]:
        return False
    supervised = t.group in w.supervises[person] and not t.private
    return seen_by_rules_1_and_2(w, person, t) or supervised


def oracle_only_as_supervisor(w: World, person: int, t: TicketSpec) -> bool:
    """Seen, and only by rule 3 (supervision): the inbox's mark."""
    return oracle_sees(w, person, t) and not seen_by_rules_1_and_2(w, person, t)


def oracle_reads_note(w: World, person: int, t: TicketSpec) -> bool:
    """A note is readable through a role with view_notes whose scope covers the ticket."""
    return oracle_sees(w, person, t) and any(
        w.roles[i].notes and role_reaches(w, person, w.roles[i], t) for i in w.holdings[person]
    )


def build(w: World, location: str) -> tuple[peewee.Database, list[int]]:
    db = connect(location, create=True)
    with db.atomic():  # one write of the whole world, not one per row
        sources = [Source.create(name=f"S{i}", archived=i in w.archived).id for i in range(SOURCES)]
        groups = [Usergroup.create(name=f"G{i}").id for i in range(GROUPS)]
        people = [Person.create(username=f"p{i}", display_name=f"P{i}").id for i in range(PEOPLE)]
        roles = []
        for i, spec in enumerate(w.roles):
            role = Role.create(
                name=f"R{i}", all_sources=spec.sources is None, ticket_scope=spec.scope
            )
            perms = {"tickets.view"} | ({"tickets.list"} if spec.listing else set())
            perms |= {"tickets.view_notes"} if spec.notes else set()
            for key in perms:
                RolePermission.create(role=role.id, permission=key)
            for s in spec.sources or ():
                RoleSource.create(role=role.id, source=sources[s])
            roles.append(role.id)
        archivist = Role.create(name="Archive")
        RolePermission.create(role=archivist.id, permission="sources.archived")
        for p in range(PEOPLE):
            for index in w.holdings[p]:
                PersonRole.create(person=people[p], role=roles[index])
            if w.archive_rights[p]:
                PersonRole.create(person=people[p], role=archivist.id)
            for g in w.members[p]:
                GroupMember.create(usergroup=groups[g], person=people[p])
            for g in w.supervises[p]:
                GroupSupervisor.create(usergroup=groups[g], person=people[p])
        numbers = []
        for t in w.tickets:
            ticket = Ticket.create(
                subject=f"Order {WORD if t.word else 'plain'}",
                source=sources[t.source],
                requester=people[t.requester],
                usergroup=groups[t.group] if t.group is not None else None,
                assignee=people[t.assignee] if t.assignee is not None else None,
                private=t.private,
            )
            Message.create(
                ticket=ticket.number, kind="customer", author=people[t.requester], body="hello"
            )
            if t.note_word:
                Message.create(ticket=ticket.number, kind="note", author=people[0], body=NOTE_WORD)
            numbers.append(ticket.number)
    return db, numbers


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_every_read_path_agrees_with_the_rules(locations: Locations, w: World) -> None:
    location = locations.new("t.db", migrated=True)
    db, numbers = build(w, location)
    try:
        for p in range(PEOPLE):
            gate = Gate(db, f"p{p}")
            expected = {n for n, t in zip(numbers, w.tickets, strict=True) if oracle_sees(w, p, t)}

            listed: list[int] = []
            marks: dict[int, bool] = {}
            while page := gate.inbox.list_tickets(offset=len(listed), limit=5):
                listed += [row.number for row in page]
                marks |= {row.number: row.as_supervisor for row in page}
            assert marks == {
                n: oracle_only_as_supervisor(w, p, t)
                for n, t in zip(numbers, w.tickets, strict=True)
                if n in expected
            }
            assert len(listed) == len(set(listed))
            assert set(listed) == expected
            assert gate.inbox.count_tickets() == len(expected)
            assert sum(g.tickets for g in gate.inbox.group_counts()) == len(expected)

            by_number = set()
            for n in numbers:
                try:
                    gate.tickets.get_ticket(n)
                    by_number.add(n)
                except NotFound:
                    pass
                except PermissionDenied:  # seen in lists, may not open: still "exists"
                    by_number.add(n)
            assert by_number == expected

            with_word = {
                n for n, t in zip(numbers, w.tickets, strict=True) if t.word and n in expected
            }
            found = {r.number for r in gate.inbox.list_tickets(TicketQuery(search=WORD), limit=100)}
            assert found == with_word
            assert gate.inbox.count_tickets(TicketQuery(search=WORD)) == len(with_word)

            readable_notes = {
                n
                for n, t in zip(numbers, w.tickets, strict=True)
                if t.note_word and oracle_reads_note(w, p, t)
            }
            found = {r.number for r in gate.inbox.list_tickets(TicketQuery(search=NOTE_WORD))}
            assert found == readable_notes
    finally:
        db.close()
        locations.drop([location])
