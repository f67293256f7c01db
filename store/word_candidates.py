"""Tickets that may hold a piece of text, found by the search index: for a test done in Python
afterwards (a rule's `words=`, which looks for the word anywhere in the lower-cased subject and
newest customer message, inside longer words too), the index narrows the tickets read and never
decides.

Why every ticket that holds the text is among the candidates (SQLite): wherever `text` sits in a
ticket's lower-cased text, each run of ASCII letters and digits of `text` sits there too, made of
ASCII letters and digits of the ticket's text (or of `K`, the Kelvin sign, and `İ`, the only other
letters that lower-case to ASCII). FTS5's tokenizer takes all of those as parts of a word, folds
them the same way, and never splits such a run: so the run is inside one word of the ticket's
subject or public text, one of the terms of the index's vocabulary that contain the run. The
candidates are the tickets holding, for every run, one of those terms. (FTS5 keeps only the first
32,768 bytes of a word: a word that long is taken to hold every run.) Text without such a run
(Greek, Cyrillic, punctuation alone) cannot be narrowed; neither can a run in so many terms that
asking for all of them costs more than it saves.

PostgreSQL's parser drops parts of a text (`http` of `http://`, the inside of `<tags>`,
`&entities;`), so its index cannot vouch for a substring. There the server tests the text itself
for words of ASCII characters: `lower()` of text in the "C" collation lower-cases A-Z alone, so
with `K` and `İ` first written as Python lower-cases them, the ASCII characters of its result are
those of Python's `str.lower()`, at the same places, and an ASCII word is found in one exactly
where it is found in the other (in the subject, or in any customer message: a word across the
two holds a line break, and those are not asked for). A word with other characters (`zwrot
pieniędzy`, `rückgabe`) is asked for by its runs of ASCII characters, all in one subject or
message: wherever the word is, they are.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Sequence

import peewee

from store import dialect
from store.models import Message, Ticket
from store.words import CUSTOMER

_RUN = re.compile(r"[a-z0-9]+")
# More terms than this for one run, and the run does not narrow (a MATCH of every one of them
# reads about as much as the tickets themselves).
MAX_TERMS = 200
# FTS5 cuts a word at 32,768 bytes; a term about that long may have held anything after.
_CUT = 30_000
_PREFIX = 100
# The index's vocabulary, one row per term; a table of this connection's temporary schema over
# the main one's index (it stores nothing).
_VOCABULARY = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.ticket_search_terms "
    "USING fts5vocab(main, ticket_search, row)"
)


def runs_of(text: str) -> list[str]:
    """The runs of ASCII letters and digits of `text`, lower-cased, longest first (the rarer)."""
    return sorted(set(_RUN.findall(text.lower())), key=len, reverse=True)


def public_candidates(texts: Sequence[str]) -> peewee.ColumnBase | None:
    """The tickets whose subject or public conversation may hold one of `texts` (lower case)
    as a substring, or None where the index cannot say (then every ticket may)."""
    db = Ticket._meta.database
    if not texts:
        return None
    if not dialect.is_sqlite(db):
        return _tested_by_server(texts)
    runs = {text: runs_of(text) for text in texts}
    if not all(runs.values()):
        return None
    asked = sorted({run for found in runs.values() for run in found})
    db.execute_sql(_VOCABULARY)
    holding: dict[str, list[str]] = {run: [] for run in asked}
    test = " OR ".join("instr(term, ?) > 0" for _ in asked)
    rows = db.execute_sql(
        "SELECT CAST(term AS BLOB) FROM temp.ticket_search_terms "
        f"WHERE {test} OR length(CAST(term AS BLOB)) >= ?",
        (*asked, _CUT),
    )
    for (raw,) in rows:
        if len(raw) >= _CUT:  # maybe cut, even inside a letter: asked for by its beginning
            cut = _quoted(bytes(raw[:_PREFIX]).decode(errors="ignore")) + "*"
            for run in asked:
                holding[run].append(cut)
            continue
        term = bytes(raw).decode()
        for run in asked:
            if run in term:
                holding[run].append(_quoted(term))
    queries = [_every_run(found, holding) for found in runs.values()]
    if any(query is None for query in queries):
        return None
    if any(query == "" for query in queries):  # some text's run is in no ticket: that text
        queries = [q for q in queries if q]  # is in none either
        if not queries:
            return peewee.SQL("1 = 0")
    match = " OR ".join(f"({q})" for q in queries)
    return Ticket.number.in_(
        peewee.SQL(
            "(SELECT rowid FROM ticket_search WHERE ticket_search MATCH ?)",
            (f"{{subject public}} : ({match})",),
        )
    )


def _every_run(runs: list[str], holding: dict[str, list[str]]) -> str | None:
    """An FTS5 query for one of each run's terms (quoted), every run; "" when some run is in no term
    (nothing holds the text), None when no run narrows."""
    narrowing = [run for run in runs if len(holding[run]) <= MAX_TERMS]
    if any(not holding[run] for run in narrowing):
        return ""
    if not narrowing:
        return None
    return " AND ".join("(" + " OR ".join(sorted(holding[run])) + ")" for run in narrowing)


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


# The letters outside ASCII that Python's `str.lower()` turns into ASCII ones (with what it turns
# them into); `tests/store/test_word_candidates.py` checks there are no others.
LOWER_TO_ASCII = {"\u212a": "k", "\u0130": "i\u0307"}


def _tested_by_server(texts: Sequence[str]) -> peewee.ColumnBase | None:
    """PostgreSQL: the tickets whose subject or some customer message holds one of `texts`
    once lower-cased as Python does (`texts` without line breaks); a text with characters
    outside ASCII is narrowed by its runs of ASCII characters, every one held by the same
    subject or message (none: the text does not narrow, nor do the others with it)."""
    pieces = [_ascii_pieces(text) for text in texts]
    if not all(pieces) or any("\n" in text for text in texts):
        return None

    def holding(column: peewee.ColumnBase) -> peewee.ColumnBase:
        for letter, ascii_lowered in LOWER_TO_ASCII.items():
            column = peewee.fn.replace(column, letter, ascii_lowered)
        lowered = peewee.fn.lower(peewee.NodeList((column, peewee.SQL('COLLATE "C"'))))
        return functools.reduce(
            operator.or_,
            [
                functools.reduce(operator.and_, [peewee.fn.strpos(lowered, p) > 0 for p in found])
                for found in pieces
            ],
        )

    written = Message.select(peewee.SQL("1")).where(
        (Message.ticket == Ticket.number) & (Message.kind == CUSTOMER) & holding(Message.body)
    )
    return holding(Ticket.subject) | peewee.fn.EXISTS(written)


# A run of ASCII characters but the line break.
_ASCII_PIECE = re.compile("[\x00-\x09\x0b-\x7f]+")


def _ascii_pieces(text: str) -> list[str]:
    """`text` itself when it is ASCII, else its runs of ASCII characters: wherever `text`
    sits in Python's lower case of a text, each run sits, at the same places, in the server's
    (the "C" collation's lower case of the text with `LOWER_TO_ASCII` written out first)."""
    return [text] if text.isascii() else _ASCII_PIECE.findall(text)
