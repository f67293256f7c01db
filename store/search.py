"""Full-text search behind one interface: the store answers "which tickets and which messages
match these words" as subqueries, and the access gate puts its scope around them."""

from __future__ import annotations

import re

import peewee

from store import dialect
from store.models import Message, Ticket

_WORD = re.compile(r"\w+", re.UNICODE)


def _fts_query(text: str) -> str | None:
    """Words of `text` as an FTS5 query: each word a quoted prefix term, all required."""
    words = _WORD.findall(text)
    if not words:
        return None
    return " ".join(f'"{w}"*' for w in words)


def tickets_with_subject(text: str) -> peewee.Expression:
    """An expression true for tickets whose subject matches `text`."""
    db = Ticket._meta.database
    query = _fts_query(text)
    if query is None:
        return peewee.SQL("0 = 1")
    if dialect.is_sqlite(db.obj if isinstance(db, peewee.DatabaseProxy) else db):
        return Ticket.number.in_(
            peewee.SQL("(SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH ?)", (query,))
        )
    return _ilike_all(Ticket.subject, text)


def messages_matching(text: str) -> peewee.Expression:
    """An expression on `Message` true for messages whose body matches `text`."""
    db = Message._meta.database
    query = _fts_query(text)
    if query is None:
        return peewee.SQL("0 = 1")
    if dialect.is_sqlite(db.obj if isinstance(db, peewee.DatabaseProxy) else db):
        return Message.id.in_(
            peewee.SQL("(SELECT rowid FROM message_fts WHERE message_fts MATCH ?)", (query,))
        )
    return _ilike_all(Message.body, text)


def _ilike_all(column: peewee.Field, text: str) -> peewee.Expression:
    expression: peewee.Expression | None = None
    for word in _WORD.findall(text):
        term = column.contains(word)
        expression = term if expression is None else (expression & term)
    return expression if expression is not None else peewee.SQL("0 = 1")


def rebuild(db: peewee.Database) -> None:
    """Re-index everything (after bulk loads that bypassed the triggers)."""
    if dialect.is_sqlite(db):
        db.execute_sql("INSERT INTO ticket_fts(ticket_fts) VALUES ('rebuild')")
        db.execute_sql("INSERT INTO message_fts(message_fts) VALUES ('rebuild')")
