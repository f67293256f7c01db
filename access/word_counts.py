"""A word's exact count for a person who sees part of the tickets, on SQLite: the FTS5 count of
the words among the tickets whose documents' scope tokens the person's scope and the view's
filters accept (`access.scope_fts`), corrected over the tickets whose scope changed since their
document was written (`store.scope_words`): minus those their document counted, plus those the
ticket's own columns put in scope now (the SQL scope, `access.scope`)."""

from __future__ import annotations

from typing import NamedTuple

import peewee

from access import pg_word_counts, scope, scope_fts
from store import dialect, scope_words, search
from store.models import Ticket

# More stale tickets than this, and the count is the join of every match with the tickets
# (`search.count_matches`) until the next compaction.
STALE_BOUND = 5_000


class Notes(NamedTuple):
    """Where a person who reads notes on some of the tickets they see reads them: as scope
    tokens, and as a condition on the tickets (`access.scope.may`)."""

    tokens: scope_fts.Term
    real: scope.Predicate


def count(
    text: str, *, notes: bool | Notes, scoped: scope_fts.Scoped, real: scope.Predicate
) -> int | None:
    """The tickets matching `text` (in their notes too: everywhere, nowhere or where `notes`
    says) among those `scoped` says by their documents' tokens, which `real` says by their
    columns; None where this cannot count (too many stale or changed tickets)."""
    db = Ticket._meta.database
    if not dialect.is_sqlite(db):  # bitsets of the words and tokens there
        return pg_word_counts.count(text, notes=notes, scoped=scoped, real=real)
    public = search.word_query(text, include_notes=False)
    everything = search.word_query(text, include_notes=True)
    if public is None or everything is None or not dialect.is_sqlite(db):
        return None
    if isinstance(notes, bool):
        notes = Notes(notes, scope.TRUE if notes else scope.FALSE)
    words = scope_fts.noted_words(public, everything, notes.tokens)
    with db.atomic("DEFERRED"):  # one snapshot: the index and the stale set agree
        stale = scope_words.stale_count(db, STALE_BOUND + 1)
        if stale > STALE_BOUND:
            return None
        asked = scope_fts.query(words, scoped)
        indexed = 0 if asked is None else scope_words.count(db, asked)
        if stale == 0:
            return indexed
        return indexed + _stale_correction(db, stale, (public, everything), notes, scoped, real)


def _stale_correction(
    db: peewee.Database,
    stale: int,
    words: tuple[str, str],
    notes: Notes,
    scoped: scope_fts.Scoped,
    real: scope.Predicate,
) -> int:
    """Over the stale tickets matching the words: minus those their documents' scope put in
    the count, plus those their columns put in it now."""
    public, everything = words
    asked = public if notes.tokens is False else everything
    matching = scope_words.stale_matching(db, asked, stale)
    if notes.tokens is True or notes.tokens is False:
        in_public = {number for number, _ in matching}
    else:
        in_public = {number for number, _ in scope_words.stale_matching(db, public, stale)}
    counted = sum(
        1
        for number, present in matching
        if scope_fts.holds(scoped, present)
        and (number in in_public or scope_fts.holds_term(notes.tokens, present))
    )
    if not matching or real is scope.FALSE:
        return -counted
    numbers = [number for number, _ in matching]
    now = Ticket.select(Ticket.number).where(Ticket.number.in_(_listed(numbers)) & real)
    if notes.real is not scope.TRUE:
        now = now.where(Ticket.number.in_(_listed(sorted(in_public))) | notes.real)
    return int(now.count()) - counted


def _listed(numbers: list[int]) -> peewee.ColumnBase:
    return peewee.SQL("(SELECT value FROM json_each(?))", (_json(numbers),))


def _json(numbers: list[int]) -> str:
    return "[" + ",".join(str(n) for n in numbers) + "]"
