"""Delegation never exceeds the delegator: a scoped administrator cannot widen anyone's reach
(their own included) beyond theirs, act on tickets they cannot see, or take anything from
someone who holds more. Every refusal is one line and writes nothing."""

from __future__ import annotations

import re

import peewee
import pytest

from access import Gate, PermissionDenied
from access.catalogue import PERMISSIONS, ROLES_EDIT
from store.models import AuditEvent, GroupMember, Ticket
from tests import builders

TICKETS = sorted(k for k in PERMISSIONS if k.startswith("tickets."))


def _refused(db: peewee.Database, action) -> str:
    before = builders.snapshot(db)
    with pytest.raises(PermissionDenied) as raised:
        action()
    assert builders.snapshot(db) == before
    message = str(raised.value)
    assert "\n" not in message
    return message


@pytest.fixture
def world(db: peewee.Database) -> builders.World:
    w = builders.world()
    builders.role("Administrator", PERMISSIONS, holders=[builders.person("boss")])
    builders.role("Agent", TICKETS)
    builders.role("Allegro agent", TICKETS, sources=[w.s1])
    lead = builders.person("zlead")
    builders.role(
        "Allegro lead",
        [*TICKETS, "roles.list", "roles.assign", "roles.edit", "usergroups.list"],
        sources=[w.s1],
        holders=[lead],
    )
    builders.person("newbie")
    return w


def test_a_scoped_lead_cannot_give_itself_an_unscoped_role(db, world) -> None:
    gate = Gate(db, "zlead")
    message = _refused(db, lambda: gate.roles.grant_role("zlead", "Agent"))
    assert "zlead cannot" in message
    _refused(db, lambda: gate.roles.grant_role("newbie", "Agent"))
    gate.roles.grant_role("newbie", "Allegro agent")  # within the lead's own reach


def test_a_scoped_lead_cannot_widen_its_own_scope(db, world) -> None:
    gate = Gate(db, "zlead")
    _refused(db, lambda: gate.roles.set_role_scope("Allegro lead", all_sources=True))
    _refused(
        db,
        lambda: gate.roles.set_role_scope("Allegro lead", all_sources=False, sources=["Amazon DE"]),
    )
    gate.roles.set_role_scope(
        "Allegro lead", all_sources=False, sources=["Allegro PL"], ticket_scope="own"
    )


def test_a_scoped_lead_cannot_strip_the_administrator(db, world) -> None:
    gate = Gate(db, "zlead")
    _refused(
        db,
        lambda: gate.roles.set_role_permissions("Administrator", set(PERMISSIONS) - {ROLES_EDIT}),
    )
    _refused(db, lambda: gate.roles.revoke_role("boss", "Administrator"))


def test_making_oneself_supervisor_needs_the_rights_it_gives(db, world) -> None:
    builders.role(
        "Group clerk", ["usergroups.list", "usergroups.members"], holders=[builders.person("clerk")]
    )
    gate = Gate(db, "clerk")
    _refused(db, lambda: gate.groups.add_supervisor("Returns", "clerk"))
    _refused(db, lambda: gate.groups.add_supervisor("Returns", "newbie"))
    assert Gate(db, "clerk").inbox.list_tickets() == []
    Gate(db, "boss").groups.add_supervisor("Returns", "clerk")
    assert Gate(db, "clerk").inbox.list_tickets() != []


def test_adding_a_member_with_a_group_scoped_role_needs_those_rights(db, world) -> None:
    builders.role("Group agent", TICKETS, scope="usergroups", holders=[builders.person("gagent")])
    builders.role(
        "Group clerk", ["usergroups.list", "usergroups.members"], holders=[builders.person("clerk")]
    )
    _refused(db, lambda: Gate(db, "clerk").groups.add_member("Returns", "gagent"))


def test_deleting_a_group_with_hidden_tickets_is_refused_without_counting_them(db, world) -> None:
    Ticket.update(usergroup=world.g1).where(Ticket.number == world.t_s2).execute()
    builders.role(
        "Allegro groups",
        [*TICKETS, "usergroups.list", "usergroups.edit"],
        sources=[world.s1],
        holders=[builders.person("gadmin")],
    )
    gate = Gate(db, "gadmin")
    assert gate.groups.group_ticket_count("Returns") == 2  # t_g1 and the private one; not t_s2
    message = _refused(
        db, lambda: gate.groups.delete_group("Returns", move_tickets_to="Accounting")
    )
    assert not re.search(r"\d", message)


def test_moving_tickets_by_deleting_a_group_gives_no_supervisor_rights_beyond_the_actor(
    db, world
) -> None:
    builders.role(
        "Mover",
        [
            "tickets.list",
            "tickets.view",
            "tickets.change_group",
            "usergroups.list",
            "usergroups.edit",
        ],
        holders=[builders.person("mover")],
    )
    GroupMember.create(usergroup=world.g2, person=builders.person("sup"))
    Gate(db, "boss").groups.add_supervisor("Accounting", "sup")
    _refused(
        db, lambda: Gate(db, "mover").groups.delete_group("Returns", move_tickets_to="Accounting")
    )


def test_every_ticket_moved_by_a_group_deletion_gets_its_audit_event(db, world) -> None:
    moved = Gate(db, "boss").groups.delete_group("Returns", move_tickets_to="Accounting")
    assert moved == 2
    events = AuditEvent.select().where(AuditEvent.action == "ticket.move")
    moved_tickets = [e.ticket for e in events.order_by(AuditEvent.ticket)]
    assert moved_tickets == sorted([world.t_g1, world.t_private_g1])


def test_archive_and_restore_need_sources_archived(db, world) -> None:
    builders.role("Sources", ["sources.list", "sources.edit"], holders=[builders.person("src")])
    gate = Gate(db, "src")
    assert "sources.archived" in _refused(db, lambda: gate.sources.set_archived("eBay DE", False))
    assert "sources.archived" in _refused(db, lambda: gate.sources.set_archived("Allegro PL", True))
    Gate(db, "boss").sources.set_archived("eBay DE", False)


def test_people_edit_cannot_touch_someone_who_holds_more(db, world) -> None:
    builders.role("HR", ["people.list", "people.edit"], holders=[builders.person("hr")])
    gate = Gate(db, "hr")
    _refused(db, lambda: gate.people.set_active("boss", False))
    _refused(db, lambda: gate.people.edit_person("boss", email="evil@x.example"))
    gate.people.edit_person("newbie", email="new@x.example")
    gate.people.set_active("newbie", False)
