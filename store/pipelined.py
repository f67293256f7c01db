"""Statements sent without waiting for each one's result, on PostgreSQL: psycopg's pipeline
mode, for a run of writes (a batch's held rows, its audit events a few hundred at a time), so
that the server runs each statement while the client builds the next instead of after it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import peewee

from store.dialect import is_sqlite


class _Open(threading.local):
    """The connections this thread has in a block, so that a block inside another neither
    syncs (psycopg's nested pipeline blocks each wait for every result as they end) nor waits."""

    def __init__(self) -> None:
        self.connections: set[int] = set()


_open = _Open()


def pipelines(db: peewee.Database | peewee.DatabaseProxy) -> bool:
    """Whether `pipelined` sends statements ahead on `db` (PostgreSQL) or runs them as they
    come (SQLite)."""
    return not is_sqlite(db)


@contextmanager
def pipelined(db: peewee.Database | peewee.DatabaseProxy) -> Iterator[None]:
    """Inside a write transaction: on PostgreSQL each statement executed in the block goes out
    at once and the block goes on; a cursor's rows are waited for where they are fetched, and
    every statement's by the end of the outermost block, where the first one that failed
    raises (as Peewee's error, as if run alone). Only for statements whose effects nothing in
    the block reads but through their own fetched rows (inserts, their RETURNING), and for
    work that reads nothing (parsing the next mail while the server writes): a cursor's
    `rowcount` is not known before its result arrives. On SQLite, which has no round trips,
    the block runs as it is."""
    if not pipelines(db):
        yield
        return
    connection = db.connection()
    if id(connection) in _open.connections:
        yield
        return
    _open.connections.add(id(connection))
    try:
        with peewee.__exception_wrapper__, connection.pipeline():  # type: ignore[attr-defined]
            yield
    finally:
        _open.connections.discard(id(connection))
