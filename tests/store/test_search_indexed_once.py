"""`dialect.search_indexed_once` (SQLite): the tickets and messages written inside a transaction
go into the search documents once per ticket at its end, and leave the documents and the stale
scope notes the per-row triggers leave, also when a new ticket's subject or scope changes
within it; nothing is held back after it, and the schema never changes."""

from __future__ import annotations

from typing import Any

import peewee
import pytest

from store import dialect, scope_words
from store.models import Message, Ticket
from tests import builders as b


def _work(w: b.World) -> None:
    """New tickets and messages, on new and older tickets, and changes of their columns."""
    new = b.ticket(w.s1, w.customer, subject="Łódź paczka", body="Straße zwrot", note="ёлка")
    Message.create(ticket=w.t_s1, kind="customer", author=w.customer, body="later Øre")
    Message.create(ticket=w.t_g1, kind="note", author=w.customer, body="άλφα note")
    Message.create(ticket=new, kind="customer", author=w.customer, body="again, ß")
    Ticket.update(status="pending", usergroup=w.g2).where(Ticket.number == new).execute()
    Ticket.update(subject="Nowy temat, ł").where(Ticket.number == new).execute()
    Ticket.update(priority="high").where(Ticket.number == w.t_s2).execute()
    b.ticket(w.s2, w.other, subject="Another", body="plain words")


def _state(db: peewee.Database) -> Any:
    documents = db.execute_sql(
        "SELECT rowid, subject, public, notes, scope FROM ticket_search ORDER BY rowid"
    ).fetchall()
    stale = db.execute_sql(f"SELECT * FROM {scope_words.STALE} ORDER BY number").fetchall()
    words = {
        word: db.execute_sql(
            "SELECT rowid FROM ticket_search WHERE ticket_search MATCH ? ORDER BY rowid", (word,)
        ).fetchall()
        for word in ("lodz", "strasse", "elka", "alfa", "ore", "ss", "temat", "plain", "note")
    }
    return documents, stale, words


def _held(db: peewee.Database) -> list[tuple[Any, ...]]:
    return db.execute_sql(f"SELECT * FROM {dialect.SEARCH_DEFERRED}").fetchall()


@pytest.mark.sqlite_only(reason="PostgreSQL's documents are written by its triggers as before")
def test_a_block_leaves_what_the_triggers_leave(db: peewee.Database) -> None:
    w = b.world()
    (schema,) = db.execute_sql("PRAGMA schema_version").fetchone()
    with db.atomic() as run:
        with dialect.search_indexed_once(db):
            _work(w)
        batched = _state(db)
        assert db.execute_sql("PRAGMA schema_version").fetchone() == (schema,)
        assert _held(db) == []
        assert all(dialect._trigger_is_ours(db, name) for name in dialect._BATCHED_TRIGGERS)
        run.rollback()
    with db.atomic() as run:
        _work(w)
        assert _state(db) == batched
        run.rollback()
    db.execute_sql("INSERT INTO ticket_search(ticket_search) VALUES ('integrity-check')")


@pytest.mark.sqlite_only(reason="PostgreSQL's documents are written by its triggers as before")
def test_a_failed_block_leaves_the_triggers(db: peewee.Database) -> None:
    w = b.world()
    with pytest.raises(RuntimeError), db.atomic(), dialect.search_indexed_once(db):
        b.ticket(w.s1, w.customer, subject="Gone")
        raise RuntimeError("fails")
    assert all(dialect._trigger_is_ours(db, name) for name in dialect._BATCHED_TRIGGERS)
    number = b.ticket(w.s1, w.customer, subject="Kept", body="wombat")
    assert db.execute_sql(
        "SELECT rowid FROM ticket_search WHERE ticket_search MATCH 'wombat'"
    ).fetchall() == [(number,)]


@pytest.mark.sqlite_only(reason="PostgreSQL's documents are written by its triggers as before")
def test_a_failed_block_inside_a_transaction_that_goes_on_holds_nothing_back(
    db: peewee.Database,
) -> None:
    w = b.world()
    with db.atomic():
        with pytest.raises(RuntimeError), dialect.search_indexed_once(db):
            raise RuntimeError("fails")
        assert _held(db) == []
        number = b.ticket(w.s1, w.customer, subject="Kept", body="wombat")
    assert db.execute_sql(
        "SELECT rowid FROM ticket_search WHERE ticket_search MATCH 'wombat'"
    ).fetchall() == [(number,)]
