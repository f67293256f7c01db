"""The permission matrix at the gate: every catalogue leaf, for a person who holds it and one
who holds everything but it, across ticket relations. Allowed work happens and is audited;
refused work raises and writes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial

import peewee
import pytest

from access import Gate, NotFound, PermissionDenied, change_pipeline
from access.catalogue import PERMISSIONS, REPORTS_TEAM, SOURCES_ARCHIVED
from access.views import TicketQuery
from store.models import AuditEvent, GroupMember, Person, Source, Ticket
from store.tag_models import TicketField
from tests import builders
from tests.backends import Locations, connect
from tests.builders import World

TicketAction = Callable[[Gate, int], object]


def _sees_in_list(gate: Gate, number: int) -> None:
    if number not in {row.number for row in gate.inbox.list_tickets(limit=1000)}:
        raise NotFound(f"no ticket #{number}")


def _reads_notes(gate: Gate, number: int) -> None:
    if not any(m.kind == "note" for m in gate.tickets.get_ticket(number).messages):
        raise PermissionDenied("no notes")


def _reads_contact(gate: Gate, number: int) -> None:
    if gate.tickets.get_ticket(number).requester_email is None:
        raise PermissionDenied("no contact")


def _changed_alone(gate: Gate, kind: str, number: int, value: str) -> None:
    """A change of the pipeline's that has no one-ticket call (tags, fields), to one ticket:
    a ticket not found or refused raises as the one-ticket calls do."""
    outcome = gate.changes.apply_bulk(kind, [number], value)
    for reason, _ in outcome.skipped:
        raise (NotFound if reason == change_pipeline.NOT_FOUND else PermissionDenied)(reason)


def _two_of_one_source() -> tuple[int, int]:
    """Two tickets of the world's first source, in no usergroup or the same one."""
    first, second = (
        Ticket.select(Ticket.number)
        .join(Source)
        .where(Source.name == "Allegro PL", Ticket.private == False)  # noqa: E712
        .order_by(Ticket.number)
        .limit(2)
    )
    return first.number, second.number


def _field_set(gate: Gate, number: int) -> None:
    _changed_alone(gate, "field", number, "Order number=123")


TICKET_ACTIONS: dict[str, TicketAction] = {
    "tickets.list": _sees_in_list,
    "tickets.view": lambda g, n: g.tickets.get_ticket(n),
    "tickets.view_notes": _reads_notes,
    "tickets.view_contact": _reads_contact,
    "tickets.reply": lambda g, n: g.messages.reply(n, "We are on it"),
    "tickets.note": lambda g, n: g.messages.note(n, "Internal remark"),
    "tickets.take": lambda g, n: g.changes.take(n),
    "tickets.assign": lambda g, n: g.changes.assign(n, g.username),
    "tickets.change_group": lambda g, n: g.changes.move(n, "Accounting"),
    "tickets.change_status": lambda g, n: g.changes.set_status(n, "pending"),
    "tickets.close": lambda g, n: g.changes.close(n),
    "tickets.delete": lambda g, n: g.tickets.delete_ticket(n),
    "tickets.tag": lambda g, n: _changed_alone(g, "tag", n, "refund"),
    "tickets.set_fields": _field_set,
}

# Reading needs these leaves as well, so that each row tests the one leaf it names.
READS = {"tickets.list", "tickets.view", "usergroups.list"}
# Taking or being assigned a ticket needs the right to work on it (reply) as well.
WORKS = {"tickets.take": {"tickets.reply"}, "tickets.assign": {"tickets.reply"}}


def held(leaf: str) -> set[str]:
    """The leaf, and what it needs besides to be used at all."""
    return READS | WORKS.get(leaf, set()) | {leaf}


def _ticket_world(db: peewee.Database) -> World:
    """What every ticket leaf's test shares, built once per run: the world, a field of tickets
    to set, the person under test (no role yet) and an administrator."""
    w = builders.world()
    TicketField.create(name="Order number")
    builders.person("agent")
    builders.role("Admin", PERMISSIONS, holders=[builders.person("boss")])
    return w


@dataclass
class Copy:
    """A test's own copy of a world built once per run: its database and the world's rows."""

    db: peewee.Database
    w: World


def _own_copy(locations: Locations, built: tuple[str, World]) -> Iterator[Copy]:
    location = locations.copy(built[0])
    database = connect(location)
    yield Copy(database, built[1])
    database.close()
    locations.drop([location])


@pytest.fixture
def ticket_world(locations: Locations) -> Iterator[Copy]:
    yield from _own_copy(locations, locations.built("matrix_tickets", _ticket_world))


def _agent() -> int:
    return int(Person.get(Person.username == "agent").id)


def _setup(
    copy: Copy,
    permissions: Iterable[str],
    *,
    sources: Iterable[int] | None = None,
    scope: str = "all",
) -> tuple[Gate, World]:
    """The person under test given one role of `permissions`, and their gate."""
    builders.role("Under test", permissions, holders=[_agent()], sources=sources, scope=scope)
    return Gate(copy.db, "agent"), copy.w


def _refused(db: peewee.Database, action: Callable[[], object], errors: tuple[type, ...]) -> None:
    before = builders.snapshot(db)
    with pytest.raises(errors):
        action()
    assert builders.snapshot(db) == before


@pytest.mark.parametrize("leaf", sorted(TICKET_ACTIONS))
def test_ticket_leaf_held_in_scope_allows(ticket_world: Copy, leaf: str) -> None:
    gate, w = _setup(ticket_world, held(leaf), sources=None)
    before = AuditEvent.select().count()
    TICKET_ACTIONS[leaf](gate, w.t_s1)
    changed = leaf not in {
        "tickets.list",
        "tickets.view",
        "tickets.view_notes",
        "tickets.view_contact",
    }
    assert (AuditEvent.select().count() > before) == changed


@pytest.mark.parametrize("leaf", sorted(TICKET_ACTIONS))
def test_ticket_leaf_missing_refuses(ticket_world: Copy, leaf: str) -> None:
    db = ticket_world.db
    everything_but = set(PERMISSIONS) - {leaf}
    gate, w = _setup(ticket_world, everything_but)
    errors = (NotFound,) if leaf == "tickets.list" else (PermissionDenied,)
    _refused(db, lambda: TICKET_ACTIONS[leaf](gate, w.t_s1), errors)


@pytest.mark.parametrize("leaf", sorted(TICKET_ACTIONS))
def test_ticket_leaf_outside_source_scope_is_not_found(ticket_world: Copy, leaf: str) -> None:
    db = ticket_world.db
    gate, w = _setup(ticket_world, set(PERMISSIONS) - {SOURCES_ARCHIVED}, sources=[1])
    TICKET_ACTIONS[leaf](gate, w.t_s1)  # inside the role's one source
    _refused(db, lambda: TICKET_ACTIONS[leaf](gate, w.t_s2), (NotFound,))


@pytest.mark.parametrize("leaf", sorted(TICKET_ACTIONS))
def test_archived_source_needs_sources_archived(ticket_world: Copy, leaf: str) -> None:
    db = ticket_world.db
    gate, w = _setup(ticket_world, set(PERMISSIONS) - {SOURCES_ARCHIVED})
    _refused(db, lambda: TICKET_ACTIONS[leaf](gate, w.t_archived), (NotFound,))
    TICKET_ACTIONS[leaf](Gate(db, "boss"), w.t_archived)


@pytest.mark.parametrize("leaf", sorted(TICKET_ACTIONS))
def test_own_scope_covers_only_own_tickets(ticket_world: Copy, leaf: str) -> None:
    db = ticket_world.db
    gate, w = _setup(ticket_world, held(leaf), scope="own")
    agent = _agent()
    if leaf in ("tickets.take", "tickets.assign"):  # on one assigned to them: a no-op
        mine = builders.ticket(w.s1, agent, note="note on mine")
    else:
        mine = builders.ticket(w.s1, w.customer, assignee=agent, note="note on mine")
    TICKET_ACTIONS[leaf](gate, mine)
    _refused(db, lambda: TICKET_ACTIONS[leaf](gate, w.t_s2), (NotFound,))


@pytest.mark.parametrize("leaf", sorted(TICKET_ACTIONS))
def test_usergroup_scope_covers_group_but_not_private(ticket_world: Copy, leaf: str) -> None:
    db = ticket_world.db
    gate, w = _setup(ticket_world, held(leaf), scope="usergroups")
    GroupMember.create(usergroup=w.g1, person=_agent())
    _refused(db, lambda: TICKET_ACTIONS[leaf](gate, w.t_g2), (NotFound,))
    _refused(db, lambda: TICKET_ACTIONS[leaf](gate, w.t_private_g1), (NotFound,))
    if leaf == "tickets.view_notes":
        builders.ticket(w.s1, w.customer, group=w.g1, note="n")  # t_g1 has no note
        return
    TICKET_ACTIONS[leaf](gate, w.t_g1)


def test_permission_counts_only_through_the_role_that_covers_the_ticket(
    db: peewee.Database,
) -> None:
    w = builders.world()
    agent = builders.person("agent")
    builders.role("Assign in X", held("tickets.assign"), sources=[w.s1], holders=[agent])
    builders.role("List in Y", READS, sources=[w.s2], holders=[agent])
    gate = Gate(db, "agent")
    gate.changes.assign(w.t_s1, "agent")
    assert {r.number for r in gate.inbox.list_tickets()} >= {w.t_s1, w.t_s2}
    _refused(db, lambda: gate.changes.assign(w.t_s2, "agent"), (PermissionDenied,))


SUPERVISOR_ACTIONS = ("tickets.view", "tickets.reply", "tickets.assign", "tickets.close")


@pytest.mark.parametrize("leaf", SUPERVISOR_ACTIONS)
def test_supervisor_rights_on_non_private_group_tickets(db: peewee.Database, leaf: str) -> None:
    w = builders.world()
    sup = builders.person("sup")
    builders.role("Narrow", {"tickets.create"}, holders=[sup])
    from store.models import GroupSupervisor

    GroupSupervisor.create(usergroup=w.g1, person=sup)
    gate = Gate(db, "sup")
    TICKET_ACTIONS[leaf](gate, w.t_g1)
    _refused(db, lambda: TICKET_ACTIONS[leaf](gate, w.t_private_g1), (NotFound,))
    _refused(db, lambda: TICKET_ACTIONS[leaf](gate, w.t_g2), (NotFound,))


@pytest.mark.parametrize(
    "leaf",
    [
        "tickets.note",
        "tickets.change_group",
        "tickets.delete",
        "tickets.view_notes",
        "tickets.change_status",
    ],
)
def test_supervision_implies_nothing_else(db: peewee.Database, leaf: str) -> None:
    w = builders.world()
    sup = builders.person("sup")
    builders.role("Narrow", {"tickets.create", "usergroups.list"}, holders=[sup])
    from store.models import GroupSupervisor

    GroupSupervisor.create(usergroup=w.g1, person=sup)
    builders.ticket(w.s1, w.customer, group=w.g1, note="a note")
    number = builders.ticket(w.s1, w.customer, group=w.g1, note="another note")
    _refused(db, lambda: TICKET_ACTIONS[leaf](Gate(db, "sup"), number), (PermissionDenied,))


def test_requester_reads_without_notes_and_writes_as_customer(db: peewee.Database) -> None:
    w = builders.world()
    gate = Gate(db, "cust")
    detail = gate.tickets.get_ticket(w.t_s1)
    assert [m.kind for m in detail.messages] == ["customer"]
    gate.messages.reply(w.t_s1, "Any news?")
    assert [m.kind for m in gate.tickets.get_ticket(w.t_s1).messages] == ["customer", "customer"]
    for leaf in ("tickets.note", "tickets.take", "tickets.close", "tickets.change_status"):
        _refused(db, partial(TICKET_ACTIONS[leaf], gate, w.t_s1), (PermissionDenied,))


# ---------------------------------------------------------------- leaves outside tickets


def _sees_groups(gate: Gate, expected: list[str]) -> None:
    """Without usergroups.list a person sees only their own groups (none here)."""
    if [group.name for group in gate.groups.list_groups()] != expected:
        raise PermissionDenied("sees only own groups")


def _sees_team(gate: Gate) -> None:
    if len(gate.reports.workload()) < 2:
        raise PermissionDenied("own figures only")


OTHER_ACTIONS: dict[str, Callable[[Gate], object]] = {
    "tickets.create": lambda g: g.filing.create_ticket("Subject", "Body"),
    "tickets.create_private": lambda g: g.filing.create_ticket("Subject", "Body", private=True),
    "tickets.choose_group": lambda g: g.filing.create_ticket("Subject", "Body", group="Accounting"),
    "usergroups.list": lambda g: (
        g.groups.group_ticket_count("Returns")
        if False
        else (
            None
            if [x.name for x in g.groups.list_groups()] == ["Accounting", "Returns"]
            else (_ for _ in ()).throw(PermissionDenied("sees no groups"))
        )
    ),
    "usergroups.edit": lambda g: g.groups.create_group("New team"),
    "usergroups.members": lambda g: g.groups.add_member("Returns", "other"),
    "usergroups.fields": lambda g: g.groups.define_field("Phone", "phone"),
    "people.list": lambda g: g.people.list_people(),
    "people.edit": lambda g: g.people.add_person("newbie", "New Person"),
    "roles.list": lambda g: g.roles.list_roles(),
    "roles.edit": lambda g: g.roles.create_role("Readers", ["tickets.create"]),
    "roles.assign": lambda g: g.roles.grant_role("other", "Empty"),
    "sources.list": lambda g: g.sources.list_sources(),
    "sources.edit": lambda g: g.sources.add_source("Phone line", "phone"),
    "sources.archived": lambda g: _sees_in_list(g, 6),
    "reports.own": lambda g: g.reports.workload() if not g.me.holds(REPORTS_TEAM) else None,
    "reports.team": lambda g: _sees_team(g),
    "audit.view": lambda g: g.audit.list_audit(),
    "sla.list": lambda g: g.calendars.list_calendars(),
    "sla.edit": lambda g: g.calendars.create_calendar(
        "Office", zone="UTC", hours="mon-fri 08:00-16:00"
    ),
    "replies.list": lambda g: g.replies.list_replies(),
    "replies.edit": lambda g: g.replies.add_reply("Thanks", "Thank you, {{requester.name}}"),
    "macros.list": lambda g: g.macros.list_macros(),
    "macros.edit": lambda g: g.macros.add_macro("Solve", ["status:resolved", "priority:low"]),
    "rules.list": lambda g: g.rules.list_rules(),
    "rules.edit": lambda g: g.rules.create_rule("Mine", on="created", actions=["priority:high"]),
    "tags.edit": lambda g: g.tags.create_tag("refund"),
    # Merge takes two tickets; which of them scope hides is tests/access/test_gate_merging.py's.
    "tickets.merge": lambda g: g.merging.merge(*_two_of_one_source()),
    "fields.edit": lambda g: g.ticket_fields.define_ticket_field("Order number"),
    "views.share": lambda g: g.views.save_view("Shared", TicketQuery(), role="Under test"),
}


def test_matrix_names_every_leaf() -> None:
    assert set(TICKET_ACTIONS) | set(OTHER_ACTIONS) == set(PERMISSIONS)


def _other_world(db: peewee.Database) -> World:
    """What every other leaf's test shares, built once per run: the world, two agents with
    replies (so a team report has more than one row), the person under test (no role yet),
    a role of nothing and an administrator."""
    w = builders.world()
    busy = [builders.person("busy"), builders.person("busier")]
    builders.role("Busy", READS | {"tickets.reply"}, holders=busy)
    Gate(db, "busy").messages.reply(w.t_s1, "hello")
    Gate(db, "busier").messages.reply(w.t_s2, "hello")
    builders.person("agent")
    builders.role("Empty", [])
    builders.role("Admin", PERMISSIONS, holders=[builders.person("boss")])
    return w


@pytest.fixture
def other_world(locations: Locations) -> Iterator[Copy]:
    yield from _own_copy(locations, locations.built("matrix_others", _other_world))


@pytest.mark.parametrize("leaf", sorted(OTHER_ACTIONS))
def test_other_leaf_held_allows(other_world: Copy, leaf: str) -> None:
    held = {leaf, "tickets.list", "tickets.create", "reports.own", "usergroups.list"}
    if leaf == "reports.own":
        held.discard(REPORTS_TEAM)
    builders.role("Under test", held, holders=[_agent()])
    OTHER_ACTIONS[leaf](Gate(other_world.db, "agent"))


@pytest.mark.parametrize("leaf", sorted(OTHER_ACTIONS))
def test_other_leaf_missing_refuses(other_world: Copy, leaf: str) -> None:
    db = other_world.db
    everything_but = set(PERMISSIONS) - {leaf}
    if leaf == "reports.own":
        everything_but -= {REPORTS_TEAM}
    builders.role("Under test", everything_but, holders=[_agent()])
    gate = Gate(db, "agent")
    expected = (NotFound,) if leaf == "sources.archived" else (PermissionDenied,)
    _refused(db, lambda: OTHER_ACTIONS[leaf](gate), expected)
