"""A word's exact count for a person who sees part of the tickets, on PostgreSQL: the person's
scope and the view's filters as scope tokens (`access.scope_fts`) evaluated as bitset algebra
over the sets `store.ticket_bits` keeps (each word's matches, each token's tickets), the
tickets changed since those sets were read left out of that and counted from their rows with
the SQL scope (`access.scope`) instead, all in one statement's snapshot.

Every search of words goes this way (prefixes too: a word's set is its matches as
`store.search` asks PostgreSQL for them, and several words are the AND of their sets); a word's
or a token's first count reads its set from the index or the tickets once and keeps it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee

from access import scope, scope_fts
from store import search, ticket_bits
from store.models import Ticket

if TYPE_CHECKING:
    from access.word_counts import Notes

# More tickets changed since the sets were read than this, and the count is the join of every
# match with the tickets (`search.count_matches`) until the next refresh.
CHANGED_BOUND = 5_000


def count(
    text: str, *, notes: bool | Notes, scoped: scope_fts.Scoped, real: scope.Predicate
) -> int | None:
    """`access.word_counts.count` on PostgreSQL: the tickets matching `text` (in their notes
    too: everywhere, nowhere or where `notes` says) among those `scoped` says by their tokens,
    which `real` says by their columns; None where too many tickets changed since the sets
    were read (or the index was rebuilt since)."""
    words = search.words_of(text)
    if not words:
        return None
    if scoped.term is False or real is scope.FALSE:
        return 0
    notes_tokens = notes if isinstance(notes, bool) else notes.tokens
    keys = _keys(words, notes_tokens, scoped)
    among = _among_changed(words, notes, real)
    db = Ticket._meta.database
    read = ticket_bits.read(db, keys, CHANGED_BOUND, among)
    missing = [key for key in keys if key not in read.sets]
    if missing:
        with db.atomic():
            ticket_bits.build(db, missing)
        read = ticket_bits.read(db, keys, CHANGED_BOUND, among)
    if read.changed is None or len(read.sets) < len(keys):
        return None
    sets = read.sets

    def matching(kind: str) -> int:
        return _all([sets[(kind, ticket_bits.word_key(w, p))] for w, p in words])

    if notes_tokens is True:
        found = matching(ticket_bits.EVERYTHING)
    elif notes_tokens is False:
        found = matching(ticket_bits.WORDS)
    else:
        noted = _evaluate(notes_tokens, sets)
        everything = matching(ticket_bits.EVERYTHING)
        found = matching(ticket_bits.WORDS) | (everything if noted is None else everything & noted)
    seen = _evaluate(scoped.term, sets)
    if seen is not None:
        found &= seen
    for token in scoped.excluded:
        found &= ~sets[(ticket_bits.TOKEN, token)]
    if read.changed:
        found &= ~int.from_bytes(ticket_bits.bitset(read.changed), "little")
    return found.bit_count() + read.counted


def _all(sets: list[int]) -> int:
    found = sets[0]
    for other in sets[1:]:
        found &= other
    return found


def _keys(
    words: list[tuple[str, bool]], notes: scope_fts.Term, scoped: scope_fts.Scoped
) -> list[ticket_bits.Key]:
    """The sets a count needs: the words' in the texts it reads, and every token it names."""
    kinds = []
    if notes is not True:
        kinds.append(ticket_bits.WORDS)
    if notes is not False:
        kinds.append(ticket_bits.EVERYTHING)
    keys = [(kind, ticket_bits.word_key(w, p)) for kind in kinds for w, p in words]
    tokens: set[str] = set(scoped.excluded)
    for term in (scoped.term, notes):
        _tokens_of(term, tokens)
    keys += [(ticket_bits.TOKEN, token) for token in sorted(tokens)]
    return list(dict.fromkeys(keys))


def _tokens_of(term: scope_fts.Term, into: set[str]) -> None:
    if isinstance(term, str):
        into.add(term)
    elif not isinstance(term, bool):
        for part in term.parts:
            _tokens_of(part, into)


def _evaluate(term: scope_fts.Term, sets: dict[ticket_bits.Key, int]) -> int | None:
    """The tickets a term of tokens holds for, as a bitset; None for every ticket."""
    if term is True:
        return None
    if term is False:
        return 0
    if isinstance(term, str):
        return sets[(ticket_bits.TOKEN, term)]
    parts = [_evaluate(part, sets) for part in term.parts]
    if isinstance(term, scope_fts.AnyOf):
        if any(part is None for part in parts):
            return None
        found = 0
        for part in parts:
            found |= part or 0
        return found
    kept = [part for part in parts if part is not None]
    return _all(kept) if kept else None


def _among_changed(
    words: list[tuple[str, bool]], notes: bool | Notes, real: scope.Predicate
) -> tuple[str, tuple[object, ...]]:
    """SQL of how many of the changed tickets (`changed`, in `ticket_bits.read`'s statement)
    the scope and the filters (`real`) select and the words match as the person reads them."""
    query = search.tsquery_sql(words)
    params = tuple(word for word, _ in words)
    if notes is True or notes is False:
        document = "everything" if notes else "public"
        matched: list[peewee.Node] = [peewee.SQL(f"AND s.{document} @@ {query})", params)]
    else:
        matched = [
            peewee.SQL(f"AND s.everything @@ {query} AND (s.public @@ {query} OR", params * 2),
            notes.real,
            peewee.SQL("))"),
        ]
    words_held = peewee.NodeList(
        (
            peewee.SQL("EXISTS (SELECT 1 FROM ticket_search s WHERE s.number ="),
            Ticket.number,
            *matched,
        )
    )
    changed = Ticket.number.in_(peewee.SQL("(SELECT number FROM changed)"))
    counted = Ticket.select(peewee.fn.COUNT(peewee.SQL("*"))).where(changed & real & words_held)
    sql, params_out = counted.sql()
    return sql, tuple(params_out)
