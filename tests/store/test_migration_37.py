"""Migration 37 on a SQLite database made before it: the search index made anew with the
tickets' scope as tokens, the same words found, the stale set and its trigger made."""

from __future__ import annotations

import peewee
import pytest

from store import dialect, scope_words
from store.models import Ticket
from store.schema import migrate


def _documents(db: peewee.Database) -> list[tuple]:
    return db.execute_sql(
        "SELECT rowid, subject, public, notes FROM ticket_search ORDER BY rowid"
    ).fetchall()


def _as_before_37(db: peewee.Database, words: int = 0) -> None:
    """`db`'s search index as migration 37 found it: no scope, no stale set (and `words`
    more words in each document's notes)."""
    for name in dialect.search_triggers():
        db.execute_sql(f"DROP TRIGGER IF EXISTS {name}")
    db.execute_sql(f"DROP TABLE {scope_words.STALE}")
    db.execute_sql("CREATE VIRTUAL TABLE old_search USING fts5(subject, public, notes)")
    db.execute_sql(
        "INSERT INTO old_search(rowid, subject, public, notes) "
        "SELECT rowid, subject, public, notes FROM ticket_search"
    )
    if words:
        filler = " ".join(f"w{n}" for n in range(words))
        db.execute_sql("UPDATE old_search SET notes = notes || ' ' || ?", (filler,))
    db.execute_sql("DROP TABLE ticket_search")
    db.execute_sql("ALTER TABLE old_search RENAME TO ticket_search")
    db.execute_sql("DELETE FROM schema_version WHERE version = 37")
    assert not scope_words.has_scope(db)


@pytest.mark.sqlite_only(reason="PostgreSQL's index has no scope tokens")
def test_migration_37_gives_the_documents_their_scope(demo_db: peewee.Database) -> None:
    db = demo_db
    before = _documents(db)
    parcel = db.execute_sql(
        "SELECT count(*) FROM ticket_search WHERE ticket_search MATCH 'parcel'"
    ).fetchone()
    _as_before_37(db)

    migrate(db)
    assert scope_words.has_scope(db)
    assert _documents(db) == before
    assert (
        db.execute_sql(
            "SELECT count(*) FROM ticket_search WHERE ticket_search MATCH 'parcel'"
        ).fetchone()
        == parcel
    )
    number, source = Ticket.select(Ticket.number, Ticket.source).tuples().first()
    (tokens,) = db.execute_sql(
        "SELECT scope FROM ticket_search WHERE rowid = ?", (number,)
    ).fetchone()
    assert f"s{source}" in tokens.split()
    Ticket.update(status="closed").where(Ticket.number == number).execute()
    assert scope_words.stale_count(db, 10) == 1
    assert scope_words.compact(db) == 1
    (tokens,) = db.execute_sql(
        "SELECT scope FROM ticket_search WHERE rowid = ?", (number,)
    ).fetchone()
    assert "stclosed" in tokens.split()


@pytest.mark.sqlite_only(reason="PostgreSQL's index has no scope tokens")
def test_migration_37_leaves_its_index_merged_in_one_segment(demo_db: peewee.Database) -> None:
    """An index copied in several segments is merged once after the copy: a merge left half
    done would be finished step by step by the writes after it (mail imported, changes)."""
    db = demo_db
    _as_before_37(db, words=3000)  # some megabytes of pending index: FTS5 writes several segments
    before = _documents(db)
    migrate(db)
    assert _documents(db) == before
    assert db.execute_sql("SELECT count(DISTINCT segid) FROM ticket_search_idx").fetchone() == (1,)
    db.execute_sql("INSERT INTO ticket_search(ticket_search) VALUES ('integrity-check')")
