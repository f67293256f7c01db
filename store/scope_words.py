"""SQLite: each ticket's scope as words of its search document, so a word's count for a person
who sees part of the tickets is one FTS5 query (the words and the person's scope together)
instead of a lookup of every match in `ticket`.

The document's fourth column, `scope`, holds short tokens of the columns a scope or a view's
filter reads (`scope_tokens`). A change of those columns does not write the index: a trigger
notes the ticket in `ticket_search_stale` with the columns as the document still has them (the
first note of a ticket wins). A count corrects the index's answer over the noted tickets
(`access.word_counts`), and `compact` writes their documents' scope anew now and then."""

from __future__ import annotations

import re
import time

import peewee

STALE = "ticket_search_stale"
# The ticket's columns a scope or a filter reads, in the order of the stale set's columns.
SCOPE_COLUMNS = (
    "source_id",
    "usergroup_id",
    "private",
    "assignee_id",
    "requester_id",
    "status",
    "priority",
)
# A ticket without a group or an assignee.
NONE = "n"
# The stale tickets a batch of `compact` writes, one transaction each.
COMPACT_BATCH = 500


def token(column: str, value: object) -> str:
    """The word that says `column` holds `value` (None: none), as `scope_tokens` writes it."""
    prefix = TOKEN_PREFIX[column]
    if value is None:
        return f"{prefix}{NONE}"
    if isinstance(value, bool):
        value = int(value)
    return f"{prefix}{value}"


TOKEN_PREFIX = {
    "source_id": "s",
    "usergroup_id": "g",
    "private": "p",
    "assignee_id": "a",
    "requester_id": "r",
    "status": "st",
    "priority": "pr",
}


def scope_tokens(row: str) -> str:
    """SQL of the scope column's text for the ticket (or stale row) named `row`."""
    parts = []
    for column in SCOPE_COLUMNS:
        value = f"{row}.{column}"
        if column in ("usergroup_id", "assignee_id"):
            value = f"coalesce({value}, '{NONE}')"
        elif column == "private":
            value = f"CAST({value} AS INTEGER)"
        parts.append(f"'{TOKEN_PREFIX[column]}' || {value}")
    return " || ' ' || ".join(parts)


def stale_table() -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {STALE} (number INTEGER PRIMARY KEY, "
        + ", ".join(SCOPE_COLUMNS)
        + ")"
    )


def stale_trigger() -> str:
    """A change of a scope column notes the ticket with its columns as they were (the first
    note since its document was written wins: the document's own scope)."""
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in SCOPE_COLUMNS)
    olds = ", ".join(f"old.{c}" for c in SCOPE_COLUMNS)
    # Not INSERT OR IGNORE: a foreign key's action (a group deleted) would impose its own
    # conflict policy on it and fail on a ticket noted already.
    noted = f"EXISTS (SELECT 1 FROM {STALE} WHERE number = old.number)"
    return (
        "CREATE TRIGGER IF NOT EXISTS ticket_search_stale_au AFTER UPDATE OF "
        f"{', '.join(SCOPE_COLUMNS)} ON ticket WHEN ({changed}) AND NOT {noted} BEGIN "
        f"INSERT INTO {STALE} (number, {', '.join(SCOPE_COLUMNS)}) "
        f"VALUES (old.number, {olds}); END"
    )


def has_scope(db: peewee.Database) -> bool:
    """Whether the search index has its `scope` column (migration 37)."""
    columns = [row[1] for row in db.execute_sql("PRAGMA table_info(ticket_search)").fetchall()]
    return "scope" in columns


def forget_stale(db: peewee.Database | peewee.DatabaseProxy, numbers: list[int] | None) -> None:
    """These tickets' documents were written from their columns now (None: every ticket's)."""
    if numbers is None:
        db.execute_sql(f"DELETE FROM {STALE}")
        return
    if stale_count(db, 1) == 0:  # as in a bulk load, mostly
        return
    db.cursor().executemany(f"DELETE FROM {STALE} WHERE number = ?", ((n,) for n in numbers))


def stale_count(db: peewee.Database | peewee.DatabaseProxy, upto: int) -> int:
    """How many tickets are noted stale, counted no further than `upto`."""
    row = db.execute_sql(f"SELECT count(*) FROM (SELECT 1 FROM {STALE} LIMIT ?)", (upto,))
    return int(row.fetchone()[0])


def compact(db: peewee.Database | peewee.DatabaseProxy, batch: int = COMPACT_BATCH) -> int:
    """Write the stale tickets' scope into their documents, `batch` tickets per transaction,
    and forget them; how many were written (none on PostgreSQL, which has no scope tokens)."""
    engine = db.obj if isinstance(db, peewee.DatabaseProxy) else db
    if not isinstance(engine, peewee.SqliteDatabase):
        return 0
    written = 0
    while True:
        with db.atomic():
            numbers = [
                n for (n,) in db.execute_sql(f"SELECT number FROM {STALE} LIMIT ?", (batch,))
            ]
            if not numbers:
                return written
            marks = ", ".join("?" for _ in numbers)
            db.execute_sql(
                f"UPDATE ticket_search SET scope = (SELECT {scope_tokens('t')} FROM ticket t "
                f"WHERE t.number = ticket_search.rowid) WHERE rowid IN ({marks})",
                numbers,
            )
            db.execute_sql(f"DELETE FROM {STALE} WHERE number IN ({marks})", numbers)
        written += len(numbers)


def count(db: peewee.Database | peewee.DatabaseProxy, query: str) -> int:
    """How many documents match an FTS5 `query` (words and scope tokens)."""
    row = db.execute_sql(
        "SELECT count(*) FROM ticket_search WHERE ticket_search MATCH ?", (query,)
    ).fetchone()
    return int(row[0])


def parse_token(tok: str) -> tuple[str, object]:
    """The column and value a scope token says (`token`'s inverse; None: none; the two-letter
    prefixes first: no source's token begins `st`, no privacy's `pr`)."""
    for column, prefix in sorted(TOKEN_PREFIX.items(), key=lambda item: -len(item[1])):
        if tok.startswith(prefix):
            value = tok[len(prefix) :]
            if column in ("status", "priority"):
                return column, value
            if column == "private":
                return column, value == "1"
            return column, None if value == NONE else int(value)
    raise ValueError(f"not a scope token: {tok}")


def noted(tok: str) -> peewee.ColumnBase:
    """SQL: the stale set's row (`STALE_ROW`) holds the column as `tok` says."""
    column, value = parse_token(tok)
    cell = getattr(STALE_ROW, column)
    return cell.is_null() if value is None else cell == value


# The stale set as a table of a query, its rows as they were when their documents were written.
STALE_ROW = peewee.Table(STALE, ("number", *SCOPE_COLUMNS)).alias("z")

# Up to this many tickets, each is asked whether its document matches the words. Beyond, a
# sample of them (SAMPLED, spread over their numbers) is asked first, and the rest asked one
# by one too if that costs less than walking the word's matches up to the highest number:
# about as many as the share of the sample that matched says, each WALKED_MATCH_S of CPU,
# against what the sample's questions cost (20-70 us each at a million tickets, the more the
# more deletions the index's segments hold).
ASKED_ONE_BY_ONE = 100
SAMPLED = 32
WALKED_MATCH_S = 0.09e-6


def matching(
    db: peewee.Database | peewee.DatabaseProxy, words: str, numbers: list[int]
) -> set[int]:
    """Those of the stale tickets `numbers` whose documents match the FTS5 query `words`."""
    numbers = sorted(numbers)
    if len(numbers) <= ASKED_ONE_BY_ONE:
        return _asked(db, words, numbers)
    sampled = min(SAMPLED, ASKED_ONE_BY_ONE)
    sample = sorted({numbers[i * len(numbers) // sampled] for i in range(sampled)})
    started = time.thread_time()
    found = _asked(db, words, sample)
    kept = set(sample)
    rest = [n for n in numbers if n not in kept]
    if sample:
        asking = len(rest) * (time.thread_time() - started) / len(sample)
        if asking < numbers[-1] * len(found) / len(sample) * WALKED_MATCH_S:
            return found | _asked(db, words, rest)
    # Each match is tested against a byte per ticket number, 1 for those asked: cheaper than a
    # lookup in a table, and than asking the index for a range of numbers.
    listed = bytearray(numbers[-1] + 1)
    for number in numbers:
        listed[number] = 1
    sql = (
        "SELECT rowid FROM ticket_search WHERE ticket_search MATCH ? "
        "AND substr(?, rowid + 1, 1) = x'01'"
    )
    return {n for (n,) in db.execute_sql(sql, (words, bytes(listed))).fetchall()}


def _asked(db: peewee.Database | peewee.DatabaseProxy, words: str, numbers: list[int]) -> set[int]:
    """`matching`, each ticket asked in turn (in the order of their numbers)."""
    if not numbers:
        return set()
    sql = (
        "SELECT value FROM json_each(?) WHERE EXISTS (SELECT 1 FROM ticket_search "
        "WHERE ticket_search.rowid = value AND ticket_search MATCH ?)"
    )
    listed = "[" + ",".join(str(n) for n in numbers) + "]"
    return {n for (n,) in db.execute_sql(sql, (listed, words)).fetchall()}


# A query of every column of words (`store.search`): its words quoted, `*` after a prefix.
_EVERY_WORD_COLUMN = r'\{subject public notes\} : \(((?:"[^"]*"\*?(?: AND )?)+)\)'
# A run of letters or digits (a token of FTS5's unicode61) that is, or begins, a scope token.
_SCOPE_LIKE = r"[sgpar][0-9]*|[ga]n|st.*|pr.*"


def in_any_column(words: str) -> str:
    """The FTS5 query `words` of every column of words asked of every column, where no word
    could be a token of the scope (which then holds none of them): FTS5 reads no positions to
    find the column, and a common word's matches cost a third less to walk. Otherwise `words`
    itself."""
    query = re.fullmatch(_EVERY_WORD_COLUMN, words)
    if query is None or not query.group(1).isascii():
        return words
    for run in re.findall(r"[a-z0-9]+", query.group(1).lower()):
        if re.fullmatch(_SCOPE_LIKE, run):
            return words
    return f"({query.group(1)})"
