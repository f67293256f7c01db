"""Full-text search behind one interface: the store answers "which tickets match these words,
in their public text or in their notes too" as expressions on `Ticket`, and the access gate
puts its scope (and the right to read notes) around them."""

from __future__ import annotations

import re
from functools import reduce

import peewee

from store import dialect
from store.dialect import REBUILD_SEARCH
from store.models import Message, Ticket

_WORD = re.compile(r"\w+", re.UNICODE)
NOTHING = peewee.SQL("1 = 0")


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _fts(words: list[str], columns: str | None) -> peewee.Expression:
    """Every word, as a prefix, somewhere in the ticket's document (in `columns` if given)."""
    terms = " AND ".join(f'"{w}"*' for w in words)
    query = f"{{{columns}}} : ({terms})" if columns else terms
    return Ticket.number.in_(
        peewee.SQL("(SELECT rowid FROM ticket_search WHERE ticket_search MATCH ?)", (query,))
    )


def _sqlite() -> bool:
    db = Ticket._meta.database
    return dialect.is_sqlite(db.obj if isinstance(db, peewee.DatabaseProxy) else db)


def public_match(text: str) -> peewee.Expression:
    """Tickets whose subject and public conversation hold every word of `text`."""
    words = _words(text)
    if not words:
        return NOTHING
    if _sqlite():
        return _fts(words, "subject public")
    return _ilike(words, include_notes=False)


def any_match(text: str) -> peewee.Expression:
    """The same, internal notes included: only for tickets whose notes the person may read."""
    words = _words(text)
    if not words:
        return NOTHING
    if _sqlite():
        return _fts(words, None)
    return _ilike(words, include_notes=True)


def _ilike(words: list[str], *, include_notes: bool) -> peewee.Expression:
    """Where there is no full-text index: each word in the subject or in a message."""

    def word_matches(word: str) -> peewee.Expression:
        messages = Message.select(Message.ticket).where(Message.body.contains(word))
        if not include_notes:
            messages = messages.where(Message.kind != "note")
        return Ticket.subject.contains(word) | Ticket.number.in_(messages)

    return reduce(lambda a, b: a & b, [word_matches(w) for w in words])


def rebuild(db: peewee.Database) -> None:
    """Re-index everything (after bulk loads that bypassed the triggers)."""
    if dialect.is_sqlite(db):
        for statement in REBUILD_SEARCH:
            db.execute_sql(statement)
