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


class AuditHead:
    """The newest audit event's id, on any database: one index lookup per call."""

    def __init__(self) -> None:
        self._seen: int | None = None

    def moved(self) -> bool:
        head = newest_event()
        moved = head != self._seen
        self._seen = head
        return moved

    def close(self) -> None:
        pass


def signal_for(db: peewee.Database) -> ChangeSignal:
    """The cheapest signal `db` offers."""
    if isinstance(db, peewee.SqliteDatabase):
        return SqliteDataVersion(str(db.database))
    return AuditHead()


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
