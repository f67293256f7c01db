"""The only place for SQL that differs between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import peewee


def is_sqlite(db: peewee.Database) -> bool:
    return isinstance(db, peewee.SqliteDatabase)


def audit_append_only(db: peewee.Database) -> list[str]:
    """Triggers that refuse UPDATE and DELETE on the audit log."""
    if is_sqlite(db):
        return [
            f"CREATE TRIGGER IF NOT EXISTS audit_no_{verb} BEFORE {verb.upper()} ON audit_event "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
            for verb in ("update", "delete")
        ]
    return [
        "CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql",
        "CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
    ]


def search_index(db: peewee.Database) -> list[str]:
    """One full-text document per ticket (FTS5 on SQLite), its rowid the ticket number:
    the subject, the public conversation (customer messages and replies) and the internal
    notes as three columns, so a search is one index lookup and notes can be left out by
    column. Triggers keep it in step; PostgreSQL searches with ILIKE for now (`store.search`).
    """
    if not is_sqlite(db):
        return []
    return [
        "CREATE VIRTUAL TABLE IF NOT EXISTS ticket_search USING fts5("
        "subject, public, notes, tokenize='unicode61 remove_diacritics 2')",
        "CREATE TRIGGER IF NOT EXISTS ticket_search_ai AFTER INSERT ON ticket BEGIN "
        "INSERT INTO ticket_search(rowid, subject, public, notes) "
        "VALUES (new.number, new.subject, '', ''); END",
        "CREATE TRIGGER IF NOT EXISTS ticket_search_au AFTER UPDATE OF subject ON ticket BEGIN "
        "UPDATE ticket_search SET subject = new.subject WHERE rowid = new.number; END",
        "CREATE TRIGGER IF NOT EXISTS ticket_search_ad AFTER DELETE ON ticket BEGIN "
        "DELETE FROM ticket_search WHERE rowid = old.number; END",
        "CREATE TRIGGER IF NOT EXISTS message_search_ai AFTER INSERT ON message BEGIN "
        "UPDATE ticket_search SET "
        "public = CASE WHEN new.kind = 'note' THEN public ELSE public || ' ' || new.body END, "
        "notes = CASE WHEN new.kind = 'note' THEN notes || ' ' || new.body ELSE notes END "
        "WHERE rowid = new.ticket_id; END",
    ]


REBUILD_SEARCH = (
    "DELETE FROM ticket_search",
    "INSERT INTO ticket_search(rowid, subject, public, notes) "
    "SELECT t.number, t.subject, "
    "coalesce((SELECT group_concat(m.body, ' ') FROM message m "
    "WHERE m.ticket_id = t.number AND m.kind != 'note'), ''), "
    "coalesce((SELECT group_concat(m.body, ' ') FROM message m "
    "WHERE m.ticket_id = t.number AND m.kind = 'note'), '') "
    "FROM ticket t",
)


_SEARCH_TRIGGERS = ("ticket_search_ai", "message_search_ai")


@contextmanager
def bulk_load(db: peewee.Database) -> Iterator[None]:
    """Inserts without the per-row full-text triggers; the caller rebuilds the index after.

    The triggers are put back even when the load fails, so later writes stay indexed."""
    if not is_sqlite(db):
        yield
        return
    for name in _SEARCH_TRIGGERS:
        db.execute_sql(f"DROP TRIGGER IF EXISTS {name}")
    try:
        yield
    finally:
        for statement in search_index(db):
            if any(name in statement for name in _SEARCH_TRIGGERS):
                db.execute_sql(statement)
