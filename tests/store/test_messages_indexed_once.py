"""`dialect.messages_indexed_once` on PostgreSQL (a chunk of rules): the messages written inside
a transaction go into their tickets' search documents once per ticket at its end, leaving the
documents and the notes of changed tickets the per-message trigger leaves; a savepoint rolled
back inside takes its messages' words with it; nothing is held back after it, also when it
fails or is a savepoint's part of a longer transaction. Migration 41 makes the trigger that a
setting holds back."""

from __future__ import annotations

from typing import Any

import peewee
import pytest

from store import dialect, search_held, ticket_bits
from store.models import Message, Ticket
from store.schema import migrate
from tests import builders as b

pytestmark = pytest.mark.postgresql_only(reason="SQLite's trigger adds a message's words alone")


def _write(w: b.World, **bodies: str) -> None:
    """Messages of each kind on older tickets, several on one; one in a savepoint rolled back."""
    for ticket, kind, body in (
        (w.t_s1, "note", bodies.get("note", "Refund, ß checked")),
        (w.t_s1, "reply", "Zwrot przyjęty: Łódź"),
        (w.t_s1, "note", "second note ёлка"),
        (w.t_g1, "reply", "άλφα answer"),
        (w.t_s2, "customer", "more words, Øre"),
    ):
        Message.create(ticket=ticket, kind=kind, author=w.customer, body=body)
    db = Ticket._meta.database
    with db.atomic() as gone:
        Message.create(ticket=w.t_s2, kind="note", author=w.customer, body="rolledback")
        gone.rollback()
    Ticket.update(priority="high").where(Ticket.number == w.t_g1).execute()


def _state(db: peewee.Database) -> Any:
    documents = db.execute_sql(
        "SELECT number, public::text, everything::text FROM ticket_search ORDER BY number"
    ).fetchall()
    changed = db.execute_sql(f"SELECT DISTINCT number FROM {ticket_bits.CHANGED}").fetchall()
    return documents, sorted(changed)


def _held(db: peewee.Database) -> Any:
    setting = search_held.MESSAGES_SETTING
    return db.execute_sql(f"SELECT current_setting('{setting}', true)").fetchone()[0]


def test_a_block_leaves_what_the_trigger_leaves(db: peewee.Database) -> None:
    w = b.world()
    with db.atomic() as run:
        with dialect.messages_indexed_once(db):
            _write(w)
            assert _held(db) == "on"
        held = _state(db)
        assert _held(db) == "off"
        run.rollback()
    with db.atomic() as run:
        _write(w)
        assert _state(db) == held
        run.rollback()
    documents, changed = held
    assert {(w.t_s1,), (w.t_g1,), (w.t_s2,)} <= set(changed)
    words = {number: (public, everything) for number, public, everything in documents}
    assert "'rolledback'" not in words[w.t_s2][1]
    public, everything = words[w.t_s1]
    assert "'lodz'" in public and "'refund'" not in public  # a note's words: `everything` alone
    assert "'lodz'" in everything and "'refund'" in everything


def test_nothing_is_held_after_a_block_in_a_longer_transaction(db: peewee.Database) -> None:
    w = b.world()
    with db.atomic():
        with db.atomic(), dialect.messages_indexed_once(db):  # a savepoint's part
            Message.create(ticket=w.t_s1, kind="note", author=w.customer, body="inside")
        with pytest.raises(RuntimeError), db.atomic(), dialect.messages_indexed_once(db):
            raise RuntimeError("fails")
        assert _held(db) == "off"
        Message.create(ticket=w.t_s1, kind="note", author=w.customer, body="after")
    found = db.execute_sql(
        "SELECT number FROM ticket_search WHERE everything @@ to_tsquery('simple', %s)",
        ("inside & after",),
    ).fetchall()
    assert found == [(w.t_s1,)]


_BEFORE = (
    "CREATE OR REPLACE TRIGGER message_search_ai AFTER INSERT ON message "
    "FOR EACH ROW EXECUTE FUNCTION message_search()"
)


def _trigger(db: peewee.Database) -> str:
    return db.execute_sql(
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 'message_search_ai'"
    ).fetchone()[0]


def test_migration_41_makes_the_held_trigger_and_leaves_the_same_documents(
    db: peewee.Database,
) -> None:
    w = b.world()
    db.execute_sql(_BEFORE)
    db.execute_sql("DELETE FROM schema_version WHERE version = 41")
    assert search_held.MESSAGES_SETTING not in _trigger(db)
    with db.atomic() as run:
        _write(w)
        before = _state(db)
        run.rollback()
    migrate(db)
    assert search_held.MESSAGES_SETTING in _trigger(db)
    with db.atomic() as run:
        _write(w)
        assert _state(db) == before
        run.rollback()
