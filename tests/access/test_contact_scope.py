"""Requesters' e-mail and phone follow `tickets.view_contact` on the tickets in scope, on every
path: a view_contact limited to one source shows that source's customers' contact data only, in
the people list, the picker and the audit log."""

from __future__ import annotations

import peewee
import pytest

from access import Gate
from access.catalogue import PERMISSIONS
from tests import builders as b


@pytest.fixture
def world(db: peewee.Database) -> b.World:
    w = b.world()
    b.role("Administrator", PERMISSIONS, holders=[b.person("boss")])
    stranger = b.person("stranger")  # requester of an Amazon ticket only
    b.ticket(w.s2, stranger)
    b.role(
        "Allegro desk",
        ["people.list", "audit.view", "tickets.list", "tickets.view", "tickets.view_contact"],
        sources=[w.s1],
        holders=[b.person("desk")],
    )
    b.role("Lister", ["people.list", "audit.view", "tickets.list"], holders=[b.person("lister")])
    boss = Gate(db, "boss")
    boss.people.edit_person("cust", email="cust.new@x.example", phone="+48 999")
    boss.people.edit_person("stranger", email="stranger.new@x.example", phone="+49 555")
    return w


def _contacts(gate: Gate) -> dict[str, tuple[str, str]]:
    return {p.username: (p.email, p.phone) for p in gate.people.list_people()}


def test_people_list_shows_contact_data_only_of_requesters_in_the_scope(
    db: peewee.Database, world: b.World
) -> None:
    seen = _contacts(Gate(db, "desk"))
    assert seen["cust"] == ("cust.new@x.example", "+48 999")  # has Allegro tickets
    assert seen["stranger"] == ("", "")  # only Amazon tickets
    assert seen["boss"] == ("", "")  # requests nothing in Allegro
    assert seen["desk"] == ("desk@x.example", "+48 111 222 333")  # one's own
    assert all(
        c == ("", "") for name, c in _contacts(Gate(db, "lister")).items() if name != "lister"
    )
    assert _contacts(Gate(db, "boss"))["stranger"] == ("stranger.new@x.example", "+49 555")
    picked = {p.username: p.email for p in Gate(db, "desk").people.find_people("stran")}
    assert picked == {"stranger": ""}


def test_the_audit_log_hides_contact_data_the_reader_may_not_see(
    db: peewee.Database, world: b.World
) -> None:
    def edits(username: str) -> dict[str, str]:
        return {
            e.target or "": e.before + e.after
            for e in Gate(db, username).audit.list_audit(target_kind="person")
            if e.action == "person.edit"
        }

    desk = edits("desk")
    assert "cust.new@x.example" in desk["cust"] and "cust@x.example" in desk["cust"]
    assert "stranger.new@x.example" not in desk["stranger"]
    assert "+49 555" not in desk["stranger"] and "(hidden)" in desk["stranger"]
    lister = edits("lister")
    assert "cust.new@x.example" not in lister["cust"] and "+48 999" not in lister["cust"]
    assert "stranger.new@x.example" in edits("boss")["stranger"]
