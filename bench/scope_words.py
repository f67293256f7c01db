"""A word's exact count from the scope tokens of SQLite's search index against the join of
every match with the tickets (as before them), with 0, 1,000 and 5,000 stale tickets; the
cost of a status change per ticket with and without the stale set's trigger; compaction.

`python -m bench.scope_words COPY.db [--runs N]` prints one JSON line of medians. It WRITES to
the file (status changes, then compaction): give it a copy of a demo database."""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import peewee

PEOPLE = ("tom", "max", "ali")
QUERIES: dict[str, dict[str, Any]] = {
    "parcel": {"search": "parcel"},
    "open work + parcel": {"search": "parcel", "statuses": ("new", "open", "pending")},
}


def _pair(runs: int, a: Callable[[], int], b: Callable[[], int]) -> dict[str, float]:
    """Medians of wall and CPU ms of `a` and `b`, run alternately; their answers must agree."""
    times: dict[str, list[float]] = {k: [] for k in ("a", "a cpu", "b", "b cpu")}
    for _ in range(runs):
        for name, call in (("a", a), ("b", b)):
            wall, cpu = time.perf_counter(), time.process_time()
            answer = call()
            times[name].append((time.perf_counter() - wall) * 1000)
            times[f"{name} cpu"].append((time.process_time() - cpu) * 1000)
            if name == "a":
                first = answer
            elif answer != first:
                raise SystemExit(f"the counts differ: {first} and {answer}")
    return {k: statistics.median(v) for k, v in times.items()} | {"count": first}


def _status_changes(db: peewee.Database, numbers: list[int], trigger: bool) -> tuple[float, float]:
    """Wall and CPU ms of 1,000 tickets' status changed in one transaction, rolled back."""
    from store import scope_words

    connection = db.connection()
    connection.execute("BEGIN IMMEDIATE")
    try:
        if not trigger:
            connection.execute("DROP TRIGGER ticket_search_stale_au")
        wall, cpu = time.perf_counter(), time.process_time()
        connection.executemany(
            "UPDATE ticket SET status = CASE status WHEN 'open' THEN 'pending' ELSE 'open' END "
            "WHERE number = ?",
            [(n,) for n in numbers],
        )
        return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000
    finally:
        connection.execute("ROLLBACK")
        assert scope_words.stale_count(db, 1) == 0


def measure(location: str, runs: int) -> dict[str, float]:
    import access.word_counts
    from access import Gate
    from access.views import TicketQuery
    from store import scope_words
    from store.db import connect

    db = connect(location)
    rnd = random.Random(26)
    numbers = [n for (n,) in db.execute_sql("SELECT number FROM ticket").fetchall()]
    scope_words.compact(db)
    samples: dict[str, list[float]] = {}
    for trigger in (True, False) * 5:
        wall, cpu = _status_changes(db, rnd.sample(numbers, 1000), trigger)
        what = "with" if trigger else "without"
        samples.setdefault(f"1,000 status changes, {what} the stale trigger (ms)", []).append(wall)
        samples.setdefault(f"1,000 status changes, {what} the stale trigger (cpu ms)", []).append(
            cpu
        )
    figures = {k: statistics.median(v) for k, v in samples.items()}

    def join_count(gate: Gate, query: TicketQuery) -> int:
        bound = access.word_counts.STALE_BOUND
        access.word_counts.STALE_BOUND = -1  # the join, as before the tokens
        try:
            return gate.inbox.count_tickets(query)
        finally:
            access.word_counts.STALE_BOUND = bound

    for stale in (0, 1000, 5000):
        have = scope_words.stale_count(db, 10**6)
        if stale > have:
            changed = rnd.sample(numbers, stale - have)
            with db.atomic():
                db.connection().executemany(
                    "UPDATE ticket SET status = CASE status WHEN 'open' THEN 'pending' "
                    "ELSE 'open' END WHERE number = ?",
                    [(n,) for n in changed],
                )
        stale = scope_words.stale_count(db, 10**6)
        for user in PEOPLE:
            gate = Gate(db, user)
            for name, fields in QUERIES.items():
                query = TicketQuery(**fields)
                pair = _pair(
                    runs,
                    partial(join_count, gate, query),
                    partial(gate.inbox.count_tickets, query),
                )
                label = f"{user}, {name}, {stale} stale"
                figures[f"{label}: join (ms)"] = pair["a"]
                figures[f"{label}: join (cpu ms)"] = pair["a cpu"]
                figures[f"{label}: tokens (ms)"] = pair["b"]
                figures[f"{label}: tokens (cpu ms)"] = pair["b cpu"]
                figures[f"{label}: count"] = pair["count"]
    wall, cpu = time.perf_counter(), time.process_time()
    written = scope_words.compact(db)
    figures[f"compaction of {written} stale tickets (ms)"] = (time.perf_counter() - wall) * 1000
    figures[f"compaction of {written} stale tickets (cpu ms)"] = (time.process_time() - cpu) * 1000
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scope_words")
    parser.add_argument("location")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(json.dumps(measure(args.location, args.runs)))


if __name__ == "__main__":
    main()
