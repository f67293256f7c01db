"""`dialect.search_indexed_once`: the tickets and messages written inside a transaction go into
the search documents once per ticket at its end, and leave the documents (and on SQLite the
stale scope notes, on PostgreSQL the notes of changed tickets) the per-row triggers leave, also
when a new ticket's subject or scope changes within it; nothing is held back after it, and the
schema never changes."""

from __future__ import annotations

from typing import Any

import peewee
import pytest

from store import dialect, scope_words, search_held, ticket_bits
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


@pytest.mark.sqlite_only(reason="PostgreSQL's documents and notes: the _postgres tests")
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


@pytest.mark.sqlite_only(reason="PostgreSQL holds back by a setting: the _postgres tests")
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


def test_a_failed_block_inside_a_transaction_that_goes_on_holds_nothing_back(
    db: peewee.Database,
) -> None:
    w = b.world()
    with db.atomic():
        with pytest.raises(RuntimeError), dialect.search_indexed_once(db):
            raise RuntimeError("fails")
        if dialect.is_sqlite(db):
            assert _held(db) == []
        else:
            assert _postgres_held(db) == "off"
        number = b.ticket(w.s1, w.customer, subject="Kept", body="wombat")
    found = (
        "SELECT rowid FROM ticket_search WHERE ticket_search MATCH 'wombat'"
        if dialect.is_sqlite(db)
        else "SELECT number FROM ticket_search WHERE public @@ to_tsquery('simple', 'wombat')"
    )
    assert db.execute_sql(found).fetchall() == [(number,)]


def _postgres_state(db: peewee.Database, first: int) -> Any:
    """The documents and the tickets noted changed, a new ticket (numbered above `first`) named
    by its place among the new ones: a rolled-back run keeps the numbers it took."""
    documents = db.execute_sql(
        "SELECT number, public::text, everything::text FROM ticket_search ORDER BY number"
    ).fetchall()
    changed = db.execute_sql(f"SELECT DISTINCT number FROM {ticket_bits.CHANGED}").fetchall()
    new = sorted(n for (n, *_) in documents if n > first)
    place = {n: -1 - new.index(n) if n in new else n for n, *_ in documents}
    return [(place[n], *row) for n, *row in documents], sorted(place[n] for (n,) in changed)


def _postgres_held(db: peewee.Database) -> Any:
    return db.execute_sql(f"SELECT current_setting('{search_held.SETTING}', true)").fetchone()[0]


@pytest.mark.postgresql_only(reason="SQLite's documents and stale notes: the tests above")
def test_a_block_leaves_what_the_triggers_leave_postgres(db: peewee.Database) -> None:
    w = b.world()
    first = Ticket.select(peewee.fn.MAX(Ticket.number)).scalar()
    with db.atomic() as run:
        with dialect.search_indexed_once(db):
            _work(w)
        batched = _postgres_state(db, first)
        assert _postgres_held(db) == "off"
        run.rollback()
    with db.atomic() as run:
        _work(w)
        assert _postgres_state(db, first) == batched
        run.rollback()
    documents, changed = batched
    assert len(documents) == first + 2
    assert {-1, -2} <= set(changed)
