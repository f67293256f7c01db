"""The audit log, last-admin protection, version conflicts and bad input at the gate."""

from __future__ import annotations

import json
import os
from pathlib import Path

import peewee
import pytest

from access import Conflict, Gate, InvalidInput, NotFound, PermissionDenied, UnknownPerson
from access.audit import verify_chain
from access.catalogue import PERMISSIONS, ROLES_EDIT
from store import dialect
from store.db import DatabaseError
from store.models import AuditEvent, CustomField, Person
from tests import builders
from tests.backends import connect

HOSTILE = [
    "[@click=app.quit]x[/]",
    "[/]",
    "[link=file:///etc/passwd]y[/link]",
    "\x1b]0;title\x07",
    "\x1b[2J\x1b[10;10H",
    "\x9b31m",
    "\u202eevil",
]


@pytest.fixture
def world(db: peewee.Database) -> builders.World:
    w = builders.world()
    builders.role("Admin", PERMISSIONS, holders=[builders.person("boss")])
    return w


def _events() -> list[tuple[str, str, str]]:
    return [(e.action, e.before, e.after) for e in AuditEvent.select().order_by(AuditEvent.id)]


def test_every_change_writes_one_audit_event(db, world) -> None:
    gate = Gate(db, "boss")
    changes = [
        ("ticket.reply", lambda: gate.messages.reply(world.t_s1, "hi")),
        ("ticket.note", lambda: gate.messages.note(world.t_s1, "psst")),
        ("ticket.take", lambda: gate.changes.take(world.t_s1)),
        ("ticket.assign", lambda: gate.changes.assign(world.t_s1, None)),
        ("ticket.move", lambda: gate.changes.move(world.t_s1, "Returns")),
        ("ticket.status", lambda: gate.changes.set_status(world.t_s1, "pending")),
        ("ticket.priority", lambda: gate.changes.set_priority(world.t_s1, "high")),
        ("ticket.create", lambda: gate.filing.create_ticket("New", "Body")),
        ("ticket.delete", lambda: gate.tickets.delete_ticket(world.t_s2)),
        ("person.add", lambda: gate.people.add_person("newbie", "New Person")),
        ("person.edit", lambda: gate.people.edit_person("newbie", phone="+48 123 456 789")),
        ("person.deactivate", lambda: gate.people.set_active("newbie", False)),
        ("role.create", lambda: gate.roles.create_role("Readers", ["tickets.list"])),
        ("role.grant", lambda: gate.roles.grant_role("other", "Readers")),
        ("role.revoke", lambda: gate.roles.revoke_role("other", "Readers")),
        ("role.permissions", lambda: gate.roles.set_role_permissions("Readers", ["tickets.view"])),
        (
            "role.scope",
            lambda: gate.roles.set_role_scope("Readers", all_sources=False, sources=["Allegro PL"]),
        ),
        ("role.rename", lambda: gate.roles.rename_role("Readers", "Lookers")),
        ("role.delete", lambda: gate.roles.delete_role("Lookers")),
        ("group.create", lambda: gate.groups.create_group("Team")),
        ("group.member.add", lambda: gate.groups.add_member("Team", "other")),
        ("group.supervisor.add", lambda: gate.groups.add_supervisor("Team", "other")),
        ("field.define", lambda: gate.groups.define_field("Phone", "phone")),
        ("field.update", lambda: gate.groups.update_field("Phone", required=True)),
        ("group.field", lambda: gate.groups.set_field_value("Team", "Phone", "+48 12 345 67 89")),
        ("group.rename", lambda: gate.groups.rename_group("Team", "Squad")),
        ("group.delete", lambda: gate.groups.delete_group("Squad")),
        ("source.add", lambda: gate.sources.add_source("Phone line", "phone")),
        ("source.archive", lambda: gate.sources.set_archived("Phone line", True)),
        ("source.restore", lambda: gate.sources.set_archived("Phone line", False)),
        ("source.rename", lambda: gate.sources.rename_source("Phone line", "Hotline")),
    ]
    boss = Person.get(Person.username == "boss").id
    for action, change in changes:
        before = AuditEvent.select().count()
        change()
        new = list(AuditEvent.select().where(AuditEvent.id > before))
        assert [e.action for e in new] == [action]
        assert new[0].actor_id == boss
    moved = AuditEvent.get(AuditEvent.action == "ticket.move")
    assert (moved.before, moved.after) == ("", '"Returns"')
    assert verify_chain() is None


def test_field_edits_write_and_audit_the_fields_they_change(db, world) -> None:
    gate = Gate(db, "boss")
    gate.people.add_person("newbie", "New Person", phone="+48 111 111 111")
    gate.people.edit_person("newbie", display_name="Newer Person")
    gate.groups.define_field("Phone", "phone")
    gate.groups.update_field("Phone", new_name="Desk phone", required=True)
    person = Person.get(Person.username == "newbie")
    assert (person.display_name, person.phone) == ("Newer Person", "+48 111 111 111")
    field = CustomField.get(CustomField.name == "Desk phone")
    assert (field.required, field.retired) == (True, False)
    edited = AuditEvent.get(AuditEvent.action == "person.edit")
    assert (edited.target_kind, edited.target_id) == ("person", person.id)
    assert json.loads(edited.before) == {"display_name": "New Person"}
    assert json.loads(edited.after) == {"display_name": "Newer Person"}
    updated = AuditEvent.get(AuditEvent.action == "field.update")
    assert (updated.target_kind, updated.target_id) == ("field", field.id)
    assert json.loads(updated.before) == {"name": "Phone", "required": False}
    assert json.loads(updated.after) == {"name": "Desk phone", "required": True}


def test_audit_log_is_append_only_and_chained(db, world) -> None:
    Gate(db, "boss").messages.reply(world.t_s1, "hi")
    with pytest.raises(peewee.IntegrityError, match="append-only"):
        db.execute_sql("UPDATE audit_event SET action = 'x'")
    with pytest.raises(peewee.IntegrityError, match="append-only"):
        db.execute_sql("DELETE FROM audit_event")
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    if dialect.is_sqlite(db):
        db.execute_sql("DROP TRIGGER audit_no_update")
    else:
        with pytest.raises(peewee.IntegrityError, match="append-only"):
            db.execute_sql("TRUNCATE audit_event")
        db.execute_sql("DROP TRIGGER audit_no_change ON audit_event")
    AuditEvent.update(after='"edited"').where(AuditEvent.id == event.id).execute()
    assert verify_chain() == event.id


def test_control_bytes_are_escaped_in_the_log(db, world) -> None:
    Gate(db, "boss").messages.reply(world.t_s1, "".join(HOSTILE))
    text = "".join(before + after for _, before, after in _events())
    assert "\x1b" not in text and "\x9b" not in text and "\u202e" not in text


def test_hostile_text_is_stored_and_returned_unchanged(db, world) -> None:
    gate = Gate(db, "boss")
    for text in HOSTILE:
        number = gate.filing.create_ticket(f"subject {text}", f"body {text}")
        assert gate.tickets.get_ticket(number).row.subject == f"subject {text}"
        assert gate.tickets.get_ticket(number).messages[0].body == f"body {text}"
        assert f"subject {text}" in [r.subject for r in gate.inbox.list_tickets()]


def test_last_role_editor_cannot_lose_the_right(db, world) -> None:
    gate = Gate(db, "boss")
    attempts = [
        lambda: gate.roles.revoke_role("boss", "Admin"),
        lambda: gate.people.set_active("boss", False),
        lambda: gate.roles.set_role_permissions("Admin", set(PERMISSIONS) - {ROLES_EDIT}),
        lambda: gate.roles.delete_role("Admin", even_if_held=True),
    ]
    for attempt in attempts:
        before = builders.snapshot(db)
        with pytest.raises(PermissionDenied, match="nobody able to edit roles"):
            attempt()
        assert builders.snapshot(db) == before
    gate.roles.grant_role("other", "Admin")
    gate.roles.revoke_role("boss", "Admin")  # another active editor exists now


def test_stale_version_is_a_conflict(db, world) -> None:
    gate = Gate(db, "boss")
    version = gate.tickets.get_ticket(world.t_s1).row.version
    gate.changes.take(world.t_s1, expected_version=version)
    before = builders.snapshot(db)
    with pytest.raises(Conflict, match="changed by someone else"):
        gate.changes.close(world.t_s1, expected_version=version)
    assert builders.snapshot(db) == before


def test_unknown_or_inactive_person_and_unknown_ticket(db, world) -> None:
    with pytest.raises(UnknownPerson, match="no person named 'ghost'"):
        Gate(db, "ghost")
    Person.update(active=False).where(Person.username == "other").execute()
    with pytest.raises(UnknownPerson, match="deactivated"):
        Gate(db, "other")
    with pytest.raises(NotFound):
        Gate(db, "boss").tickets.get_ticket(424242)
    for bad in ("", "   ", "x" * 300_000):
        with pytest.raises(InvalidInput):
            Gate(db, "boss").messages.reply(world.t_s1, bad)
    with pytest.raises(InvalidInput):
        Gate(db, "boss").changes.set_status(world.t_s1, "done")


def test_a_deactivated_session_is_refused_at_the_next_request(db, world) -> None:
    builders.role("Reader", ["tickets.list"], holders=[Person.get(username="other").id])
    session = Gate(db, "other")
    Gate(db, "boss").people.set_active("other", False)
    with pytest.raises(UnknownPerson):
        session.inbox.list_tickets()


@pytest.mark.sqlite_only(reason="a database file that is not there")
def test_missing_database_file(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="no database at"):
        connect(str(tmp_path / "typo.db"))
    assert not (tmp_path / "typo.db").exists()


@pytest.mark.sqlite_only(reason="a damaged database file")
def test_corrupt_database_file(tmp_path: Path) -> None:
    path = tmp_path / "garbage.db"
    path.write_bytes(b"this is not a database at all" * 200)
    with pytest.raises(DatabaseError, match="not a Ticketty database or is damaged"):
        connect(str(path))


@pytest.mark.sqlite_only(reason="file modes and PRAGMA query_only")
def test_read_only_database_writes_nothing(db, db_path, world) -> None:
    """A read-only file refuses writes with a clear message. Root ignores file modes, so as
    root the same refusal comes from SQLite's query_only switch on the connection."""
    gate = Gate(db, "boss")
    before = builders.snapshot(db)
    if os.geteuid() == 0:
        db.execute_sql("PRAGMA query_only = 1")
    else:
        db.close()
        db_path.chmod(0o444)
        with pytest.raises(DatabaseError, match="read-only"):
            connect(str(db_path))
        return
    with pytest.raises(DatabaseError, match="read-only; nothing was written"):
        gate.messages.reply(world.t_s1, "hello")
    db.execute_sql("PRAGMA query_only = 0")
    assert builders.snapshot(db) == before


@pytest.mark.sqlite_only(reason="a full disk simulated by PRAGMA max_page_count")
def test_disk_full_is_reported_and_the_connection_survives(db, world) -> None:
    gate = Gate(db, "boss")
    pages = db.execute_sql("PRAGMA page_count").fetchone()[0]
    db.execute_sql(f"PRAGMA max_page_count = {pages}")
    before = builders.snapshot(db)
    with pytest.raises(DatabaseError, match=r"disk .* is full"):
        gate.messages.reply(world.t_s1, "x" * 100_000)
    assert builders.snapshot(db) == before
    db.execute_sql("PRAGMA max_page_count = 1073741823")
    gate.messages.reply(world.t_s1, "after the disk was freed")
