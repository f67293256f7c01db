"""The delegation rule as a property: an actor with random scoped administrative roles takes a
random administrative action, or hands tickets on (assign, take: the change pipeline), through
the gate; afterwards every person's rights on every ticket are within their rights before it
plus the actor's own (a ticket handed to someone is theirs to work on: see `handed_on`), and
nobody who held more than the actor lost anything. Each example runs in a transaction rolled
back at its end."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import peewee
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from access import AccessError, Gate, scope
from access.catalogue import PERMISSIONS
from access.delegation import grants_of
from store.models import (
    GroupMember,
    GroupSupervisor,
    Person,
    PersonRole,
    Source,
    Ticket,
    Usergroup,
)
from store.rows import tuple_rows
from tests import builders

TICKET_RIGHTS = sorted(k for k in PERMISSIONS if k.startswith("tickets."))
ADMIN_RIGHTS = [
    "roles.list",
    "roles.assign",
    "roles.edit",
    "usergroups.list",
    "usergroups.edit",
    "usergroups.members",
    "people.list",
    "people.edit",
    "sources.list",
    "sources.edit",
    "sources.archived",
]
ROLES = ["Agent", "Allegro agent", "Group agent", "Own agent", "Viewer", "Administrator"]
PEOPLE = ["boss", "ann", "bob", "cid", "dee", "cust"]
GROUPS = ["Returns", "Accounting", "Wholesale"]
SOURCES = ["Allegro PL", "Amazon DE", "eBay DE"]

Rights = dict[tuple[str, str], frozenset[int]]


@pytest.fixture
def world(db: peewee.Database) -> peewee.Database:
    w = builders.world()
    g3 = Usergroup.create(name="Wholesale").id
    ids = {name: builders.person(name) for name in PEOPLE if name != "cust"}
    ids["cust"] = w.customer
    builders.role("Administrator", PERMISSIONS, holders=[ids["boss"]])
    builders.role("Agent", TICKET_RIGHTS, holders=[ids["ann"]])
    builders.role("Allegro agent", TICKET_RIGHTS, sources=[w.s1], holders=[ids["bob"]])
    builders.role("Group agent", TICKET_RIGHTS, scope="usergroups", holders=[ids["cid"]])
    builders.role("Own agent", ["tickets.list", "tickets.view", "tickets.reply"], scope="own")
    builders.role("Viewer", ["tickets.list", "tickets.view"], sources=[w.s2], holders=[ids["dee"]])
    GroupMember.create(usergroup=w.g1, person=ids["cid"])
    GroupSupervisor.create(usergroup=w.g2, person=ids["dee"])
    GroupMember.create(usergroup=g3, person=ids["bob"])
    builders.ticket(w.s2, w.customer, group=w.g1)
    builders.ticket(w.s2, w.customer, group=w.g2, assignee=ids["dee"])
    builders.ticket(w.s1, w.customer, group=g3, private=True)
    builders.ticket(w.archived, w.customer, group=w.g2)
    builders.person("actor")
    return db


def rights() -> Rights:
    """For every person and right, the tickets on which they hold it (one query for all): the
    tickets they see (`scope.visible`) on which the right counts (`scope.counts_on_visible`),
    as `scope.may` says it, with `visible` written once per person, not once per right."""
    table: Rights = {}
    columns: list[tuple[tuple[str, str], peewee.Case]] = []
    for person in Person.select():
        grants = grants_of(person.id)
        if grants is None:
            table.update({(person.username, r): frozenset() for r in ["sees", *TICKET_RIGHTS]})
            continue
        held = [("sees", scope.visible(grants))]
        held += [(right, scope.counts_on_visible(grants, right)) for right in TICKET_RIGHTS]
        columns += [((person.username, r), peewee.Case(None, [(on, 1)], 0)) for r, on in held]
    rows = list(tuple_rows(Ticket.select(Ticket.number, *(flag for _, flag in columns))))
    sees = {key[0]: i for i, (key, _) in enumerate(columns, start=1) if key[1] == "sees"}
    for i, (key, _) in enumerate(columns, start=1):
        table[key] = frozenset(row[0] for row in rows if row[i] and row[sees[key[0]]])
    return table


NEEDS = {
    "grant": {"roles.assign"},
    "revoke": {"roles.assign"},
    "permissions": {"roles.edit"},
    "scope": {"roles.edit"},
    "member": {"usergroups.members", "usergroups.list"},
    "supervisor": {"usergroups.members", "usergroups.list"},
    "unsupervise": {"usergroups.members", "usergroups.list"},
    "delete_group": {"usergroups.edit", "usergroups.list"},
    "archive": {"sources.edit", "sources.archived"},
    "deactivate": {"people.edit"},
    # Handing work on, through the change pipeline as the app calls it (one ticket or several).
    "assign": {"tickets.assign"},
    "take": {"tickets.take", "tickets.reply"},
}


def tickets() -> list[int]:
    return [number for (number,) in tuple_rows(Ticket.select(Ticket.number))]


def assignees() -> dict[int, str | None]:
    query = Ticket.select(Ticket.number, Person.username).join(
        Person, peewee.JOIN.LEFT_OUTER, on=(Ticket.assignee == Person.id)
    )
    return dict(tuple_rows(query))


def handed_on(before: Rights, assigned: dict[int, str | None]) -> dict[int, str]:
    """The tickets the action gave to someone new, each to whom: only ever to someone who could
    work on (reply to) it before. It becomes theirs, and what a person holds on their own
    tickets (seeing them, an own-scoped role's rights) is no gain of theirs."""
    given = {n: p for n, p in assignees().items() if p is not None and assigned.get(n) != p}
    for number, person in given.items():
        assert number in before[(person, "tickets.reply")], f"#{number} given to {person}"
    return given


def admin_role(data: st.DataObject, kind: str) -> dict:
    """A scoped administrative role, usually holding what the drawn action needs."""
    # Mostly every ticket permission in a narrow scope: the case where names pass and only
    # the comparison of reach on tickets can refuse.
    every = data.draw(st.integers(0, 3)) > 0
    tickets = set(TICKET_RIGHTS) if every else data.draw(st.sets(st.sampled_from(TICKET_RIGHTS)))
    admin = data.draw(st.sets(st.sampled_from(ADMIN_RIGHTS)))
    if data.draw(st.integers(0, 9)) > 0:
        admin |= NEEDS[kind]
    return {
        "permissions": tickets | admin,
        "sources": data.draw(st.sampled_from([None, {0}, {1}, {2}, {0, 1}, {1, 2}, set()])),
        "scope": data.draw(st.sampled_from(["all", "usergroups", "own"])),
    }


def action(data: st.DataObject, gate: Gate, kind: str) -> Callable[[], object]:
    person = data.draw(st.sampled_from([*PEOPLE, "actor"]))
    role = data.draw(st.sampled_from([*ROLES, "Actor admin"]))
    group = data.draw(st.sampled_from(GROUPS))
    source = data.draw(st.sampled_from(SOURCES))
    if kind == "grant":
        return lambda: gate.roles.grant_role(person, role)
    if kind == "revoke":
        return lambda: gate.roles.revoke_role(person, role)
    if kind == "permissions":
        wanted = data.draw(st.sets(st.sampled_from(sorted(PERMISSIONS))))
        return lambda: gate.roles.set_role_permissions(role, wanted)
    if kind == "scope":
        chosen = data.draw(st.sets(st.sampled_from(SOURCES), max_size=2))
        scope_name = data.draw(st.sampled_from(["all", "usergroups", "own"]))
        every = data.draw(st.booleans())
        return lambda: gate.roles.set_role_scope(
            role, all_sources=every, sources=chosen, ticket_scope=scope_name
        )
    if kind == "member":
        return lambda: gate.groups.add_member(group, person)
    if kind == "supervisor":
        return lambda: gate.groups.add_supervisor(group, person)
    if kind == "unsupervise":
        return lambda: gate.groups.remove_supervisor(group, person)
    if kind == "delete_group":
        target = data.draw(st.none() | st.sampled_from(GROUPS))
        return lambda: gate.groups.delete_group(group, move_tickets_to=target)
    if kind in ("assign", "take"):
        numbers = data.draw(st.lists(st.sampled_from(tickets()), min_size=1, max_size=3))
        assignee = None if kind == "take" else data.draw(st.none() | st.just(person))
        return lambda: gate.changes.apply_bulk(kind, numbers, assignee)
    if kind == "archive":
        archived = data.draw(st.booleans())
        return lambda: gate.sources.set_archived(source, archived)
    return lambda: gate.people.set_active(person, data.draw(st.booleans()))


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_administrative_action_exceeds_the_actor(world: peewee.Database, data) -> None:
    with world.atomic() as example:
        kind = data.draw(st.sampled_from(sorted(NEEDS)))
        shape = admin_role(data, kind)
        source_ids = [s.id for s in Source.select().order_by(Source.id)]
        actor = Person.get(Person.username == "actor")
        role_id = builders.role(
            "Actor admin",
            shape["permissions"],
            sources=None if shape["sources"] is None else [source_ids[i] for i in shape["sources"]],
            scope=shape["scope"],
        )
        PersonRole.create(person=actor.id, role=role_id)
        gate = Gate(world, "actor")
        act = action(data, gate, kind)
        before, assigned = rights(), assignees()
        actor_rights = {right: before[("actor", right)] for (_, right) in before}
        with contextlib.suppress(AccessError):
            act()
        after, given = rights(), handed_on(before, assigned)
        for (person, right), held in after.items():
            gained = held - before[(person, right)] - actor_rights[right]
            gained -= {number for number, to in given.items() if to == person}
            assert not gained, f"{person} gained {right} on {sorted(gained)}"
        for person in {p for (p, _) in before}:
            lost = any(before[(person, r)] - after[(person, r)] for (p, r) in before if p == person)
            held_more = any(
                before[(person, r)] - actor_rights[r] for (p, r) in before if p == person
            )
            assert not (lost and held_more), f"{person} held more than the actor and lost"
        example.rollback()
