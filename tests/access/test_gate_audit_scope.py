"""The audit log is scoped like everything else, and names who did what to whom."""

from __future__ import annotations

import json

import peewee
import pytest

from access import Gate
from access.catalogue import PERMISSIONS
from tests import builders


@pytest.fixture
def world(db: peewee.Database) -> builders.World:
    w = builders.world()
    builders.role("Administrator", PERMISSIONS, holders=[builders.person("boss")])
    builders.role(
        "Allegro auditor",
        ["audit.view", "tickets.list", "tickets.view"],
        sources=[w.s1],
        holders=[builders.person("aud")],
    )
    boss = Gate(db, "boss")
    boss.messages.note(w.t_s1, "note on s1")
    boss.messages.note(w.t_s2, "note on s2")
    boss.messages.reply(w.t_s2, "reply on s2")
    boss.messages.note(w.t_archived, "note on archived")
    boss.roles.create_role("Helpers", ["tickets.list"])
    return w


def _text(events) -> str:
    return json.dumps([e._asdict() for e in events], default=str)


def test_events_of_tickets_out_of_scope_are_not_shown(db, world) -> None:
    gate = Gate(db, "aud")
    assert gate.audit.list_audit(ticket=world.t_s2) == []
    assert gate.audit.list_audit(ticket=world.t_archived) == []
    everything = gate.audit.list_audit()
    shown = {e.ticket for e in everything if e.ticket is not None}
    assert shown <= {world.t_s1, world.t_g1, world.t_g2, world.t_private_g1}
    assert "on s2" not in _text(everything)
    assert "archived" not in _text(everything)


def test_note_events_need_view_notes_on_that_ticket(db, world) -> None:
    assert "note on s1" not in _text(Gate(db, "aud").audit.list_audit())
    builders.role(
        "Allegro notes",
        ["audit.view", "tickets.list", "tickets.view", "tickets.view_notes"],
        sources=[world.s1],
        holders=[builders.person("aud2")],
    )
    text = _text(Gate(db, "aud2").audit.list_audit())
    assert "note on s1" in text
    assert "note on s2" not in text


def test_events_about_roles_need_roles_list(db, world) -> None:
    assert all(e.target_kind != "role" for e in Gate(db, "aud").audit.list_audit())
    roles = [e for e in Gate(db, "boss").audit.list_audit() if e.target_kind == "role"]
    assert roles and roles[0].target == "Helpers"


def test_the_actor_is_shown_by_name(db, world) -> None:
    events = Gate(db, "boss").audit.list_audit(limit=3)
    assert [e.actor for e in events] == ["boss", "boss", "boss"]
    assert events[0].target_label == "role Helpers"
    assert events[1].ticket == world.t_archived


def test_an_unknown_actor_filters_to_nothing_like_a_hidden_one(db, world) -> None:
    gate = Gate(db, "aud")
    assert gate.audit.list_audit(person="nobody-here") == []
