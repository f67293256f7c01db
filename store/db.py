"""Opening the database: a SQLite file (the default) or a PostgreSQL URL.

The settings follow ../shared/RELIABILITY.md: WAL, foreign keys, a busy timeout and IMMEDIATE
write transactions, so that several agents on one file never see "database is locked".
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import urlparse

import peewee
import platformdirs

from store.models import SchemaVersion, database_proxy

SQLITE_PRAGMAS: dict[str, object] = {
    "journal_mode": "wal",
    "synchronous": "full",
    "foreign_keys": 1,
    "busy_timeout": 15000,
    # 16 MB per connection, and each worker thread has its own: at 64 MB, a session at a
    # million tickets grew to 250 MB resident; at 16 MB, 97 MB, with no figure of
    # `python -m bench` slower beyond its noise (the file stays in the OS page cache).
    "cache_size": -16000,
    "temp_store": "memory",
    "journal_size_limit": 64 * 2**20,
}


class DatabaseError(Exception):
    """The database cannot be opened or written; the message is meant for a person."""


def default_database_location() -> str:
    """The SQLite file in the user data folder that platformdirs names."""
    return str(Path(platformdirs.user_data_dir("ticketty", appauthor=False)) / "ticketty.db")


def resolve_location(explicit: str | None) -> str:
    """`--db`, else `TICKETTY_DB`, else the default file."""
    return explicit or os.environ.get("TICKETTY_DB") or default_database_location()


def is_postgres(location: str) -> bool:
    return location.startswith(("postgresql://", "postgres://"))


def connect(location: str, *, create: bool = False) -> peewee.Database:
    """Open `location`, bind the models to it and bring its schema up to date.

    A missing SQLite file is an error unless `create` is true: a typo in `--db` must not
    silently start an empty helpdesk.
    """
    from store.schema import migrate

    db = _postgres(location) if is_postgres(location) else _sqlite(location, create=create)
    database_proxy.initialize(db)
    try:
        db.connect(reuse_if_open=True)
        migrate(db)
        _mark(db)
    except peewee.DatabaseError as exc:
        db.close()
        raise DatabaseError(describe_failure(location, exc)) from exc
    return db


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
    elif not (create and path.stat().st_size == 0):
        refuse_foreign_file(path)
    return peewee.SqliteDatabase(
        str(path), timeout=15, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE"
    )


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
    if not is_ticketty_file(path):
        raise DatabaseError(
            f"{path} is not a Ticketty database or is damaged; Ticketty writes only to its own "
            "files (`ticketty init` or `ticketty demo` makes one)"
        )


def _mark(db: peewee.Database) -> None:
    """Set the application id on a new file, or on one made before files were marked."""
    if isinstance(db, peewee.SqliteDatabase):
        (current,) = db.execute_sql("PRAGMA application_id").fetchone()
        if current != APPLICATION_ID:
            db.execute_sql(f"PRAGMA application_id = {APPLICATION_ID}")


def _postgres(location: str) -> peewee.Database:
    parsed = urlparse(location)
    try:
        return peewee.PostgresqlDatabase(
            (parsed.path or "/").lstrip("/") or "ticketty",
            user=parsed.username,
            password=parsed.password,
            host=parsed.hostname,
            port=parsed.port,
        )
    except peewee.ImproperlyConfigured as exc:  # pragma: no cover - depends on the driver
        raise DatabaseError(f"PostgreSQL needs a driver (psycopg2): {exc}") from exc


def describe_failure(location: str, exc: BaseException) -> str:
    """Turn a driver error into one sentence; disk-full hides deep in the exception chain."""
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
    return f"database error on {location}: {exc}"
