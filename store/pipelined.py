"""Statements sent without waiting for each one's result, on PostgreSQL: psycopg's pipeline
mode, for a run of writes (a batch's held rows, its audit events a few hundred at a time), so
that the server runs each statement while the client builds the next instead of after it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import peewee

from store.dialect import is_sqlite


@contextmanager
def pipelined(db: peewee.Database | peewee.DatabaseProxy) -> Iterator[None]:
    """Inside a write transaction: on PostgreSQL each statement executed in the block goes out
    at once and the block goes on; a cursor's rows are waited for where they are fetched, and
    every statement's by the block's end, where the first one that failed raises (as Peewee's
    error, as if run alone). Only for statements whose effects nothing in the block reads but
    through their own fetched rows (inserts, their RETURNING): a cursor's `rowcount` is not
    known before its result arrives. On SQLite, which has no round trips, the block runs
    as it is."""
    database = db.obj if isinstance(db, peewee.DatabaseProxy) else db
    if is_sqlite(database):
        yield
        return
    with peewee.__exception_wrapper__, database.connection().pipeline():  # type: ignore[attr-defined]
        yield
