"""What the channels may know of the database below the gate: its failures, as the gate's own,
how long a write may wait for its turn, and its clock (naive UTC, as it keeps every time). The
terminal imports nothing of the store."""

from __future__ import annotations

import peewee

from store.db import WRITE_TIMEOUT, DatabaseError
from store.models import database_proxy, utcnow

# Every failure of the database itself: the gate's sentence for a person (`DatabaseError`), or
# the driver's, from a read made outside a write transaction (a busy or failing disk).
DATABASE_FAILURES: tuple[type[Exception], ...] = (DatabaseError, peewee.DatabaseError)


def close_thread_connection() -> None:
    """Close the calling thread's connection to the database, if it opened one (peewee keeps
    one per thread): a thread that used the gate calls this before it ends, or its connection
    stays open until the collector finds it."""
    if database_proxy.obj is not None and not database_proxy.is_closed():
        database_proxy.close()


__all__ = [
    "DATABASE_FAILURES",
    "WRITE_TIMEOUT",
    "DatabaseError",
    "close_thread_connection",
    "utcnow",
]
