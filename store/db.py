"""Opening the database: a SQLite file (the default) or a PostgreSQL URL.

The settings follow ../shared/RELIABILITY.md: WAL, foreign keys, a busy timeout and IMMEDIATE
write transactions, so that several agents on one file never see "database is locked".
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import peewee

from store.errors import EXIT_DATABASE, TickettyError
from store.locations import default_database_location  # noqa: F401  # named here too
from store.models import SchemaVersion, database_proxy
from store.schema_versions import VERSIONS
from store.turns import Turn, WriterTurns

# Seconds a writer waits for its turn, and then for SQLite's lock (held only by a writer that
# does not take turns: another program, or an older Ticketty).
WRITE_TIMEOUT = 15
WRITE_LOCK = "IMMEDIATE"
# How a PostgreSQL URL begins (`store.postgres`); anything else is a SQLite file.
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


SQLITE_PRAGMAS: dict[str, object] = {
    "journal_mode": "wal",
    "synchronous": "full",
    "foreign_keys": 1,
    "busy_timeout": WRITE_TIMEOUT * 1000,
    # 16 MB per connection, and each worker thread has its own: at 64 MB, a session at a
    # million tickets grew to 250 MB resident; at 16 MB, 97 MB, with no figure of
    # `python -m bench` slower beyond its noise (the file stays in the OS page cache).
    "cache_size": -16000,
    "temp_store": "memory",
    "journal_size_limit": 64 * 2**20,
}


class DatabaseError(TickettyError):
    """The database cannot be opened or written; the message is meant for a person."""

    exit_code = EXIT_DATABASE


def is_postgres(location: str) -> bool:
    return location.startswith(POSTGRES_SCHEMES)


def shown(location: str) -> str:
    """`location` as it may be printed: a URL without its password."""
    if not is_postgres(location):
        return location
    try:
        from store import postgres

        return postgres.parse(location).shown()
    except postgres.BadLocation:
        return "the PostgreSQL URL"


def connect(location: str, *, create: bool = False) -> peewee.Database:
    """Open `location`, bind the models to it and bring its schema up to date.

    A missing SQLite file is an error unless `create` is true: a typo in `--db` must not
    silently start an empty helpdesk. A PostgreSQL database must exist (`createdb`).
    """
    db = _postgres(location) if is_postgres(location) else _sqlite(location, create=create)
    database_proxy.initialize(db)
    try:
        db.connect(reuse_if_open=True)
        if not _current(db):
            from store.schema import migrate  # every model module: a current database needs none

            migrate(db)
            _mark(db)
    except (peewee.DatabaseError, peewee.ImproperlyConfigured) as exc:
        db.close()
        raise DatabaseError(_connect_failure(location, exc)) from exc
    return db


def reopened(location: str) -> peewee.Database:
    """The database at `location`, which another process has just opened with `connect` (the
    start's opening reader, `ticketty.opening_read`): the models bound to it, no statement run
    (each thread connects as it first asks)."""
    db = _postgres(location) if is_postgres(location) else TurnTakingSqliteDatabase(location)
    database_proxy.initialize(db)
    return db


def _postgres(location: str) -> peewee.Database:
    from store import postgres  # a PostgreSQL URL's: a SQLite start never loads it

    try:
        return postgres.open_database(postgres.parse(location))
    except postgres.BadLocation as exc:
        raise DatabaseError(str(exc)) from None


def _connect_failure(location: str, exc: BaseException) -> str:
    if is_postgres(location):
        from store import postgres

        message = postgres.describe(postgres.parse(location), exc)
        if message:
            return message
    return describe_failure(shown(location), exc)


def _sqlite(location: str, *, create: bool) -> peewee.SqliteDatabase:
    path = Path(location).expanduser()
    if not path.exists():
        if not create:
            raise DatabaseError(
                f"no database at {path}; create one with `ticketty init --admin NAME` "
                "or `ticketty demo`"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
    elif path.is_dir():
        raise DatabaseError(f"{path} is a folder, not a database file")
    else:
        refuse_unless_regular(path)
        if not (create and path.stat().st_size == 0):
            refuse_foreign_file(path)
    return TurnTakingSqliteDatabase(str(path))


def refuse_unless_regular(path: Path) -> None:
    """A pipe, a socket or a device is refused before it is opened: opening a FIFO waits for
    a writer that never comes."""
    if not path.is_file():
        raise DatabaseError(
            f"{path} is not a regular file (a pipe, socket or device); a database is a file"
        )


class TurnTakingSqliteDatabase(peewee.SqliteDatabase):
    """A SQLite file whose write transactions take turns (`store.turns`) instead of polling
    for SQLite's lock; reads and deferred transactions never wait for a turn."""

    def __init__(self, path: str, *, write_timeout: float = WRITE_TIMEOUT) -> None:
        super().__init__(path, timeout=write_timeout, pragmas=SQLITE_PRAGMAS, lock_type=WRITE_LOCK)
        self.turns = WriterTurns(path, write_timeout)
        self._held = threading.local()

    def begin(self, lock_type: str | None = None) -> None:
        lock_type = lock_type or WRITE_LOCK
        if lock_type.upper() not in ("IMMEDIATE", "EXCLUSIVE") or self._turn() is not None:
            super().begin(lock_type)
            return
        turn = self.turns.take()
        try:
            super().begin(lock_type)
        except BaseException:
            if turn is not None:
                turn.give_back()
            raise
        self._held.turn = turn

    def commit(self) -> None:
        super().commit()  # a failed COMMIT keeps the turn until its ROLLBACK
        self._give_back()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._give_back()

    def _turn(self) -> Turn | None:
        return getattr(self._held, "turn", None)

    def _give_back(self) -> None:
        turn = self._turn()
        if turn is not None:
            self._held.turn = None
            turn.give_back()


# `PRAGMA application_id` of every Ticketty SQLite file ("Tckt"): another program's database,
# or an empty file, is refused before anything is written to it (not even WAL mode).
APPLICATION_ID = 0x54636B74


def is_ticketty_file(path: Path) -> bool:
    """True for a SQLite file Ticketty made: marked with its application id, or made before
    files were marked (it has Ticketty's schema table and no other program's id)."""
    try:
        probe = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        (application_id,) = probe.execute("PRAGMA application_id").fetchone()
        if application_id == APPLICATION_ID:
            return True
        tables = {row[0] for row in probe.execute("SELECT name FROM sqlite_master")}
        return application_id == 0 and SchemaVersion._meta.table_name in tables
    except sqlite3.Error:
        return False
    finally:
        probe.close()


def refuse_foreign_file(path: Path) -> None:
    refuse_unless_regular(path)
    if not is_ticketty_file(path):
        raise DatabaseError(
            f"{path} is not a Ticketty database or is damaged; Ticketty writes only to its own "
            "files (`ticketty init` or `ticketty demo` makes one)"
        )


def _current(db: peewee.Database) -> bool:
    """Whether the database holds every migration of this version (`store.schema`) and, a
    SQLite file, Ticketty's mark (`_mark`), asked in one statement: what every start of an
    up-to-date database costs. One that cannot answer (no version table yet) is not."""
    sqlite = isinstance(db, peewee.SqliteDatabase)
    mark = "(SELECT application_id FROM pragma_application_id())" if sqlite else APPLICATION_ID
    table = SchemaVersion._meta.table_name
    try:
        rows = db.execute_sql(f'SELECT {mark}, "version" FROM "{table}"').fetchall()
    except peewee.DatabaseError:
        return False
    applied = {version for _mark_id, version in rows}
    marked = all(mark_id == APPLICATION_ID for mark_id, _version in rows)
    return bool(rows) and marked and all(version in applied for version in VERSIONS)


def _mark(db: peewee.Database) -> None:
    """Set the application id on a new file, or on one made before files were marked."""
    if isinstance(db, peewee.SqliteDatabase):
        (current,) = db.execute_sql("PRAGMA application_id").fetchone()
        if current != APPLICATION_ID:
            db.execute_sql(f"PRAGMA application_id = {APPLICATION_ID}")


def describe_failure(location: str, exc: BaseException) -> str:
    """Turn a driver error into one sentence; disk-full hides deep in the exception chain.
    `location` is shown without its password (`shown`), and the password is taken out of the
    error's text too."""
    secret_free = without_password(location, str(exc))
    location = shown(location)
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    text = " | ".join(str(e) for e in chain).lower()
    if "disk is full" in text or "database or disk is full" in text:
        return f"the disk holding {location} is full; nothing was written"
    if "readonly" in text or "read-only" in text or "attempt to write" in text:
        return f"{location} is read-only; nothing was written"
    if "not a database" in text or "malformed" in text or "file is encrypted" in text:
        return f"{location} is not a Ticketty database or is damaged"
    if "unable to open" in text:
        return f"cannot open {location}"
    return f"database error on {location}: {secret_free}"


def without_password(location: str, text: str) -> str:
    """`text` with the password of `location` (a PostgreSQL URL), raw or percent-encoded,
    replaced by `***`."""
    if not is_postgres(location):
        return text
    from store import postgres

    try:
        password = postgres.parse(location).password
    except postgres.BadLocation:
        return text
    if not password:
        return text
    for secret in {password, quote(password, safe="")}:
        text = text.replace(secret, "***")
    return text


def is_taken(location: str) -> bool:
    """Whether `location` already holds data a new helpdesk would replace: a non-empty file,
    or a PostgreSQL database with Ticketty's tables in it."""
    if not is_postgres(location):
        path = Path(location).expanduser()
        return path.exists() and (not path.is_file() or path.stat().st_size > 0)
    with _server_session(location) as db:
        return bool(set(db.get_tables()) & set(owned_tables()))


def erase(location: str) -> None:
    """Remove the helpdesk at `location`: the SQLite file with its journal files, or every
    table Ticketty made in the PostgreSQL database (nothing else in it is touched)."""
    if not is_postgres(location):
        path = Path(location).expanduser()
        if path.is_dir():
            raise DatabaseError(f"{path} is a folder, not a database file")
        for suffix in ("", "-wal", "-shm", "-journal", "-turn", "-queue"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    with _server_session(location) as db, db.atomic():
        for table in sorted(set(db.get_tables()) & set(owned_tables())):
            db.execute_sql(f'DROP TABLE IF EXISTS "{table}" CASCADE')


def owned_tables() -> list[str]:
    """Every table Ticketty makes: its models' and the search index. The migrations import
    every module of models, so each model is a subclass of `BaseModel` by then."""
    from store import schema  # noqa: F401
    from store.models import BaseModel, SchemaVersion

    models: list[type[peewee.Model]] = [SchemaVersion]
    pending: list[type[peewee.Model]] = [BaseModel]
    while pending:
        children = pending.pop().__subclasses__()
        models += children
        pending += children
    return [m._meta.table_name for m in models if m is not BaseModel] + ["ticket_search"]


@contextmanager
def _server_session(location: str) -> Iterator[peewee.Database]:
    """A connection to the PostgreSQL database at `location` without touching its schema."""
    db = _postgres(location)
    try:
        db.connect()
        yield db
    except (peewee.DatabaseError, peewee.ImproperlyConfigured) as exc:
        raise DatabaseError(_connect_failure(location, exc)) from exc
    finally:
        db.close()
