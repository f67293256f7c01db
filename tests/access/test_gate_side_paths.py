"""Where real helpdesks leaked: ids named inside another action, ids that are prefixes of each
other, notes in counts and search, view-only people doing "small" changes, people raising their
own privileges. Every refusal writes nothing."""

from __future__ import annotations

import peewee
import pytest

from access import Gate, InvalidInput, NotFound, PermissionDenied
from access.catalogue import PERMISSIONS, VIEW_ONLY
from access.views import TicketQuery
from store.models import Person, Ticket
from tests import builders

AGENT = [k for k in PERMISSIONS if k.startswith("tickets.")] + ["usergroups.list"]


def _refused(db: peewee.Database, action, errors=(PermissionDenied,)) -> str:
    before = builders.snapshot(db)
    with pytest.raises(errors) as raised:
        action()
    assert builders.snapshot(db) == before
    return str(raised.value)


@pytest.fixture
def world(db: peewee.Database) -> builders.World:
    w = builders.world()
    agent = builders.person("agent")
    builders.role("Allegro agent", AGENT, sources=[w.s1], holders=[agent])
    builders.role("Admin", PERMISSIONS, holders=[builders.person("boss")])
    return w


def test_out_of_scope_number_reads_like_a_missing_one(db, world) -> None:
    gate = Gate(db, "agent")
    missing = _refused(db, lambda: gate.messages.reply(9999, "x"), (NotFound,))
    hidden = _refused(db, lambda: gate.messages.reply(world.t_s2, "x"), (NotFound,))
    assert missing == "no ticket #9999"
    assert hidden == f"no ticket #{world.t_s2}"
    for action in (
        gate.tickets.get_ticket,
        gate.changes.take,
        gate.changes.close,
        gate.tickets.allowed_on,
        gate.explain.explain_ticket,
        gate.tickets.reply_route,
    ):
        _refused(db, lambda action=action: action(world.t_s2), (NotFound,))
    assert gate.inbox.list_tickets(TicketQuery(search=f"#{world.t_s2}")) == []


def test_assign_to_someone_who_cannot_work_the_ticket(db, world) -> None:
    outsider = builders.person("outsider")
    builders.role("Amazon agent", AGENT, sources=[world.s2], holders=[outsider])
    gate = Gate(db, "agent")
    _refused(db, lambda: gate.changes.assign(world.t_s1, "outsider"), (NotFound,))
    _refused(db, lambda: gate.changes.assign(world.t_s1, "cust"), (NotFound,))  # the requester
    _refused(db, lambda: gate.changes.assign(world.t_s1, "nobody"), (NotFound,))
    Person.update(active=False).where(Person.username == "boss").execute()
    _refused(db, lambda: gate.changes.assign(world.t_s1, "boss"), (NotFound,))


def test_assigning_tells_unknown_and_not_allowed_people_apart_in_no_way(db, world) -> None:
    builders.person("outsider")
    gate = Gate(db, "agent")
    unknown = _refused(db, lambda: gate.changes.assign(world.t_s1, "nobody-here"), (NotFound,))
    outsider = _refused(db, lambda: gate.changes.assign(world.t_s1, "outsider"), (NotFound,))
    assert unknown.replace("nobody-here", "X") == outsider.replace("outsider", "X")


def test_contact_data_in_the_people_list_needs_view_contact(db, world) -> None:
    builders.role("Clerk", ["people.list"], holders=[builders.person("clerk")])
    listed = {p.username: p for p in Gate(db, "clerk").people.list_people()}
    assert listed["cust"].email == "" and listed["cust"].phone == ""
    assert listed["clerk"].email == "clerk@x.example"  # one's own
    assert all(p.email == "" for p in Gate(db, "clerk").people.find_people("cu"))
    assert {p.username: p for p in Gate(db, "boss").people.list_people()}["cust"].email


def test_move_to_a_group_one_cannot_see_reads_like_a_missing_group(db, world) -> None:
    member = builders.person("member")
    builders.role(
        "Narrow", ["tickets.list", "tickets.view", "tickets.change_group"], holders=[member]
    )
    from store.models import GroupMember

    GroupMember.create(usergroup=world.g1, person=member)
    gate = Gate(db, "member")
    hidden = _refused(db, lambda: gate.changes.move(world.t_s1, "Accounting"), (NotFound,))
    missing = _refused(db, lambda: gate.changes.move(world.t_s1, "Nope"), (NotFound,))
    assert hidden == "no usergroup named 'Accounting'"
    assert missing == "no usergroup named 'Nope'"
    gate.changes.move(world.t_s1, "Returns")


def test_ids_that_are_prefixes_of_each_other(db, world) -> None:
    while Ticket.select(peewee.fn.MAX(Ticket.number)).scalar() < 123:
        builders.ticket(world.s2, world.customer)
    Ticket.update(source=world.s1).where(Ticket.number == 12).execute()
    gate = Gate(db, "agent")
    assert gate.tickets.get_ticket("12").row.number == 12
    assert gate.tickets.get_ticket("#12").row.number == 12
    assert gate.tickets.get_ticket(" 12 ").row.number == 12
    for hidden in ("123", "#123", "13"):
        _refused(db, lambda hidden=hidden: gate.tickets.get_ticket(hidden), (NotFound,))
    for bad in ("12abc", "0x0C", "+12", "1e1", "12;", "", "1 2", "١٢"):
        _refused(db, lambda bad=bad: gate.tickets.get_ticket(bad), (InvalidInput,))
    assert [r.number for r in gate.inbox.list_tickets(TicketQuery(search="#12"))] == [12]
    assert gate.inbox.list_tickets(TicketQuery(search="#123")) == []


def test_notes_do_not_leak_into_counts_or_search(db, world) -> None:
    reader = builders.person("reader")
    builders.role("Reader", ["tickets.list", "tickets.view"], holders=[reader])
    gate = Gate(db, "reader")
    assert gate.inbox.list_tickets(TicketQuery(search="secret")) == []
    assert gate.inbox.count_tickets(TicketQuery(search="secret")) == 0
    assert sum(g.tickets for g in gate.inbox.group_counts(TicketQuery(search="secret"))) == 0
    assert all(m.kind != "note" for m in gate.tickets.get_ticket(world.t_s1).messages)
    boss = Gate(db, "boss")
    assert {r.number for r in boss.inbox.list_tickets(TicketQuery(search="secret"))} >= {
        world.t_s1,
        world.t_s2,
    }


def test_view_only_person_cannot_make_small_changes(db, world) -> None:
    viewer = builders.person("viewer")
    builders.role("Viewer", VIEW_ONLY, holders=[viewer])
    gate = Gate(db, "viewer")
    n = world.t_s1
    attempts = [
        lambda: gate.changes.set_priority(n, "urgent"),
        lambda: gate.changes.set_status(n, "pending"),
        lambda: gate.changes.take(n),
        lambda: gate.messages.note(n, "x"),
        lambda: gate.messages.reply(n, "x"),
        lambda: gate.changes.assign(n, "viewer"),
        lambda: gate.changes.move(n, "Accounting"),
        lambda: gate.changes.close(n),
        lambda: gate.tickets.delete_ticket(n),
        lambda: gate.filing.create_ticket("s", "b"),
        lambda: gate.groups.set_field_value("Returns", "Phone", "+48 1234 567"),
        lambda: gate.groups.add_member("Returns", "viewer"),
        lambda: gate.groups.create_group("Mine"),
        lambda: gate.sources.add_source("x", "email"),
        lambda: gate.sources.set_archived("Allegro PL", True),
        lambda: gate.people.add_person("newbie", "New"),
        lambda: gate.people.set_active("agent", False),
        lambda: gate.roles.grant_role("viewer", "Admin"),
        lambda: gate.roles.create_role("Mine", []),
        lambda: gate.roles.set_role_permissions("Viewer", VIEW_ONLY | {"tickets.reply"}),
    ]
    for attempt in attempts:
        _refused(db, attempt, (PermissionDenied, NotFound))
    gate.tickets.get_ticket(n)  # and yet it reads


def test_people_cannot_raise_their_own_privileges(db, world) -> None:
    assigner = builders.person("assigner")
    builders.role(
        "Role assigner", ["roles.assign", "roles.list", "people.list"], holders=[assigner]
    )
    editor = builders.person("editor")
    builders.role("Role editor", ["roles.edit", "roles.list"], holders=[editor])
    hr = builders.person("hr")
    builders.role("HR", ["people.edit", "people.list"], holders=[hr])

    message = _refused(db, lambda: Gate(db, "assigner").roles.grant_role("assigner", "Admin"))
    assert "does not" in message
    _refused(
        db,
        lambda: Gate(db, "editor").roles.set_role_permissions(
            "Role editor", ["roles.edit", "roles.list", "audit.view"]
        ),
    )
    _refused(db, lambda: Gate(db, "editor").roles.create_role("Backdoor", ["audit.view"]))
    _refused(db, lambda: Gate(db, "editor").roles.set_role_scope("Admin", all_sources=True))
    _refused(db, lambda: Gate(db, "hr").roles.grant_role("hr", "Admin"))
    _refused(db, lambda: Gate(db, "hr").explain.explain_ticket(world.t_s1, "boss"), (NotFound,))
    _refused(db, lambda: Gate(db, "agent").explain.who("roles.edit"))
    _refused(
        db, lambda: Gate(db, "agent").explain.explain_permission("tickets.assign", username="boss")
    )
    Gate(db, "assigner").roles.grant_role("hr", "Role assigner")  # giving what one holds is fine


def test_a_gate_over_a_database_the_models_do_not_run_on_is_refused(new_location) -> None:
    """Statements go to the database last connected; a gate over an earlier one would act on
    the wrong file without a word."""
    from access import Gate
    from access.bootstrap import create_first_admin
    from store.db import connect

    first = connect(new_location("first.db"), create=True)
    create_first_admin(first, "root", "Root")
    connect(new_location("second.db"), create=True)
    with pytest.raises(ValueError, match="not the one the models run on"):
        Gate(first, "root")
