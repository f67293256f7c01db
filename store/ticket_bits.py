"""PostgreSQL: sets of tickets kept as bitsets (bit n: ticket number n), so that a word's count
for a person who sees part of the tickets is a few ANDs and a popcount instead of a read of
every match's row (a GIN bitmap heap scan reads the heap row of each match for visibility).

`ticket_bits` holds one row per set asked for: a word's matches in the public text or in the
whole text (`WORDS`, `EVERYTHING`, the word as `store.search` asks it of PostgreSQL), or the
tickets whose column holds a value (`TOKEN`, a scope token of `store.scope_words`). Each set
is as the database was in the snapshot `as_of` it was read in. Triggers note in
`ticket_changed` every ticket whose scope columns or search row changed, with the transaction
that changed it; the tickets changed since a set's snapshot (the notes that snapshot does not
see) are counted from their rows instead (`access.pg_word_counts`), and `refresh` brings the
sets to a newer snapshot and forgets the notes every set sees. A search index rebuilt
(TRUNCATE of `ticket_search`) drops every set and leaves a mark (ticket -1) that makes any
set read before it unusable."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

import peewee

from store.scope_words import SCOPE_COLUMNS, parse_token, token
from store.search import tsquery_sql

TABLE = "ticket_bits"
CHANGED = "ticket_changed"
WORDS = "public"
EVERYTHING = "everything"
TOKEN = "token"
# The note a rebuilt index leaves: every ticket changed.
REBUILT = -1
# A transaction-wide lock: a set being read and written waits for the notes' trimming, which
# would otherwise forget notes the set's older snapshot does not see.
_LOCK = 0x7469636B  # "tick"
# Sets kept at most (a set is up to an eighth of the highest ticket number in bytes: 125 KB at
# a million); `refresh` forgets the oldest read beyond, read again at their next count.
SETS = 1_000
# More tickets changed since a set's snapshot than this, and `refresh` reads the set anew.
REREAD = 50_000

# A set whose snapshot is ahead of the server's transactions (a database restored into another
# cluster) cannot tell which later transactions it saw: it is read again.
_NOT_AHEAD = "pg_snapshot_xmax(as_of::pg_snapshot) <= pg_snapshot_xmax(pg_current_snapshot())"
_KEEP = (
    f"INSERT INTO {TABLE} (kind, key, bits, as_of) VALUES (%s, %s, %s, %s) "
    "ON CONFLICT (kind, key) DO UPDATE SET bits = excluded.bits, as_of = excluded.as_of, "
    f"built_at = now() WHERE NOT {_NOT_AHEAD.replace('as_of', f'{TABLE}.as_of', 1)}"
)

Key = tuple[str, str]  # (kind, key)


def migration() -> list[str]:
    """Migration 38 on PostgreSQL: the sets, the notes of changed tickets and their triggers."""
    changed_columns = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in SCOPE_COLUMNS)
    mine = (
        f"EXISTS (SELECT 1 FROM {CHANGED} WHERE number = {REBUILT} AND xid = pg_current_xact_id())"
    )
    return [
        f'CREATE TABLE IF NOT EXISTS {TABLE} (kind text COLLATE "C" NOT NULL, '
        'key text COLLATE "C" NOT NULL, bits bytea NOT NULL, as_of text COLLATE "C" NOT NULL, '
        "built_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (kind, key))",
        # Stored as they are, out of line: a set of a common word does not compress, and
        # trying costs every read.
        f"ALTER TABLE {TABLE} ALTER COLUMN bits SET STORAGE EXTERNAL",
        f"CREATE TABLE IF NOT EXISTS {CHANGED} (xid xid8 NOT NULL DEFAULT pg_current_xact_id(), "
        "number integer NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS {CHANGED}_xid ON {CHANGED} (xid)",
        "CREATE OR REPLACE FUNCTION ticket_changed_row() RETURNS trigger AS $$ BEGIN "
        f"INSERT INTO {CHANGED} (number) VALUES (NEW.number); RETURN NULL; END $$ "
        "LANGUAGE plpgsql",
        "CREATE OR REPLACE TRIGGER ticket_changed_au AFTER UPDATE OF "
        f"{', '.join(SCOPE_COLUMNS)} ON ticket FOR EACH ROW WHEN ({changed_columns}) "
        "EXECUTE FUNCTION ticket_changed_row()",
        # A search row written (a ticket filed, a message added, the subject changed, a ticket
        # re-indexed) or deleted; not the rows a rebuild inserts after its mark.
        "CREATE OR REPLACE FUNCTION ticket_changed_new() RETURNS trigger AS $$ BEGIN "
        f"IF NOT {mine} THEN INSERT INTO {CHANGED} (number) SELECT number FROM changed_rows; "
        "END IF; RETURN NULL; END $$ LANGUAGE plpgsql",
        "CREATE OR REPLACE TRIGGER ticket_changed_search_ai AFTER INSERT ON ticket_search "
        "REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION ticket_changed_new()",
        # Row by row: a message's trigger updates one search row a statement, and a statement
        # trigger's transition table costs more than the row's note.
        "CREATE OR REPLACE TRIGGER ticket_changed_search_au AFTER UPDATE ON ticket_search "
        "FOR EACH ROW EXECUTE FUNCTION ticket_changed_row()",
        "CREATE OR REPLACE TRIGGER ticket_changed_search_ad AFTER DELETE ON ticket_search "
        "REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION ticket_changed_new()",
        "CREATE OR REPLACE FUNCTION ticket_changed_rebuilt() RETURNS trigger AS $$ BEGIN "
        f"DELETE FROM {TABLE}; INSERT INTO {CHANGED} (number) VALUES ({REBUILT}); "
        "RETURN NULL; END $$ LANGUAGE plpgsql",
        "CREATE OR REPLACE TRIGGER ticket_changed_search_at AFTER TRUNCATE ON ticket_search "
        "FOR EACH STATEMENT EXECUTE FUNCTION ticket_changed_rebuilt()",
    ]


def word_key(word: str, prefix: bool) -> str:
    """The key of a word's set: the word as typed, `*` after a prefix."""
    return f"{word}*" if prefix else word


def _token_where(token: str) -> tuple[str, tuple[object, ...]]:
    """SQL on `ticket` of the tickets a scope token (`scope_words.token`) says."""
    column, value = parse_token(token)
    if value is None:
        return f"{column} IS NULL", ()
    return f"{column} = %s", (value,)


def _members_sql(key: Key) -> tuple[str, tuple[object, ...]]:
    """The SQL of the numbers in a set: a token's tickets, or a word's matches as
    `store.search` asks PostgreSQL for them."""
    kind, name = key
    if kind == TOKEN:
        where, params = _token_where(name)
        return f"SELECT number FROM ticket WHERE {where}", params
    prefix = name.endswith("*")
    word = name[:-1] if prefix else name
    tsquery = tsquery_sql([(word, prefix)])
    return f"SELECT number FROM ticket_search WHERE {kind} @@ {tsquery}", (word,)


def bitset(numbers: Iterable[int]) -> bytearray:
    """The bits of `numbers` (bit n of the little-endian bytes: number n)."""
    numbers = list(numbers)
    bits = bytearray((max(numbers, default=0) >> 3) + 1)
    for n in numbers:
        bits[n >> 3] |= 1 << (n & 7)
    return bits


def build(db: peewee.Database | peewee.DatabaseProxy, keys: Sequence[Key]) -> None:
    """Read the sets `keys` names and keep them (a set another reader kept first stays), each
    with the snapshot it was read in; inside the caller's transaction, which the notes'
    trimming waits for."""
    db.execute_sql("SELECT pg_advisory_xact_lock_shared(%s)", (_LOCK,))
    for key in keys:
        sql, params = _members_sql(key)
        row = db.execute_sql(f"SELECT pg_current_snapshot()::text, ARRAY({sql})", params).fetchone()
        db.execute_sql(_KEEP, (key[0], key[1], bytes(bitset(row[1])), row[0]))


# The columns whose every value's set `build_tokens` reads (not the people's: an assignee's or a
# requester's set is read at its first count).
FEW_VALUES = ("source_id", "usergroup_id", "private", "status", "priority")


def build_tokens(db: peewee.Database | peewee.DatabaseProxy) -> int:
    """Read and keep the sets of every value of FEW_VALUES and of tickets without an assignee
    (a set kept already stays), one scan of the tickets per column, so that first counts find
    them; how many sets were kept. Nothing on SQLite."""
    engine = db.obj if isinstance(db, peewee.DatabaseProxy) else db
    if isinstance(engine, peewee.SqliteDatabase):
        return 0
    kept = 0
    with db.atomic():
        db.execute_sql("SELECT pg_advisory_xact_lock_shared(%s)", (_LOCK,))
        for column in (*FEW_VALUES, "assignee_id"):
            grouped = "assignee_id IS NULL" if column == "assignee_id" else column
            rows = db.execute_sql(
                f"SELECT (SELECT pg_current_snapshot()::text), {grouped}, array_agg(number) "
                f"FROM ticket GROUP BY {grouped}"
            ).fetchall()
            for as_of, value, numbers in rows:
                if column == "assignee_id" and not value:
                    continue  # assigned: a set per person, at its first count
                name = token(column, None if column == "assignee_id" else value)
                kept += db.execute_sql(_KEEP, (TOKEN, name, bytes(bitset(numbers)), as_of)).rowcount
    return kept


class Read(NamedTuple):
    """Sets as one snapshot sees them, the tickets changed since the oldest of them (None:
    more than the bound, or the index rebuilt since), and how many of the changed tickets a
    condition holds for."""

    sets: dict[Key, int]
    changed: list[int] | None
    counted: int


def read(
    db: peewee.Database | peewee.DatabaseProxy,
    keys: Sequence[Key],
    bound: int,
    among_changed: tuple[str, tuple[object, ...]],
) -> Read:
    """In one statement (one snapshot): the sets `keys` names that are kept, the tickets
    changed since any of them was read (at most `bound`), and the count `among_changed` (SQL
    of a count over the tickets `number IN (SELECT number FROM changed)`) gives."""
    count_sql, count_params = among_changed
    wanted = " OR ".join("(kind = %s AND key = %s)" for _ in keys)
    params: list[object] = [part for key in keys for part in key]
    sql = (
        f"WITH sets AS MATERIALIZED (SELECT kind, key, bits, as_of::pg_snapshot AS as_of "
        f"FROM {TABLE} WHERE ({wanted}) AND {_NOT_AHEAD}), "
        "changed AS MATERIALIZED (SELECT DISTINCT c.number FROM "
        f"{CHANGED} c, sets s WHERE c.xid >= pg_snapshot_xmin(s.as_of) "
        "AND NOT pg_visible_in_snapshot(c.xid, s.as_of) LIMIT %s) "
        "SELECT kind, key, bits, (SELECT array_agg(number) FROM changed), "
        f"({count_sql}) FROM sets"
    )
    rows = db.execute_sql(sql, (*params, bound + 1, *count_params)).fetchall()
    if not rows:
        return Read({}, [], 0)
    changed = list(rows[0][3] or [])
    usable = len(changed) <= bound and REBUILT not in changed
    sets = {(kind, key): int.from_bytes(bits, "little") for kind, key, bits, _, _ in rows}
    return Read(sets, changed if usable else None, int(rows[0][4]))


def refresh(db: peewee.Database | peewee.DatabaseProxy) -> int:
    """Bring every set to a newer snapshot over the tickets changed since its own (read anew
    where too many changed, dropped where the index was rebuilt since or the snapshot is ahead
    of the server's, the oldest beyond SETS forgotten), then forget the notes every set sees;
    how many sets were written. A set another refresh wrote meanwhile is left as it wrote it."""
    written = 0
    with db.atomic():
        rows = db.execute_sql(
            f"SELECT kind, key, as_of, {_NOT_AHEAD}, pg_current_snapshot()::text, "
            "ARRAY(SELECT DISTINCT "
            f"c.number FROM {CHANGED} c WHERE c.xid >= pg_snapshot_xmin(as_of::pg_snapshot) "
            "AND NOT pg_visible_in_snapshot(c.xid, as_of::pg_snapshot)) "
            f"FROM {TABLE} ORDER BY built_at DESC"
        ).fetchall()
        for kept, (kind, key, as_of, usable, now, changed) in enumerate(rows):
            if REBUILT in changed or kept >= SETS or not usable:
                db.execute_sql(
                    f"DELETE FROM {TABLE} WHERE kind = %s AND key = %s AND as_of = %s",
                    (kind, key, as_of),
                )
            elif changed:
                written += _moved_on(db, (kind, key), as_of, now, changed)
    with db.atomic():  # the notes every set sees, once no set is being read
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
        db.execute_sql(
            f"DELETE FROM {CHANGED} WHERE xid < coalesce((SELECT min(pg_snapshot_xmin("
            f"as_of::pg_snapshot)) FROM {TABLE}), pg_snapshot_xmin(pg_current_snapshot()))"
        )
    return written


def _moved_on(
    db: peewee.Database | peewee.DatabaseProxy,
    key: Key,
    as_of: str,
    now: str,
    changed: list[int],
) -> int:
    """One set's changed tickets set or cleared as they are now, its snapshot moved to `now`
    (a ticket changed after `now` is changed since it, whatever its bit says)."""
    sql, params = _members_sql(key)
    if len(changed) > REREAD:
        row = db.execute_sql(f"SELECT pg_current_snapshot()::text, ARRAY({sql})", params)
        now, members = row.fetchone()
        bits = bitset(members)
    else:
        found = db.execute_sql(
            f"SELECT bits, ARRAY(SELECT number FROM ({sql}) m WHERE number = ANY(%s)) "
            f"FROM {TABLE} WHERE kind = %s AND key = %s",
            (*params, changed, *key),
        ).fetchone()
        bits = bytearray(found[0])
        members = set(found[1])
        top = max(changed) >> 3
        if top >= len(bits):
            bits.extend(bytes(top + 1 - len(bits)))
        for n in changed:
            if n in members:
                bits[n >> 3] |= 1 << (n & 7)
            else:
                bits[n >> 3] &= ~(1 << (n & 7)) & 0xFF
    cursor = db.execute_sql(
        f"UPDATE {TABLE} SET bits = %s, as_of = %s WHERE kind = %s AND key = %s AND as_of = %s",
        (bytes(bits), now, *key, as_of),
    )
    return int(cursor.rowcount)
