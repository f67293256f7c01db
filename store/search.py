"""Full-text search behind one interface: the store answers "which tickets match these words,
in their public text or in their notes too" as expressions on `Ticket`, and the access gate
puts its scope (and the right to read notes) around them."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import peewee

from store import dialect
from store.letters import fold
from store.models import Ticket
from store.planner import unindexed

_WORD = r"(\w+)(\*?)"
NOTHING = peewee.SQL("1 = 0")

# Under this share of all tickets matching, a page in inbox order is found by fetching the
# matches by number and sorting them; from it on, by walking the inbox index newest first and
# testing each ticket against the list of matches, read once (see `_sparse`).
DENSE_SHARE = 0.01


def words_of(text: str) -> list[tuple[str, bool]]:
    """The words of `text`, each with whether it ends in `*` (match words it begins)."""
    return [(word, star == "*") for word, star in re.findall(_WORD, text)]


def _query(words: list[tuple[str, bool]], columns: str | None) -> str:
    """An FTS5 query for every word, folded as the index is (`letters`), in `columns` (None:
    every column of words, never the scope's tokens)."""
    terms = " AND ".join(
        f'"{fold(word)}"*' if prefix else f'"{fold(word)}"' for word, prefix in words
    )
    return f"{{{columns or dialect.WORD_COLUMNS}}} : ({terms})"


def _fts(words: list[tuple[str, bool]], columns: str | None, in_order: bool) -> peewee.Expression:
    """Every word somewhere in the ticket's document (in `columns` if given)."""
    query = _query(words, columns)
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

    For a word in most tickets even reading that list is dear (600,000 matches: 130 ms or
    more); `page_by_asking` covers that case for the first pages.
    """
    bound = max(1, int(_tickets() * DENSE_SHARE))
    hits = Ticket._meta.database.execute_sql(
        "SELECT count(*) FROM (SELECT 1 FROM ticket_search WHERE ticket_search MATCH ? LIMIT ?)",
        (query, bound),
    ).fetchone()[0]
    return hits < bound


def _tickets() -> int:
    """About how many tickets there are: the highest number, one index lookup."""
    return Ticket._meta.database.execute_sql("SELECT max(number) FROM ticket").fetchone()[0] or 0


def _sqlite() -> bool:
    return dialect.is_sqlite(Ticket._meta.database)


def public_match(text: str, *, in_order: bool = False) -> peewee.ColumnBase:
    """Tickets whose subject and public conversation hold every word of `text` (whole words;
    a word ending in `*` stands for every word it begins).

    `in_order`: the caller reads a page in inbox order (not a count), which for a common word
    is found faster by walking that order than by fetching every match."""
    words = words_of(text)
    if not words:
        return NOTHING
    if _sqlite():
        return _fts(words, "subject public", in_order)
    return _tsquery(words, "public", in_order)


def any_match(text: str, *, in_order: bool = False) -> peewee.ColumnBase:
    """The same, internal notes included: only for tickets whose notes the person may read."""
    words = words_of(text)
    if not words:
        return NOTHING
    if _sqlite():
        return _fts(words, None, in_order)
    return _tsquery(words, "everything", in_order)


def public_or_noted_match(
    text: str, notes_ok: peewee.ColumnBase, *, in_order: bool = False
) -> peewee.ColumnBase:
    """`public_match`, or `any_match` on the tickets where `notes_ok` (a condition on the
    ticket: where the person may read its notes) holds.

    On PostgreSQL the two are one look at each ticket's search row: its whole text must hold
    the words (the public text is part of it) and either its public text does too or the notes
    are readable there. Two lists of matches joined by OR are tested per ticket against each
    list, and once a common word's list is bigger than the server's `work_mem` each test reads
    the list again, so the work grows with tickets times matches. A page in inbox order of a
    rare word still fetches the matches first (`_fetched_first`)."""
    words = words_of(text)
    if not words:
        return NOTHING
    if _sqlite():
        return _fts(words, "subject public", in_order) | (_fts(words, None, in_order) & notes_ok)
    if in_order and _rare(words, "everything"):  # then rare in the public text too
        rare = _fetched_first(words, "public")
        return rare | (_fetched_first(words, "everything") & notes_ok)
    query = tsquery_sql(words)
    params = tuple(word for word, _ in words)
    return peewee.NodeList(
        (
            peewee.SQL("EXISTS (SELECT 1 FROM ticket_search s WHERE s.number ="),
            Ticket.number,
            peewee.SQL(f"AND s.everything @@ {query} AND (s.public @@ {query} OR", params + params),
            notes_ok,
            peewee.SQL("))"),
        )
    )


def _tsquery(words: list[tuple[str, bool]], document: str, in_order: bool) -> peewee.ColumnBase:
    """PostgreSQL: every word in the ticket's `document` (`public` or `everything`).

    For a page in inbox order the planner walks the inbox index and tests each ticket, which
    finds a page of a common word after a few hundred tickets. For a rare word (an order
    number) it cannot tell: a word missing from the column's statistics is taken to be in 0.5%
    of tickets, so the walk looks cheap and reads the whole index (seconds at a million).
    Where a word is rare (`_rare`), the matches are fetched first, as one array the planner
    cannot walk against, and sorted."""
    if in_order and _rare(words, document):
        return _fetched_first(words, document)
    return Ticket.number.in_(_matches(words, document))


def _fetched_first(words: list[tuple[str, bool]], document: str) -> peewee.ColumnBase:
    """The matches fetched first, as one array the planner cannot walk against."""
    matches = _matches(words, document)
    return peewee.NodeList((Ticket.number, peewee.SQL("= ANY(ARRAY"), matches, peewee.SQL(")")))


# One word of a tsquery: folded by `unaccent` as the documents are, then quoted for `to_tsquery`
# in SQL. unaccent turns some letters into punctuation (U+02BC, the Ukrainian apostrophe, into a
# quote), so a quote in its result is doubled and a backslash escaped; a word the parser then
# splits at the quote is its parts in a row, as the documents hold them.
_QUOTED = "'''' || replace(replace(unaccent(%s), '\\', '\\\\'), '''', '''''') || ''''"


def tsquery_sql(words: list[tuple[str, bool]]) -> str:
    """`to_tsquery` of every word (one parameter each), `:*` after the words that are prefixes."""
    terms = " || ' & ' || ".join(f"{_QUOTED} || ':*'" if prefix else _QUOTED for _, prefix in words)
    return f"to_tsquery('simple'::regconfig, {terms})"


def _matching(document: str, words: list[tuple[str, bool]]) -> str:
    """The tickets' search rows whose `document` holds `words` (their texts the parameters)."""
    return f"ticket_search WHERE {document} @@ {tsquery_sql(words)}"


def _matches(words: list[tuple[str, bool]], document: str) -> peewee.SQL:
    params = tuple(text for text, _ in words)
    return peewee.SQL(f"(SELECT number FROM {_matching(document, words)})", params)


def _rare(words: list[tuple[str, bool]], document: str) -> bool:
    """Whether some word is in under DENSE_SHARE of all tickets (so are all the matches), by
    the planner's own estimate from the column's statistics (ANALYZE keeps the share of
    each common word): a plan per word, no index read, under a millisecond. Counting the
    matches, even only up to the share, builds the word's whole bitmap from the index first
    (20-60 ms for a common word at a million tickets)."""
    bound = max(1, int(_tickets() * DENSE_SHARE))
    for word in words:
        plan = Ticket._meta.database.execute_sql(
            f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {_matching(document, [word])}", (word[0],)
        )
        if plan.fetchone()[0][0]["Plan"]["Plan Rows"] < bound:
            return True
    return False


def word_query(text: str, *, include_notes: bool) -> str | None:
    """SQLite: the FTS5 query of the words of `text` in the public text (`include_notes`:
    the notes too); None when it has none."""
    words = words_of(text)
    return _query(words, None if include_notes else "subject public") if words else None


def count_matches(
    text: str, *, include_notes: bool, where: peewee.ColumnBase | None, upto: int | None = None
) -> int:
    """How many tickets where `where` holds (None: every ticket) match `text` in their public
    text (`include_notes`: notes too), at most `upto` when given (counting stops there),
    counted as a join of the index's list of matches with the tickets, which reads each match
    once in the index's order. Asked as `number IN (matches)`, the databases first build the
    whole list as a table of its own (SQLite) or test each ticket against it."""
    words = words_of(text)
    if not words:
        return 0
    if _sqlite():
        query = _query(words, None if include_notes else "subject public")
        match = peewee.SQL("ticket_search MATCH ?", (query,))
        on = _SEARCH.c.rowid == Ticket.number
    else:
        document = "everything" if include_notes else "public"
        params = tuple(word for word, _ in words)
        match = peewee.SQL(f"ts.{document} @@ {tsquery_sql(words)}", params)
        on = _SEARCH.c.number == Ticket.number
    if where is None and upto is None and _sqlite():  # the index counts its list alone
        counted = _SEARCH.select(peewee.fn.COUNT(peewee.SQL("*"))).where(match)
        return int(counted.bind(Ticket._meta.database).scalar())
    matched = Ticket.select(Ticket.number).join(_SEARCH, on=on)
    matched = matched.where(match if where is None else match & where)
    return int((matched if upto is None else matched.limit(upto)).count())


_SEARCH = peewee.Table("ticket_search").alias("ts")

Asker = Callable[[peewee.ColumnBase], peewee.ColumnBase]


def asker(text: str, *, include_notes: bool) -> Asker | None:
    """A question to put to the search index about one ticket (given the column holding its
    number): does it match `text`? Only for whole words on SQLite; None otherwise."""
    words = words_of(text)
    if not words or any(prefix for _, prefix in words) or not _sqlite():
        return None  # a prefix is expanded anew for every question: far too dear
    query = _query(words, None if include_notes else "subject public")

    def ask(number: peewee.ColumnBase) -> peewee.ColumnBase:
        return peewee.NodeList(
            (
                peewee.SQL("EXISTS (SELECT 1 FROM ticket_search WHERE rowid ="),
                number,
                peewee.SQL("AND ticket_search MATCH ?)", (query,)),
            )
        )

    return ask


# `page_by_asking`: how many of the newest tickets are asked first, the share of them that must
# match, the fewest matches worth it (estimated), and how deep into the list it is tried.
SAMPLE = 50
ASK_SHARE = 0.3
ASK_MATCHES = 100_000
ASK_REACH = 1_000


def page_by_asking(
    tickets: peewee.ModelSelect[Ticket], newest_first: bool, ask: Asker, offset: int, limit: int
) -> list[int] | None:
    """Numbers of the matching tickets `offset` to `offset + limit` in inbox order, found by
    asking the search index about each ticket of `tickets` (number and updated_at, in scope)
    in turn; None where that would not pay, and the caller reads the list of matches instead.

    A word in most of a million tickets has a list of 600,000 matches, while a page of it is
    found after asking about a few hundred tickets (40-120 us a question). Asking is bounded:
    only near the top, only when the newest tickets match densely (a word common only in old
    tickets would have every ticket asked about), and within a window sized from that density;
    a window that falls short gives None, never a short page.
    """
    wanted = offset + limit
    if limit == 0 or wanted > ASK_REACH:
        return None

    def found(window: int, stop: int) -> list[tuple[int, str]]:
        recent = (
            (
                tickets.order_by(Ticket.updated_at.desc(), Ticket.number.desc())
                if newest_first
                else tickets.order_by(Ticket.updated_at.asc(), Ticket.number.asc())
            )
            .limit(window)
            .alias("recent")
        )
        # No outer ORDER BY: a sort would ask about the whole window before the first row.
        # The window's order comes through; `_in_order` checks that it did.
        asked = (
            peewee.Select([recent], [recent.c.number, recent.c.updated_at])
            .where(ask(recent.c.number))
            .limit(stop)
        )
        return list(Ticket._meta.database.execute(asked).fetchall())

    share = len(found(SAMPLE, SAMPLE)) / SAMPLE
    if share < ASK_SHARE or _tickets() * share < ASK_MATCHES:
        return None
    rows = found(math.ceil(wanted / share * 2), wanted)
    if len(rows) < wanted or not _in_order(rows, newest_first):
        return None
    return [number for number, _ in rows[offset:]]


def _in_order(rows: list[tuple[int, str]], newest_first: bool) -> bool:
    keys = [(updated, number) for number, updated in rows]
    return keys == sorted(keys, reverse=newest_first)
