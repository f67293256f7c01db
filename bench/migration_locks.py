"""How long a migration holds the write lock: `python -m bench.migration_locks LOCATION`
migrates the database at LOCATION (a copy: it is changed) and times each write transaction it
runs, the migrations' own and each chunk of migration 32's backfill, in wall and CPU time (this
process's). Prints the longest hold beside the whole run."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import peewee

import access  # noqa: F401  # registers the gate's part of the migrations
from store import migration_chunks
from store.db import TurnTakingSqliteDatabase, is_postgres
from store.models import database_proxy
from store.postgres import open_database, parse
from store.schema import migrate


class _Timed:
    """An `atomic()` whose outermost transactions are timed into `holds`."""

    def __init__(self, inner: Any, holds: list[tuple[float, float]], depth: list[int]) -> None:
        self.inner, self.holds, self.depth = inner, holds, depth
        self.wall = self.cpu = 0.0

    def __enter__(self) -> Any:
        self.depth[0] += 1
        if self.depth[0] == 1:
            self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self.inner.__enter__()

    def __exit__(self, *exc: object) -> Any:
        try:
            return self.inner.__exit__(*exc)
        finally:
            if self.depth[0] == 1:
                wall = time.perf_counter() - self.wall
                self.holds.append((wall, time.process_time() - self.cpu))
            self.depth[0] -= 1


def timed(db: peewee.Database) -> list[tuple[float, float]]:
    """Time every outermost transaction of `db` from now: (wall, CPU) seconds each."""
    holds: list[tuple[float, float]] = []
    depth = [0]
    atomic: Callable[..., Any] = db.atomic
    db.atomic = lambda *a, **k: _Timed(atomic(*a, **k), holds, depth)  # type: ignore[method-assign,assignment]
    return holds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("location")
    parser.add_argument("--tickets", type=int, default=migration_chunks.TICKETS)
    args = parser.parse_args()
    migration_chunks.TICKETS = args.tickets
    if is_postgres(args.location):
        db: peewee.Database = open_database(parse(args.location))
    else:
        db = TurnTakingSqliteDatabase(args.location)
    database_proxy.initialize(db)
    db.connect()
    holds = timed(db)
    wall, cpu = time.perf_counter(), time.process_time()
    migrate(db)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    longest = max(holds, default=(0.0, 0.0))
    chunks = holds[1:]
    print(f"whole migration: {wall:.1f} s wall, {cpu:.1f} s CPU, {len(holds)} transactions")
    print(f"migrations' transaction: {holds[0][0]:.1f} s wall, {holds[0][1]:.1f} s CPU")
    if chunks:
        top = max(chunks)
        median = sorted(chunks)[len(chunks) // 2]
        print(
            f"{len(chunks)} chunks of {args.tickets} tickets: longest {top[0]:.2f} s wall "
            f"({top[1]:.2f} s CPU), median {median[0]:.2f} s"
        )
    print(f"longest hold of the write lock: {longest[0]:.1f} s wall, {longest[1]:.1f} s CPU")
    db.close()


if __name__ == "__main__":
    main()
