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
    """Full-text indexes over ticket subjects and message bodies (FTS5 on SQLite).

    External-content tables kept in step by triggers, so the text is stored once.
    PostgreSQL searches with ILIKE for now (see `store.search`).
    """
    if not is_sqlite(db):
        return []
    statements = [
        "CREATE VIRTUAL TABLE IF NOT EXISTS ticket_fts USING fts5(subject, content='ticket', "
        "content_rowid='number', tokenize='unicode61 remove_diacritics 2')",
        "CREATE VIRTUAL TABLE IF NOT EXISTS message_fts USING fts5(body, content='message', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
        "CREATE TRIGGER IF NOT EXISTS ticket_fts_ai AFTER INSERT ON ticket BEGIN "
        "INSERT INTO ticket_fts(rowid, subject) VALUES (new.number, new.subject); END",
        "CREATE TRIGGER IF NOT EXISTS ticket_fts_ad AFTER DELETE ON ticket BEGIN "
        "INSERT INTO ticket_fts(ticket_fts, rowid, subject) "
        "VALUES ('delete', old.number, old.subject); END",
        "CREATE TRIGGER IF NOT EXISTS ticket_fts_au AFTER UPDATE OF subject ON ticket BEGIN "
        "INSERT INTO ticket_fts(ticket_fts, rowid, subject) "
        "VALUES ('delete', old.number, old.subject); "
        "INSERT INTO ticket_fts(rowid, subject) VALUES (new.number, new.subject); END",
        "CREATE TRIGGER IF NOT EXISTS message_fts_ai AFTER INSERT ON message BEGIN "
        "INSERT INTO message_fts(rowid, body) VALUES (new.id, new.body); END",
        "CREATE TRIGGER IF NOT EXISTS message_fts_ad AFTER DELETE ON message BEGIN "
        "INSERT INTO message_fts(message_fts, rowid, body) "
        "VALUES ('delete', old.id, old.body); END",
    ]
    return statements


_SEARCH_TRIGGERS = ("ticket_fts_ai", "message_fts_ai")


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
