"""A word's exact count for a person who sees part of the tickets, on SQLite: the FTS5 count of
the words among the tickets whose documents' scope tokens the person's scope and the view's
filters accept (`access.scope_fts`), corrected over the tickets whose scope changed since their
document was written (`store.scope_words`): minus those their document counted, plus those the
ticket's own columns put in scope now (the SQL scope, `access.scope`)."""

from __future__ import annotations

import peewee

from access import scope, scope_fts
from store import dialect, scope_words, search
from store.models import Ticket

# More stale tickets than this, and the count is the join of every match with the tickets
# (`search.count_matches`) until the next compaction.
STALE_BOUND = 5_000


def count(
    text: str, *, include_notes: bool, scoped: scope_fts.Scoped, real: scope.Predicate
) -> int | None:
    """The tickets matching `text` among those `scoped` says by their documents' tokens,
    which `real` says by their columns; None where this cannot count (PostgreSQL, too many
    stale tickets)."""
    db = Ticket._meta.database
    words = search.word_query(text, include_notes=include_notes)
    if words is None or not dialect.is_sqlite(db):
        return None
    with db.atomic("DEFERRED"):  # one snapshot: the index and the stale set agree
        stale = scope_words.stale_count(db, STALE_BOUND + 1)
        if stale > STALE_BOUND:
            return None
        asked = scope_fts.query(words, scoped)
        indexed = 0 if asked is None else scope_words.count(db, asked)
        if stale == 0:
            return indexed
        matching = scope_words.stale_matching(db, words, stale)
        counted = sum(1 for _, present in matching if scope_fts.holds(scoped, present))
        if not matching or real is scope.FALSE:
            return indexed - counted
        numbers = [number for number, _ in matching]
        inside = peewee.SQL("(SELECT value FROM json_each(?))", (_json(numbers),))
        now = Ticket.select(Ticket.number).where(Ticket.number.in_(inside))
        return indexed - counted + int(now.where(real).count())


def _json(numbers: list[int]) -> str:
    return "[" + ",".join(str(n) for n in numbers) + "]"
