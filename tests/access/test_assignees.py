"""The assign picker's people: every candidate's reach is read in one statement, and the answer is
the per-person rule's (`scope.may` for `tickets.reply` over each person's own grants), on the
demo personas and on a generated team of 300 agents with varied scopes."""

from __future__ import annotations

import random
from collections.abc import Iterable

import peewee
import pytest

from access import Gate, scope
from access.catalogue import TICKETS_REPLY
from access.grants import read_grants
from access.views import Assignee
from access.vocabulary import TICKET_SCOPES
from store.models import GroupMember, GroupSupervisor, Person, Source, Ticket, Usergroup
from store.rows import tuple_rows
from tests import builders as b
from tests.access.test_gate_statements import statements

# Permissions drawn for the generated roles: the ones the picker's rule reads, and others.
DRAWN = ("tickets.list", "tickets.view", "tickets.reply", "sources.archived", "tickets.note")


def workable_by_person(numbers: Iterable[int]) -> dict[Assignee, set[int]]:
    """For every active person, the tickets among `numbers` they may reply to, each asked with
    their own grants: the rule the picker must agree with."""
    wanted = sorted(numbers)
    reach: dict[Assignee, set[int]] = {}
    for person in Person.select().where(Person.active == True):  # noqa: E712
        grants = read_grants(Person.id == person.id)
        assert grants is not None
        may = scope.may(grants, TICKETS_REPLY)
        rows = Ticket.select(Ticket.number).where(Ticket.number.in_(wanted) & may)
        reach[Assignee(person.username, person.display_name)] = {n for (n,) in tuple_rows(rows)}
    return reach


def expected(reach: dict[Assignee, set[int]], numbers: Iterable[int]) -> list[Assignee]:
    chosen = set(numbers)
    return sorted((who for who, tickets in reach.items() if tickets & chosen), key=lambda a: a[0])


def ticket_sets(numbers: list[int], rnd: random.Random, count: int) -> list[list[int]]:
    """Each ticket alone, then `count` random sets of two to six."""
    return [[n] for n in numbers] + [rnd.sample(numbers, rnd.randint(2, 6)) for _ in range(count)]


@pytest.mark.parametrize("username", ["ada", "sam", "eva"])
def test_the_demo_personas_are_offered_whom_the_rule_allows(
    demo_db: peewee.Database, username: str
) -> None:
    gate = Gate(demo_db, username)
    assignable = [row.number for row in gate.inbox.list_tickets(limit=1000)]
    rnd = random.Random(username)
    numbers = rnd.sample(assignable, min(40, len(assignable)))
    reach = workable_by_person(numbers)
    for chosen in ticket_sets(numbers, rnd, 20):
        assert gate.assignees.assignable_people(chosen) == expected(reach, chosen), chosen


def generated_team(size: int, seed: int) -> list[int]:
    """`size` agents with one to three of 40 roles (random permissions, sources and ticket
    scope), in and supervising random groups, a tenth inactive; customers; 60 tickets of random
    source (one archived), group, privacy, requester and assignee. Returns the tickets."""
    rnd = random.Random(seed)
    sources = [Source.create(name=f"source {i}", archived=i == 0).id for i in range(5)]
    groups = [Usergroup.create(name=f"group {i}").id for i in range(6)]
    roles = [
        (
            [p for p in DRAWN if rnd.random() < 0.5],
            rnd.choice([None, [], rnd.sample(sources, rnd.randint(1, 3))]),
            rnd.choice(TICKET_SCOPES),
        )
        for _ in range(40)
    ]
    holders: list[list[int]] = [[] for _ in roles]
    agents = []
    for i in range(size):
        agent = b.person(f"agent{i:03}")
        agents.append(agent)
        for held in rnd.sample(range(len(roles)), rnd.randint(1, 3)):
            holders[held].append(agent)
        for group in rnd.sample(groups, rnd.randint(0, 2)):
            GroupMember.create(usergroup=group, person=agent)
        if rnd.random() < 0.1:
            GroupSupervisor.create(usergroup=rnd.choice(groups), person=agent)
    Person.update(active=False).where(Person.id.in_(rnd.sample(agents, size // 10))).execute()
    for i, (permissions, chosen, ticket_scope) in enumerate(roles):
        b.role(f"role {i}", permissions, sources=chosen, scope=ticket_scope, holders=holders[i])
    customers = [b.person(f"customer{i}") for i in range(5)]
    return [
        b.ticket(
            rnd.choice(sources),
            rnd.choice(customers + agents[:5]),
            group=rnd.choice([None, *groups]),
            assignee=rnd.choice([None, None, *agents]),
            private=rnd.random() < 0.2,
        )
        for _ in range(60)
    ]


def dispatcher() -> None:
    """Someone who may assign every ticket, archived sources included."""
    b.role("Dispatch", ["tickets.list", "tickets.assign", "sources.archived"],
           holders=[b.person("dispatch")])  # fmt: skip


def test_a_generated_team_of_300_is_offered_whom_the_rule_allows(db: peewee.Database) -> None:
    numbers = generated_team(300, seed=21)
    dispatcher()
    gate = Gate(db, "dispatch")
    reach = workable_by_person(numbers)
    offered = 0
    for chosen in ticket_sets(numbers, random.Random(21), 40):
        people = gate.assignees.assignable_people(chosen)
        assert people == expected(reach, chosen), chosen
        offered += len(people)
    assert offered > 0  # the drawn team can work on some of its tickets


def test_the_picker_costs_the_same_statements_for_any_team(
    db: peewee.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    numbers = generated_team(10, seed=5)
    dispatcher()
    counts = []
    for more in (0, 290):
        for i in range(more):
            b.role(f"extra {i}", ["tickets.list", "tickets.reply"], holders=[b.person(f"x{i:03}")])
        gate = Gate(db, "dispatch")
        with statements(db, monkeypatch) as run:
            people = gate.assignees.assignable_people(numbers[:3])
        counts.append(len(run))
        assert len(people) > more
    assert counts[0] == counts[1] <= 3, counts
