"""The only place for SQL that differs between SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import Any, TypeVar

import peewee

from store import scope_words, search_held
from store.letters import fold, fold_sql
from store.words import NOTE


def is_sqlite(db: peewee.Database | peewee.DatabaseProxy) -> bool:
    if isinstance(db, peewee.DatabaseProxy):
        db = db.obj
    return isinstance(db, peewee.SqliteDatabase)


def audit_append_only(db: peewee.Database) -> list[str]:
    """Triggers that refuse UPDATE and DELETE on the audit log (and TRUNCATE on PostgreSQL,
    which row triggers do not see); the error is an integrity violation on both."""
    if is_sqlite(db):
        return [
            f"CREATE TRIGGER IF NOT EXISTS audit_no_{verb} BEFORE {verb.upper()} ON audit_event "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
            for verb in ("update", "delete")
        ]
    return [
        "CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'the audit log is append-only' "
        "USING ERRCODE = 'integrity_constraint_violation'; END; $$ LANGUAGE plpgsql",
        "CREATE OR REPLACE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
        "CREATE OR REPLACE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
    ]


def search_index(db: peewee.Database) -> list[str]:
    """One full-text document per ticket (FTS5 on SQLite), its rowid the ticket number:
    the subject, the public conversation (customer messages and replies) and the internal
    notes as three columns, so a search is one index lookup and notes can be left out by
    column. Triggers keep it in step. PostgreSQL: `postgres_search`.
    """
    if not is_sqlite(db):
        return []
    return [
        search_table("ticket_search"),
        scope_words.stale_table(),
        SEARCH_DEFERRED_TABLE,
        *search_triggers().values(),
    ]


def search_table(name: str) -> str:
    """The FTS5 table of the documents: the words a person searches in three columns, and
    the ticket's scope as tokens (`store.scope_words`), which no search of words reads."""
    return (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {name} USING fts5("
        "subject, public, notes, scope, tokenize='unicode61 remove_diacritics 2')"
    )


# The columns of a document a search of words reads.
WORD_COLUMNS = "subject public notes"


# A row here, written inside a write transaction (`search_indexed_once`), holds back the
# triggers of a new ticket's document and a new message's words until its end; no other
# connection ever sees the row.
SEARCH_DEFERRED = "ticket_search_deferred"
SEARCH_DEFERRED_TABLE = f"CREATE TABLE IF NOT EXISTS {SEARCH_DEFERRED} (held INTEGER NOT NULL)"
_UNLESS_DEFERRED = f"WHEN NOT EXISTS (SELECT 1 FROM {SEARCH_DEFERRED}) "


def search_triggers() -> dict[str, str]:
    """SQLite: the triggers keeping `ticket_search` in step, by name, their text folded as
    `letters` says."""
    subject, body = fold_sql("new.subject"), fold_sql("new.body")
    return {
        "ticket_search_ai": "CREATE TRIGGER IF NOT EXISTS ticket_search_ai AFTER INSERT ON ticket "
        f"{_UNLESS_DEFERRED}BEGIN INSERT INTO ticket_search(rowid, subject, public, notes, scope) "
        f"VALUES (new.number, {subject}, '', '', {scope_words.scope_tokens('new')}); END",
        "ticket_search_au": "CREATE TRIGGER IF NOT EXISTS ticket_search_au "
        "AFTER UPDATE OF subject ON ticket BEGIN "
        f"UPDATE ticket_search SET subject = {subject} WHERE rowid = new.number; END",
        "ticket_search_ad": "CREATE TRIGGER IF NOT EXISTS ticket_search_ad AFTER DELETE ON ticket "
        "BEGIN DELETE FROM ticket_search WHERE rowid = old.number; "
        f"DELETE FROM {scope_words.STALE} WHERE number = old.number; END",
        "ticket_search_stale_au": scope_words.stale_trigger(),
        "message_search_ai": "CREATE TRIGGER IF NOT EXISTS message_search_ai "
        f"AFTER INSERT ON message {_UNLESS_DEFERRED}BEGIN UPDATE ticket_search SET "
        f"public = CASE WHEN new.kind = 'note' THEN public ELSE public || ' ' || {body} END, "
        f"notes = CASE WHEN new.kind = 'note' THEN notes || ' ' || {body} ELSE notes END "
        "WHERE rowid = new.ticket_id; END",
    }


# Words as both backends compare them: lower case, accents folded, `simple` (no stemming, no
# stop words), like FTS5's unicode61 tokenizer with remove_diacritics.
_PG_WORDS = (
    "CREATE OR REPLACE FUNCTION ticketty_words(text) RETURNS tsvector AS $$ "
    "SELECT to_tsvector('simple'::regconfig, unaccent($1)) $$ LANGUAGE sql STABLE"
)
_PG_DOCUMENT = (
    # One ticket's two documents, from scratch: the public one (subject and every message but
    # notes) and the whole one (notes too).
    "CREATE OR REPLACE FUNCTION ticketty_index_ticket(n integer) RETURNS void AS $$ "
    "INSERT INTO ticket_search (number, public, everything) "
    "SELECT t.number, ticketty_words(t.subject || ' ' || coalesce(string_agg(m.body, ' ') "
    "FILTER (WHERE m.kind <> 'note'), '')), "
    "ticketty_words(t.subject || ' ' || coalesce(string_agg(m.body, ' '), '')) "
    "FROM ticket t LEFT JOIN message m ON m.ticket_id = t.number WHERE t.number = n "
    "GROUP BY t.number, t.subject "
    "ON CONFLICT (number) DO UPDATE SET public = excluded.public, everything = excluded.everything"
    " $$ LANGUAGE sql VOLATILE"
)


_PG_SEARCH_INDEXES = (
    "CREATE INDEX IF NOT EXISTS ticket_search_public ON ticket_search USING gin (public)",
    "CREATE INDEX IF NOT EXISTS ticket_search_everything ON ticket_search USING gin (everything)",
)


def postgres_search() -> list[str]:
    """Full-text search on PostgreSQL with the meaning of SQLite's: one row of two `tsvector`s
    per ticket (public text; everything, notes included), GIN-indexed, kept by triggers."""
    return [
        "CREATE EXTENSION IF NOT EXISTS unaccent",
        _PG_WORDS,
        "CREATE TABLE IF NOT EXISTS ticket_search ("
        "number integer PRIMARY KEY REFERENCES ticket (number) ON DELETE CASCADE, "
        "public tsvector NOT NULL, everything tsvector NOT NULL)",
        *_PG_SEARCH_INDEXES,
        _PG_DOCUMENT,
        "CREATE OR REPLACE FUNCTION ticket_search_ticket() RETURNS trigger AS $$ BEGIN "
        "PERFORM ticketty_index_ticket(NEW.number); RETURN NULL; END $$ LANGUAGE plpgsql",
        "CREATE OR REPLACE TRIGGER ticket_search_au AFTER UPDATE OF subject ON ticket "
        "FOR EACH ROW WHEN (OLD.subject IS DISTINCT FROM NEW.subject) "
        "EXECUTE FUNCTION ticket_search_ticket()",
        *search_held.triggers(),
        search_held.message_trigger(),
    ]


def postgres_text_columns(db: peewee.Database) -> list[str]:
    """Text columns of databases made before text was TEXT COLLATE "C" there: unbounded (the
    application sets lengths) and ordered bytewise as on SQLite, whatever the server's locale."""
    rows = db.execute_sql(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND data_type IN ('character varying', 'text') "
        "AND (data_type <> 'text' OR collation_name IS DISTINCT FROM 'C')"
    ).fetchall()
    return [
        f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE text COLLATE "C"'
        for table, column in rows
    ]


# Every change writes an audit event: one notification per committed write transaction
# (PostgreSQL folds identical notifications of a transaction into one).
CHANGE_CHANNEL = "ticketty_change"
POSTGRES_CHANGE_SIGNAL = (
    "CREATE OR REPLACE FUNCTION ticketty_notify_change() RETURNS trigger AS $$ BEGIN "
    f"PERFORM pg_notify('{CHANGE_CHANNEL}', ''); RETURN NULL; END $$ LANGUAGE plpgsql",
    "CREATE OR REPLACE TRIGGER audit_change_signal AFTER INSERT ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION ticketty_notify_change()",
)

# Presence rows changing wake the sessions that show presence; a heartbeat (an UPDATE of
# `seen_at` alone) does not.
POSTGRES_PRESENCE_SIGNAL = (
    "CREATE OR REPLACE TRIGGER presence_change_signal "
    "AFTER INSERT OR DELETE OR UPDATE OF seq ON presence "
    "FOR EACH STATEMENT EXECUTE FUNCTION ticketty_notify_change()"
)

# The triggers a batch of mail holds back (`search_indexed_once`).
_BATCHED_TRIGGERS = ("ticket_search_ai", "message_search_ai")


@contextmanager
def search_indexed_once(
    db: peewee.Database | peewee.DatabaseProxy,
) -> Iterator[Callable[[], None]]:
    """SQLite, inside a write transaction filing many tickets and messages (a mail import's
    batch): their words go into the search documents at its end, one write per ticket, instead
    of the triggers writing a new ticket's document and then rewriting the whole of it for each
    message (FTS5 parses every word of a document again to take it out, and writes its pending
    index out as a segment when a document written in the transaction is written again).

    The two triggers are held back by a row of `SEARCH_DEFERRED` for the block, deleted before
    it ends, in the same transaction: no other connection sees the row (the writer holds the
    write lock, and a failure rolls it back with the rest), and the schema never changes, so
    other connections keep their prepared statements. Each document is what the triggers would
    have left: a new ticket's with its subject and its scope as the ticket had it when filed
    (`ticket_search_stale` holds that scope when it changed since), every new message's folded
    text after a space, in order of id, in `public`, a note's in `notes`. Where the triggers
    are not those `search_triggers` makes (set aside, or another form), the block runs as it
    is. It gives the block what writes the documents of the tickets filed so far, which on
    SQLite waits for the end (PostgreSQL: `store.search_held.indexed_once`)."""
    if isinstance(db, peewee.DatabaseProxy):
        db = db.obj
    assert isinstance(db, peewee.Database)
    if not is_sqlite(db):
        with search_held.indexed_once(db) as index_so_far:
            yield index_so_far
        return
    if not all(_trigger_is_ours(db, name) for name in _BATCHED_TRIGGERS):
        yield _at_the_end
        return
    (tickets,) = db.execute_sql("SELECT coalesce(max(number), 0) FROM ticket").fetchone()
    (messages,) = db.execute_sql("SELECT coalesce(max(id), 0) FROM message").fetchone()
    db.execute_sql(f"INSERT INTO {SEARCH_DEFERRED} (held) VALUES (1)")
    release = f"DELETE FROM {SEARCH_DEFERRED}"
    try:
        yield _at_the_end
    except BaseException:
        with suppress(peewee.DatabaseError, sqlite3.Error):  # a rollback takes it out as well
            db.execute_sql(release)
        raise
    db.execute_sql(release)
    _index_filed_after(db, tickets, messages)


@contextmanager
def messages_indexed_once(db: peewee.Database | peewee.DatabaseProxy) -> Iterator[None]:
    """PostgreSQL, inside a write transaction adding messages to tickets that have documents
    (a chunk of rules' notes and replies, several on a ticket): their words go into the
    documents at its end, each ticket's written once (`store.search_held`). Nothing on SQLite:
    its trigger rewrites a ticket's document for each message there too, but its mail import
    with rules, where a chunk writes several messages on a ticket, meets its goal without
    holding them."""
    if isinstance(db, peewee.DatabaseProxy):
        db = db.obj
    assert isinstance(db, peewee.Database)
    if is_sqlite(db):
        yield
        return
    with search_held.messages_indexed_once(db):
        yield


def _at_the_end() -> None:
    """SQLite's documents of the tickets filed so far: written at the block's end, in one go."""


def _trigger_is_ours(db: peewee.Database, name: str) -> bool:
    found = db.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (name,)
    ).fetchone()
    return found is not None and found[0] == search_triggers()[name].replace(" IF NOT EXISTS", "")


def _index_filed_after(db: peewee.Database, tickets: int, messages: int) -> None:
    """The tickets numbered above `tickets` given their documents, and the messages numbered
    above `messages` appended to their tickets' documents as the message trigger appends each:
    one write per ticket, in order of number."""
    texts: dict[int, tuple[list[str], list[str]]] = {}
    for ticket, kind, body in db.execute_sql(
        "SELECT ticket_id, kind, body FROM message WHERE id > ? ORDER BY id", (messages,)
    ):
        public, notes = texts.setdefault(ticket, ([], []))
        (notes if kind == NOTE else public).append(" " + fold(body))
    filed = [n for (n,) in db.execute_sql("SELECT number FROM ticket WHERE number > ?", (tickets,))]
    for number in filed:
        texts.setdefault(number, ([], []))
    rows = [("".join(p), "".join(n), number) for number, (p, n) in sorted(texts.items())]
    scope = f"{scope_words.STALE} z WHERE z.number = t.number"
    db.cursor().executemany(
        "INSERT INTO ticket_search(rowid, subject, public, notes, scope) "
        f"SELECT t.number, {fold_sql('t.subject')}, ?, ?, coalesce((SELECT "
        f"{scope_words.scope_tokens('z')} FROM {scope}), {scope_words.scope_tokens('t')}) "
        "FROM ticket t WHERE t.number = ?",
        [row for row in rows if row[2] > tickets],
    )
    db.cursor().executemany(
        "UPDATE ticket_search SET public = public || ?, notes = notes || ? WHERE rowid = ?",
        [row for row in rows if row[2] <= tickets],
    )


# The rebuild folds with a function it registers on its own connection (`rebuild_search`):
# str.translate over every ticket's text costs a sixth of the triggers' replace() chains.
_FOLD_FUNCTION = "ticketty_fold"
REBUILD_SEARCH = (
    "DELETE FROM ticket_search",
    f"DELETE FROM {scope_words.STALE}",
    "INSERT INTO ticket_search(rowid, subject, public, notes, scope) "
    f"SELECT t.number, {_FOLD_FUNCTION}(t.subject), "
    f"{_FOLD_FUNCTION}(coalesce((SELECT group_concat(m.body, ' ') FROM message m "
    "WHERE m.ticket_id = t.number AND m.kind != 'note'), '')), "
    f"{_FOLD_FUNCTION}(coalesce((SELECT group_concat(m.body, ' ') FROM message m "
    "WHERE m.ticket_id = t.number AND m.kind = 'note'), '')), "
    f"{scope_words.scope_tokens('t')} FROM ticket t",
)


# The whole document is the public one with the notes' words added (as the message trigger
# adds each message's): the public text is parsed once. OFFSET 0 keeps PostgreSQL from
# inlining the subquery, which would parse it twice again. The GIN indexes are built once
# after, not entry by entry.
REBUILD_POSTGRES_SEARCH = (
    "TRUNCATE ticket_search",
    "DROP INDEX IF EXISTS ticket_search_public",
    "DROP INDEX IF EXISTS ticket_search_everything",
    "INSERT INTO ticket_search (number, public, everything) "
    "SELECT number, public, CASE WHEN notes IS NULL THEN public "
    "ELSE public || ticketty_words(notes) END FROM ("
    "SELECT t.number, ticketty_words(t.subject || ' ' || coalesce(m.public, '')) AS public, "
    "m.notes FROM ticket t LEFT JOIN (SELECT ticket_id, "
    "string_agg(body, ' ') FILTER (WHERE kind <> 'note') AS public, "
    "string_agg(body, ' ') FILTER (WHERE kind = 'note') AS notes "
    "FROM message GROUP BY ticket_id) m ON m.ticket_id = t.number OFFSET 0) AS d",
    *_PG_SEARCH_INDEXES,
)


def add_search_documents(
    db: peewee.Database, documents: Iterable[tuple[int, str, str, str | None]]
) -> None:
    """SQLite: search documents of tickets loaded in bulk, indexed as they come, each (number,
    subject, its messages' text but notes, its notes' text or None when it has none), the
    texts joined in the order of the messages as `rebuild_search` joins them. Tickets the
    index holds already are not to be given."""
    assert is_sqlite(db), "PostgreSQL parses the documents in the server: rebuild_search"
    given = list(documents)
    numbers = [number for number, *_ in given]
    # The tickets' scope read in one statement: an INSERT ... SELECT into FTS5 per document
    # costs several times the insert of its values.
    scopes = dict(
        db.execute_sql(
            f"SELECT t.number, {scope_words.scope_tokens('t')} FROM ticket t "
            "WHERE t.number IN (SELECT value FROM json_each(?))",
            ("[" + ",".join(map(str, numbers)) + "]",),
        ).fetchall()
    )
    insert_search_documents(db, given, scopes)
    scope_words.forget_stale(db, numbers)


def insert_search_documents(
    db: peewee.Database,
    documents: list[tuple[int, str, str, str | None]],
    scopes: dict[int, str],
) -> None:
    """SQLite: documents (as `add_search_documents` takes them) written into `ticket_search`
    with their scope text by number, in `db`'s file or a file of its own
    (`store.search_apart`)."""
    db.cursor().executemany(
        "INSERT INTO ticket_search(rowid, subject, public, notes, scope) VALUES (?, ?, ?, ?, ?)",
        (
            (n, fold(s), fold(p), "" if t is None else fold(t), scopes[n])
            for n, s, p, t in documents
        ),
    )


@contextmanager
def search_merged_once(db: peewee.Database) -> Iterator[None]:
    """SQLite: documents added in bulk inside are merged once, after them, into one segment,
    instead of FTS5 merging its segments as they come (one a commit); a level of 256 segments
    is merged then as FTS5 merges any level of `crisismerge` segments. Afterwards its merge
    settings are FTS5's defaults again."""
    if not is_sqlite(db):
        yield
        return
    _search_setting(db, "automerge", 0)
    _search_setting(db, "crisismerge", 256)
    try:
        yield
        db.execute_sql("INSERT INTO ticket_search(ticket_search) VALUES ('optimize')")
    finally:
        _search_setting(db, "automerge", 4)
        _search_setting(db, "crisismerge", 16)


def _search_setting(db: peewee.Database, name: str, value: int) -> None:
    db.execute_sql("INSERT INTO ticket_search(ticket_search, rank) VALUES (?, ?)", (name, value))


def rebuild_search(db: peewee.Database) -> None:
    """Re-index every ticket (after bulk loads that bypassed the triggers)."""
    if not is_sqlite(db):
        for statement in REBUILD_POSTGRES_SEARCH:
            db.execute_sql(statement)
        return
    # Registered on this connection only; the triggers never call it, so other programs
    # writing the file need nothing of ours.
    db.connection().create_function(_FOLD_FUNCTION, 1, fold, deterministic=True)
    for statement in REBUILD_SEARCH:
        db.execute_sql(statement)


def reindex_tickets(db: peewee.Database | peewee.DatabaseProxy, numbers: list[int]) -> None:
    """Index these tickets' documents anew from their messages (after messages moved between
    tickets, which the insert triggers do not see). Inside the caller's transaction."""
    if not is_sqlite(db):
        for number in numbers:
            db.execute_sql("SELECT ticketty_index_ticket(%s)", (number,))
        return
    text = "coalesce((SELECT group_concat(m.body, ' ') FROM message m WHERE m.ticket_id = ?{}), '')"
    public, notes = (
        fold_sql(text.format(" AND m.kind != 'note'")),
        fold_sql(text.format(" AND m.kind = 'note'")),
    )
    for number in numbers:
        db.execute_sql(
            f"UPDATE ticket_search SET public = {public}, notes = {notes} WHERE rowid = ?",
            (number, number, number),
        )


_SEARCH_TRIGGERS = ("ticket_search_ai", "message_search_ai")


def without_search_triggers(db: peewee.Database) -> AbstractContextManager[None]:
    """Inserts without the per-row full-text triggers; the caller rebuilds the index after.

    The triggers are put back even when the load fails, so later writes stay indexed."""
    return triggers_aside(
        db,
        sqlite=(_SEARCH_TRIGGERS, lambda: [search_triggers()[n] for n in _SEARCH_TRIGGERS]),
        postgres=(("ticket", "ticket_search_ai"), ("message", "message_search_ai")),
    )


@contextmanager
def triggers_aside(
    db: peewee.Database,
    *,
    sqlite: tuple[Sequence[str], Callable[[], Iterable[str]]],
    postgres: Sequence[tuple[str, str]],
    then: Callable[[], None] = lambda: None,
) -> Iterator[None]:
    """Bulk writes inside leave per-row triggers alone; after them, also when they fail, the
    triggers are back and `then` (what the triggers would have kept, done anew once: an index
    rebuilt, a tally counted) has run, in one transaction.

    SQLite drops the triggers, `sqlite` naming them and giving the statements that make them
    again; PostgreSQL disables and enables the triggers `postgres` names (table, trigger)."""
    if is_sqlite(db):
        names, remake = sqlite
        aside = [f"DROP TRIGGER IF EXISTS {name}" for name in names]
    else:
        aside = [f"ALTER TABLE {table} DISABLE TRIGGER {name}" for table, name in postgres]
    for statement in aside:
        db.execute_sql(statement)
    try:
        yield
    finally:
        with db.atomic():
            if is_sqlite(db):
                back = list(remake())
            else:
                back = [f"ALTER TABLE {table} ENABLE TRIGGER {name}" for table, name in postgres]
            for statement in back:
                db.execute_sql(statement)
            then()


M = TypeVar("M", bound=peewee.Model)


def for_change(query: peewee.ModelSelect[M]) -> peewee.ModelSelect[M]:
    """`query` locking the rows of its model it reads until the transaction ends (SELECT ...
    FOR UPDATE OF, so outer-joined lookups stay unlocked), where the database has row locks;
    SQLite's write lock covers the whole file."""
    if not query.model._meta.database.for_update:
        return query
    return query.for_update(of=query.model)


def read_head(column: peewee.Field, row_id: int, size: int) -> bytes:
    """The first `size` bytes of the value of `column` in the row `row_id` (its primary key),
    without reading the rest (`read_slice`)."""
    return read_slice(column, row_id, 0, size)


def read_slice(column: peewee.Field, row_id: int, start: int, size: int) -> bytes:
    """`size` bytes of the value of `column` in the row `row_id` (its primary key) from byte
    `start` (fewer past its end), without reading the rest: SQLite through its incremental
    blob I/O (`substr` would read every page of the value), PostgreSQL by `substr` (a slice
    of the stored value)."""
    db = column.model._meta.database
    if isinstance(db, peewee.DatabaseProxy):
        db = db.obj
    if not is_sqlite(db):
        piece = column.model.select(peewee.fn.substr(column, start + 1, size))
        return bytes(piece.where(column.model._meta.primary_key == row_id).scalar() or b"")
    table, name = column.model._meta.table_name, column.column_name
    try:
        with db.connection().blobopen(table, name, row_id, readonly=True) as blob:
            if start >= len(blob):
                return b""
            blob.seek(start)
            return bytes(blob.read(size))
    except sqlite3.OperationalError:  # no such row (any longer)
        return b""


def write_in_chunks(column: peewee.Field, row_id: int, size: int, chunks: Iterable[bytes]) -> None:
    """Write a value of `size` bytes into `column` of the row `row_id` (its primary key) a
    chunk at a time, inside the caller's transaction, never holding the value whole: SQLite
    writes into a zeroblob of that size through its incremental blob I/O, PostgreSQL appends
    each chunk to the bytea value, bound on the server (the connection's client-side binding
    would write each chunk into the SQL text, and psycopg keeps recent SQL texts)."""
    db = column.model._meta.database
    if isinstance(db, peewee.DatabaseProxy):
        db = db.obj
    table, name = column.model._meta.table_name, column.column_name
    key = column.model._meta.primary_key.column_name
    written = 0
    if is_sqlite(db):
        db.execute_sql(
            f'UPDATE "{table}" SET "{name}" = zeroblob(?) WHERE "{key}" = ?', (size, row_id)
        )
        with db.connection().blobopen(table, name, row_id) as blob:
            for chunk in chunks:
                blob.write(chunk)
                written += len(chunk)
    else:
        import psycopg

        with psycopg.Cursor(db.connection()) as cursor:
            cursor.execute(f'UPDATE "{table}" SET "{name}" = \'\' WHERE "{key}" = %s', (row_id,))
            for chunk in chunks:
                cursor.execute(
                    f'UPDATE "{table}" SET "{name}" = "{name}" || %b WHERE "{key}" = %s',
                    (chunk, row_id),
                    prepare=False,
                )
                written += len(chunk)
    if written != size:
        raise ValueError(f"{written} bytes written where {size} were expected")


# The statements prepared on each PostgreSQL connection (the driver's), by their SQL text.
_prepared: weakref.WeakKeyDictionary[Any, dict[str, str]] = weakref.WeakKeyDictionary()


def prepared(db: peewee.Database, sql: str, params: Sequence[object]) -> tuple[str, list[object]]:
    """What to run for `sql` (with `%s` placeholders, no other `%`) and its `params`: on
    PostgreSQL an EXECUTE of it, prepared on the connection the first time it is run there, so
    the server plans it once per connection instead of at every run (a statement run on every
    request, whose planning costs more than its reading); on SQLite `sql` itself, whose compiled
    statements the driver already keeps. The PREPARE is not Peewee's `execute_sql`, so a count
    of a request's statements sees one statement either way; a prepared statement outlives a
    rolled-back transaction, and goes with its connection."""
    if isinstance(db, peewee.SqliteDatabase):
        return sql, list(params)
    connection = db.connection()
    names = _prepared.setdefault(connection, {})
    name = names.get(sql)
    if name is None:
        name = f"ticketty_{len(names) + 1}"
        numbered = sql.split("%s")
        text = numbered[0] + "".join(f"${i}{part}" for i, part in enumerate(numbered[1:], 1))
        with peewee.__exception_wrapper__:  # type: ignore[attr-defined]
            connection.execute(f"PREPARE {name} AS {text}")
        names[sql] = name
    return f"EXECUTE {name}({', '.join(['%s'] * len(params))})", list(params)
