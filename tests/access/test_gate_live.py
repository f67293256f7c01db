"""Several people on one database, at the gate: changes that change nothing write nothing,
a reply is stopped only by a change that makes it wrong, people, roles, groups and sources
refuse a save made on a stale read, and the change feed says what others changed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

import peewee
import pytest

from access import Conflict, Gate, InvalidInput, NoChange
from access.catalogue import PERMISSIONS
from access.live import ChangeFeed
from access.request import Request
from store.changes import ChangeSignal, signal_for
from store.models import AuditEvent, Message, PersonRole, Ticket
from store.schema import VERSIONED, migrate
from tests import builders
from tests.backends import connect

Closable = TypeVar("Closable", ChangeFeed, ChangeSignal)


@pytest.fixture
def closing_at_end() -> Iterator[Callable[[Closable], Closable]]:
    """`closing_at_end(feed)`: the feed (or signal), closed when the test ends, its listening
    connection with it."""
    made: list[ChangeFeed | ChangeSignal] = []

    def closing(thing: Closable) -> Closable:
        made.append(thing)
        return thing

    yield closing
    for thing in made:
        thing.close()


@pytest.fixture
def w(db: peewee.Database) -> builders.World:
    world = builders.world()
    agents = [builders.person(name) for name in ("ada", "sam")]
    builders.role("Admin", PERMISSIONS, holders=agents)
    return world


def _no_op(db: peewee.Database, change, text: str) -> None:
    before = builders.snapshot(db)
    events = AuditEvent.select().count()
    with pytest.raises(NoChange, match=text):
        change()
    assert builders.snapshot(db) == before
    assert AuditEvent.select().count() == events  # not even a refusal is logged


def test_changes_that_change_nothing_write_nothing(db: peewee.Database, w) -> None:
    ada = Gate(db, "ada")
    ada.changes.assign(w.t_s1, "sam")
    ada.changes.set_status(w.t_s1, "pending")
    ada.changes.set_priority(w.t_s1, "high")
    ada.changes.move(w.t_s1, "Returns")
    _no_op(db, lambda: ada.changes.assign(w.t_s1, "sam"), "already assigned to sam")
    _no_op(db, lambda: Gate(db, "sam").changes.take(w.t_s1), "already assigned to sam")
    _no_op(db, lambda: ada.changes.set_status(w.t_s1, "pending"), "already pending")
    _no_op(db, lambda: ada.changes.set_priority(w.t_s1, "high"), "already has priority high")
    _no_op(db, lambda: ada.changes.move(w.t_s1, "Returns"), "already in usergroup Returns")
    ada.changes.close(w.t_s1)
    _no_op(db, lambda: ada.changes.close(w.t_s1), "already closed")
    _no_op(db, lambda: ada.changes.assign(w.t_s2, None), "already assigned to nobody")


def test_admin_changes_that_change_nothing_write_nothing(db: peewee.Database, w) -> None:
    ada = Gate(db, "ada")
    _no_op(db, lambda: ada.roles.set_role_permissions("Admin", PERMISSIONS), "already has those")
    _no_op(db, lambda: ada.people.set_active("sam", True), "already active")
    _no_op(db, lambda: ada.sources.set_archived("eBay DE", True), "already archived")
    _no_op(db, lambda: ada.groups.rename_group("Returns", "Returns"), "already so named")


def test_a_reassignment_does_not_stop_a_reply(db: peewee.Database, w) -> None:
    ada, sam = Gate(db, "ada"), Gate(db, "sam")
    seen = sam.tickets.get_ticket(w.t_s1).seen
    ada.changes.assign(w.t_s1, "ada")
    ada.changes.set_status(w.t_s1, "pending")
    ada.changes.set_priority(w.t_s1, "urgent")
    ada.messages.note(w.t_s1, "I'll take this one")
    sam.messages.reply(w.t_s1, "Here is your refund", seen=seen)
    assert sam.tickets.get_ticket(w.t_s1).messages[-1].body == "Here is your refund"
    with pytest.raises(Conflict):  # a strict version still refuses any change
        sam.messages.reply(w.t_s1, "Again", expected_version=seen.version)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda g, n: g.messages.reply(n, "Sent already"), "ada replied"),
        (lambda g, n: g.changes.close(n), "it was set closed"),
        (lambda g, n: g.changes.set_status(n, "resolved"), "it was set resolved"),
    ],
)
def test_a_change_that_makes_a_reply_wrong_stops_it(db, w, change, reason: str) -> None:
    ada, sam = Gate(db, "ada"), Gate(db, "sam")
    seen = sam.tickets.get_ticket(w.t_s1).seen
    change(ada, w.t_s1)
    before = builders.snapshot(db)
    with pytest.raises(Conflict, match=reason):
        sam.messages.reply(w.t_s1, "My answer", seen=seen)
    assert builders.snapshot(db) == before
    sam.messages.reply(
        w.t_s1, "My answer", seen=sam.tickets.get_ticket(w.t_s1).seen
    )  # read again: it goes


def test_a_new_customer_message_stops_a_reply_but_not_a_note(db, w) -> None:
    sam = Gate(db, "sam")
    seen = sam.tickets.get_ticket(w.t_s1).seen
    Gate(db, "cust").messages.reply(w.t_s1, "Actually, I found it")
    with pytest.raises(Conflict, match="the customer wrote again"):
        sam.messages.reply(w.t_s1, "We will refund you", seen=seen)
    sam.messages.note(w.t_s1, "Customer found it", seen=seen)
    assert Message.select().where(Message.ticket == w.t_s1).count() == 4


def test_two_admins_save_one_role_the_second_is_a_conflict(db: peewee.Database, w) -> None:
    builders.role("Agent", {"tickets.list", "tickets.view"})
    ada, sam = Gate(db, "ada"), Gate(db, "sam")
    first, second = ada.roles.get_role("Agent"), sam.roles.get_role("Agent")
    ada.roles.set_role_permissions(
        "Agent", first.permissions | {"tickets.close"}, expected_version=first.version
    )
    before = builders.snapshot(db)
    with pytest.raises(Conflict, match=r"ada at .*role.permissions \(added tickets.close\)"):
        sam.roles.set_role_permissions(
            "Agent", second.permissions | {"tickets.take"}, expected_version=second.version
        )
    assert builders.snapshot(db) == before
    assert "tickets.close" in sam.roles.get_role("Agent").permissions


def test_groups_people_and_sources_refuse_a_stale_save(db: peewee.Database, w) -> None:
    ada, sam = Gate(db, "ada"), Gate(db, "sam")
    group = sam.groups.list_groups()[1]
    assert group.name == "Returns"
    ada.groups.add_member("Returns", "cust")
    with pytest.raises(Conflict, match=r"group\.member\.add"):
        sam.groups.add_supervisor("Returns", "sam", expected_version=group.version)
    ada.groups.define_field("Phone", "phone")
    fresh = sam.groups.list_groups()[1]
    ada.groups.set_field_value("Returns", "Phone", "+48 111 222 333")
    with pytest.raises(Conflict, match=r"group\.field"):
        sam.groups.set_field_value("Returns", "Phone", "+48 999", expected_version=fresh.version)

    person = next(p for p in sam.people.list_people() if p.username == "cust")
    ada.people.edit_person("cust", display_name="Customer One")
    with pytest.raises(Conflict, match=r"person\.edit"):
        sam.people.set_active("cust", False, expected_version=person.version)
    ada.roles.grant_role("cust", "Admin")  # a role given changes the person too
    person = next(p for p in sam.people.list_people() if p.username == "cust")
    ada.roles.revoke_role("cust", "Admin")
    with pytest.raises(Conflict, match=r"role\.revoke"):
        sam.people.edit_person("cust", phone="+48 1", expected_version=person.version)

    source = next(s for s in sam.sources.list_sources() if s.name == "Amazon DE")
    ada.sources.rename_source("Amazon DE", "Amazon Germany")
    with pytest.raises(Conflict, match=r"source\.rename"):
        sam.sources.set_archived("Amazon Germany", True, expected_version=source.version)


def test_the_feed_says_what_others_changed(
    db: peewee.Database, db_location: str, w, closing_at_end
) -> None:
    feed = closing_at_end(ChangeFeed())
    assert feed.poll() is None  # nothing since it was made
    assert feed.poll() is None
    other = Gate(connect(db_location), "sam")
    other.changes.assign(w.t_s2, "ada")
    other.messages.note(w.t_g1, "looked at it")
    changes = feed.poll()
    assert changes is not None
    assert changes.tickets == {w.t_s2, w.t_g1}
    assert not changes.grants_may_differ
    assert feed.poll() is None
    with pytest.raises(NoChange):  # writes nothing, so there is nothing to tell
        other.changes.assign(w.t_s2, "ada")
    assert feed.poll() is None
    other.roles.revoke_role("ada", "Admin")
    changes = feed.poll()
    assert changes is not None and changes.grants_may_differ and changes.tickets == set()


def test_the_feed_leaves_out_the_sessions_own_changes(
    db: peewee.Database, w, closing_at_end
) -> None:
    """The screen that made a change reads it back itself; the session's feed leaves it out,
    except that its own change of grants has what it may do read again."""
    ada, sam = Gate(db, "ada"), Gate(db, "sam")
    feed = closing_at_end(ChangeFeed(own=ada.own_changes))
    ada.messages.note(w.t_s1, "mine")
    assert feed.poll() is None
    sam.messages.note(w.t_s2, "theirs")
    ada.changes.take(w.t_g1)
    changes = feed.poll()
    assert changes is not None and changes.tickets == {w.t_s2}
    assert not changes.grants_may_differ
    ada.roles.revoke_role("sam", "Admin")
    changes = feed.poll()
    assert changes is not None and not changes.by_others and changes.grants_may_differ


def test_a_session_without_a_feed_keeps_no_ids_of_its_own(
    db: peewee.Database, w, closing_at_end
) -> None:
    """A command or `serve` has no feed to claim its events; it must not keep every id it ever
    wrote. Once a feed follows the session, its ids are kept until claimed."""
    ada = Gate(db, "ada")
    ada.messages.note(w.t_s1, "no feed yet")
    unfollowed = AuditEvent.select(peewee.fn.max(AuditEvent.id)).scalar()
    assert not ada.own_changes.claim(unfollowed)
    closing_at_end(ChangeFeed(own=ada.own_changes))
    ada.messages.note(w.t_s1, "followed")
    followed = AuditEvent.select(peewee.fn.max(AuditEvent.id)).scalar()
    assert ada.own_changes.claim(followed)


@pytest.mark.sqlite_only(reason="a COMMIT made to fail by a deferred foreign key")
def test_a_change_whose_commit_fails_is_not_taken_for_the_sessions_own(
    db: peewee.Database, w, closing_at_end
) -> None:
    """Its events are known as the session's own before COMMIT; when COMMIT fails, the id goes
    to the next event written, here another person's, which the feed must still report."""
    ada, sam = Gate(db, "ada"), Gate(db, "sam")
    feed = closing_at_end(ChangeFeed(own=ada.own_changes))
    request = Request(ada._session)
    with pytest.raises(InvalidInput), request.writing():
        db.execute_sql("PRAGMA defer_foreign_keys = ON")
        request.record("ticket.note", "ticket", w.t_s1, ticket=w.t_s1)
        PersonRole.insert(person=10**6, role=10**6).execute()  # fails at COMMIT
    sam.messages.note(w.t_s2, "theirs")
    changes = feed.poll()
    assert changes is not None and changes.tickets == {w.t_s2}


def test_the_change_signal_moves_with_each_change(db: peewee.Database, w, closing_at_end) -> None:
    """The backend's own signal: SQLite's data_version, PostgreSQL's notifications."""
    signal = closing_at_end(signal_for(db))
    assert signal.moved()  # the first ask: nothing known yet
    assert not signal.moved()
    Gate(db, "sam").changes.take(w.t_s1)
    assert signal.moved()
    assert not signal.moved()


def test_the_feed_starts_from_a_given_head(db: peewee.Database, w, closing_at_end) -> None:
    head = closing_at_end(ChangeFeed()).head
    Gate(db, "sam").changes.take(w.t_s1)
    changes = closing_at_end(ChangeFeed(head)).poll()
    assert changes is not None and changes.tickets == {w.t_s1}
    assert closing_at_end(ChangeFeed()).poll() is None


def test_versions_are_added_to_an_older_database(db: peewee.Database) -> None:
    for table in VERSIONED:
        db.execute_sql(f"ALTER TABLE {table} DROP COLUMN version")
    db.execute_sql("DELETE FROM schema_version WHERE version >= 3")
    db.execute_sql(
        "INSERT INTO person (username, display_name, email, phone, active, created_at)"
        " VALUES ('old', 'Old', '', '', TRUE, '2026-01-01')"
    )
    migrate(db)
    assert Gate(db, "old").person_id
    assert db.execute_sql("SELECT version FROM person").fetchall() == [(1,)]
    assert Ticket.select().count() == 0
