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
from store.rows import tuple_rows

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
    if public is None or everything is None:
        return None
    everything = scope_words.in_any_column(everything)
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
        return indexed + _stale_correction(db, (public, everything), notes, scoped, real)


def _stale_correction(
    db: peewee.Database,
    words: tuple[str, str],
    notes: Notes,
    scoped: scope_fts.Scoped,
    real: scope.Predicate,
) -> int:
    """Over the stale tickets matching the words: minus those their documents' scope put in
    the count, plus those their columns put in it now. Only the tickets that one count has
    and the other may not have are asked whether they match: the columns, as they were and
    as they are, say which (`_changed`), and whether the public text or everything matters."""
    public, everything = words
    weights: dict[int, tuple[int, int]] = {}  # how a ticket changes the count: text, notes
    for number, was, was_noted, now, now_noted in _changed(scoped, notes, real):
        weights[number] = (now - was, (now and now_noted) - (was and was_noted))
    # A ticket whose count is the same whether the words are in its public text or only in
    # its notes is asked about everything; one that counts only for its public text, about it.
    anywhere = [n for n, (text, noted) in weights.items() if text == noted or noted != 0]
    in_text = [n for n, (text, noted) in weights.items() if text != noted]
    everywhere = scope_words.matching(db, everything, anywhere)
    publicly = scope_words.matching(
        db, public, [n for n in in_text if weights[n][1] == 0 or n in everywhere]
    )
    return sum(
        text if number in publicly else noted if number in everywhere else 0
        for number, (text, noted) in weights.items()
    )


def _changed(
    scoped: scope_fts.Scoped, notes: Notes, real: scope.Predicate
) -> list[tuple[int, int, int, int, int]]:
    """The stale tickets whose columns as their documents have them and as they are now may
    count differently, each with 1 or 0: counted by its document's scope, its notes read
    there, counted now, its notes read now."""
    stale = scope_words.STALE_ROW
    flags = [
        _flag(scope_fts.scoped_sql(scoped, scope_words.noted)),
        _flag(scope_fts.sql(notes.tokens, scope_words.noted)),
        _flag(real),
        _flag(notes.real),
    ]
    was, was_noted, now, now_noted = flags
    differs = was != now
    if not isinstance(notes.tokens, bool):  # else the notes count where the rest does
        differs |= (was * was_noted) != (now * now_noted)
    query = (
        peewee.Select([stale], [Ticket.number, *flags])  # the stale set first, then each ticket
        .join(Ticket, peewee.JOIN.CROSS, on=(peewee.Column(stale, "number") == Ticket.number))
        .where(differs)
        .bind(Ticket._meta.database)
    )
    return [
        (int(row[0]), int(row[1]), int(row[2]), int(row[3]), int(row[4]))
        for row in tuple_rows(query)
    ]


def _flag(predicate: peewee.ColumnBase) -> peewee.ColumnBase:
    """1 where the predicate holds, 0 where it does not (nor where it is NULL)."""
    return peewee.Case(None, [(predicate, 1)], 0)
