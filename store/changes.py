"""The change signal: how a session learns, at the cost of one cheap query, that someone
committed something since it last asked.

A session asks once per refresh interval, from one thread. Only when the signal moved does it
read what changed (the audit events after the newest one it knows, `events_after`): every
change writes one in its own transaction, so the audit log says which tickets, roles, groups,
people and sources to read again.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Protocol

import peewee

from store.dialect import CHANGE_CHANNEL
from store.models import AuditEvent
from store.rows import tuple_rows


class ChangeSignal(Protocol):
    def moved(self) -> bool:
        """Whether anything may have been committed since the last call (True on the first)."""
        ...

    def close(self) -> None: ...


class SqliteDataVersion:
    """SQLite's `PRAGMA data_version` on a connection of its own that never writes: it moves
    on each commit made by any other connection (this process's workers included) and on a
    checkpoint, and reads no page of the database."""

    def __init__(self, path: str) -> None:
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._seen: int | None = None

    def moved(self) -> bool:
        version = self._connection.execute("PRAGMA data_version").fetchone()[0]
        moved = version != self._seen
        self._seen = version
        return moved

    def close(self) -> None:
        self._connection.close()


class PostgresNotifications:
    """PostgreSQL's LISTEN on a connection of its own: the server sends a notification when a
    transaction that wrote an audit event commits (a trigger, `store.dialect`).

    Asking costs one empty statement (`SELECT`, no table read): the server hands a listening
    session its notifications before it answers, so a change committed before the question is
    never missed, however late the notification would have arrived on its own."""

    def __init__(self, db: peewee.PostgresqlDatabase) -> None:
        import psycopg

        settings = {k: v for k, v in db.connect_params.items() if k != "cursor_factory"}
        self._connection = psycopg.connect(dbname=db.database, autocommit=True, **settings)
        self._connection.execute(f"LISTEN {CHANGE_CHANNEL}")
        self._first = True

    def moved(self) -> bool:
        self._connection.execute("SELECT")
        arrived = bool(list(self._connection.notifies(timeout=0)))
        first, self._first = self._first, False
        return arrived or first

    def close(self) -> None:
        self._connection.close()


def signal_for(db: peewee.Database) -> ChangeSignal:
    """The cheapest signal `db` offers."""
    if isinstance(db, peewee.SqliteDatabase):
        return SqliteDataVersion(str(db.database))
    if isinstance(db, peewee.PostgresqlDatabase):
        return PostgresNotifications(db)
    raise TypeError(f"no change signal for {type(db).__name__}")


def newest_event() -> int:
    return AuditEvent.select(peewee.fn.MAX(AuditEvent.id)).scalar() or 0


@dataclass(frozen=True)
class ChangeEvent:
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
