"""The change signal: how a session learns that someone committed something since it last
asked: at the cost of one cheap query (SQLite), or of none, waiting for the database to say so
(PostgreSQL's notifications).

A session asks from one thread, at most once per refresh interval. Only when the signal moved
does it read what changed (the audit events after the newest one it knows, `events_after`):
every change writes one in its own transaction, so the audit log says which tickets, roles,
groups, people and sources to read again.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import peewee

from store.db import DatabaseError
from store.dialect import CHANGE_CHANNEL
from store.models import AuditEvent, Presence
from store.rows import tuple_rows

if TYPE_CHECKING:
    import psycopg


class ChangeSignal(Protocol):
    # Whether the database sends the signal: then `moved` waits for it without a query.
    pushed: bool

    def moved(self, wait: float = 0) -> bool:
        """Whether anything may have been committed since the last call (True on the first);
        a pushed signal is waited for up to `wait` seconds."""
        ...

    def interrupt(self) -> None:
        """Ends a wait in `moved` early; called from another thread, for good."""
        ...

    def close(self) -> None: ...


class SqliteDataVersion:
    """SQLite's `PRAGMA data_version` on a connection of its own that never writes: it moves
    on each commit made by any other connection (this process's workers included) and on a
    checkpoint, and reads no page of the database."""

    pushed = False

    def __init__(self, path: str) -> None:
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._seen: int | None = None

    def moved(self, wait: float = 0) -> bool:
        version = self._connection.execute("PRAGMA data_version").fetchone()[0]
        moved = version != self._seen
        self._seen = version
        return moved

    def interrupt(self) -> None:
        """Nothing to end: `moved` never waits."""

    def close(self) -> None:
        self._connection.close()


class PostgresNotifications:
    """PostgreSQL's LISTEN on a connection of its own: the server sends a notification when a
    transaction that wrote an audit event commits (a trigger, `store.dialect`).

    Waiting costs no statement: the notification arrives on the connection's socket. Asking at
    once costs one empty statement (`SELECT`, no table read): the server hands a listening
    session its notifications before it answers, so a change committed before the question is
    never missed, however late the notification would have arrived on its own."""

    pushed = True

    def __init__(self, db: peewee.PostgresqlDatabase) -> None:
        self._settings = {k: v for k, v in db.connect_params.items() if k != "cursor_factory"}
        self._database = db.database
        self._connection = self._listen()
        self._first = True
        self._interrupted = threading.Event()

    def _listen(self) -> psycopg.Connection[Any]:
        import psycopg

        connection = psycopg.connect(dbname=self._database, autocommit=True, **self._settings)
        connection.execute(f"LISTEN {CHANGE_CHANNEL}")
        return connection

    def moved(self, wait: float = 0) -> bool:
        """Raises DatabaseError when the connection is lost; the next call listens anew."""
        import psycopg

        first, self._first = self._first, False
        try:
            if self._connection.closed:
                self._connection = self._listen()
                return True  # what was notified meanwhile is lost: read
            if first:
                return True
            if wait <= 0:
                self._connection.execute("SELECT")
            return self._notified_within(wait)
        except psycopg.OperationalError as exc:
            self._connection.close()
            raise DatabaseError("lost the connection that listens for others' changes") from exc

    def _notified_within(self, wait: float) -> bool:
        """Waits in slices, so that `interrupt` ends the wait within one. Notifications that
        arrive together come as one; one is enough to say "read"."""
        deadline = time.monotonic() + wait
        while True:
            left = deadline - time.monotonic()
            slice_ = min(max(left, 0), _WAIT_SLICE)
            if any(True for _ in self._connection.notifies(timeout=slice_, stop_after=1)):
                return True
            if left <= _WAIT_SLICE or self._interrupted.is_set():
                return False

    def interrupt(self) -> None:
        self._interrupted.set()

    def close(self) -> None:
        self._connection.close()


# How long a wait for a notification goes on after `interrupt`, at most.
_WAIT_SLICE = 0.2


def signal_for(db: peewee.Database) -> ChangeSignal:
    """The cheapest signal `db` offers."""
    if isinstance(db, peewee.SqliteDatabase):
        return SqliteDataVersion(str(db.database))
    if isinstance(db, peewee.PostgresqlDatabase):
        return PostgresNotifications(db)
    raise TypeError(f"no change signal for {type(db).__name__}")


def newest_event() -> int:
    return AuditEvent.select(peewee.fn.MAX(AuditEvent.id)).scalar() or 0


def presence_mark() -> int:
    """The presence counter: it moves whenever someone opens, leaves or starts or stops
    writing on a ticket (`store.models.Presence`)."""
    return Presence.select(peewee.fn.MAX(Presence.seq)).scalar() or 0


class ChangeEvent(NamedTuple):
    """What an audit event says about what changed (never shown to anyone)."""

    id: int
    action: str
    target_kind: str
    target_id: int | None
    ticket: int | None


def events_after(head: int) -> list[ChangeEvent]:
    query = (
        AuditEvent.select(
            AuditEvent.id,
            AuditEvent.action,
            AuditEvent.target_kind,
            AuditEvent.target_id,
            AuditEvent.ticket,
        )
        .where(AuditEvent.id > head)
        .order_by(AuditEvent.id)
    )
    return [ChangeEvent(*row) for row in tuple_rows(query)]
