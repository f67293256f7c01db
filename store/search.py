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
from store.planner import unindexed

_WORD = re.compile(r"(\w+)(\*?)", re.UNICODE)
NOTHING = peewee.SQL("1 = 0")

# Under this share of all tickets matching, a page in inbox order is found by fetching the
# matches by number and sorting them; from it on, by walking the inbox index newest first and
# testing each ticket against the list of matches, read once (see `_sparse`).
DENSE_SHARE = 0.01


def _words(text: str) -> list[tuple[str, bool]]:
    """The words of `text`, each with whether it ends in `*` (match words it begins)."""
    return [(word, star == "*") for word, star in _WORD.findall(text)]


def _fts(words: list[tuple[str, bool]], columns: str | None, in_order: bool) -> peewee.Expression:
    """Every word somewhere in the ticket's document (in `columns` if given)."""
    terms = " AND ".join(f'"{word}"*' if prefix else f'"{word}"' for word, prefix in words)
    query = f"{{{columns}}} : ({terms})" if columns else terms
    matches = peewee.SQL("(SELECT rowid FROM ticket_search WHERE ticket_search MATCH ?)", (query,))
    if not in_order or _sparse(query):
        return Ticket.number.in_(matches)
    return unindexed(Ticket.number).in_(matches)


def _sparse(query: str) -> bool:
    """Whether under DENSE_SHARE of all tickets match (counted only that far).

    SQLite on its own always fetches the matches by number and sorts them: for a word in a
    fifth of a million tickets, 200,000 rows sorted to show 100. For a common word, walking the
    inbox index newest first finds a page after a few hundred rows (`unindexed` hides the
    primary key from the planner); for a rare one that walk would read the whole index.

    Asking the search index about each ticket on the walk, instead of reading the list of
    matches once, was tried: faster for a word in most tickets, but each question costs
    40-300 us, and a word common in old tickets and absent from recent ones would be asked
    about every ticket. The list costs at most one pass over the index.
    """
    db = Ticket._meta.database
    tickets = db.execute_sql("SELECT max(number) FROM ticket").fetchone()[0] or 0
    bound = max(1, int(tickets * DENSE_SHARE))
    hits = db.execute_sql(
        "SELECT count(*) FROM (SELECT 1 FROM ticket_search WHERE ticket_search MATCH ? LIMIT ?)",
        (query, bound),
    ).fetchone()[0]
    return hits < bound


def _sqlite() -> bool:
    db = Ticket._meta.database
    return dialect.is_sqlite(db.obj if isinstance(db, peewee.DatabaseProxy) else db)


def public_match(text: str, *, in_order: bool = False) -> peewee.Expression:
    """Tickets whose subject and public conversation hold every word of `text` (whole words;
    a word ending in `*` stands for every word it begins).

    `in_order`: the caller reads a page in inbox order (not a count), which for a common word
    is found faster by walking that order than by fetching every match."""
    words = _words(text)
    if not words:
        return NOTHING
    if _sqlite():
        return _fts(words, "subject public", in_order)
    return _ilike(words, include_notes=False)


def any_match(text: str, *, in_order: bool = False) -> peewee.Expression:
    """The same, internal notes included: only for tickets whose notes the person may read."""
    words = _words(text)
    if not words:
        return NOTHING
    if _sqlite():
        return _fts(words, None, in_order)
    return _ilike(words, include_notes=True)


def _ilike(words: list[tuple[str, bool]], *, include_notes: bool) -> peewee.Expression:
    """Where there is no full-text index: each word in the subject or in a message."""

    def word_matches(word: str) -> peewee.Expression:
        messages = Message.select(Message.ticket).where(Message.body.contains(word))
        if not include_notes:
            messages = messages.where(Message.kind != "note")
        return Ticket.subject.contains(word) | Ticket.number.in_(messages)

    return reduce(lambda a, b: a & b, [word_matches(w) for w, _ in words])


def rebuild(db: peewee.Database) -> None:
    """Re-index everything (after bulk loads that bypassed the triggers)."""
    if dialect.is_sqlite(db):
        for statement in REBUILD_SEARCH:
            db.execute_sql(statement)
