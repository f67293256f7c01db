"""PostgreSQL: a word's exact count from bitsets (`access.pg_word_counts`) against the join of
every match with the tickets (today's path), with 0, 1,000 and 5,000 tickets changed since the
sets were read; the first count (the sets read); the cost of a status change per ticket with
and without the trigger that notes changed tickets; the refresh; migration 38's own time.

`python -m bench.pg_word_bits URL [--runs N]` prints one JSON line of medians: wall and CPU ms
of this process, and the CPU ms of the server's process for this connection (its parallel
workers not counted). It WRITES to the database (status changes, the sets, a refresh): give it
a copy (`CREATE DATABASE x TEMPLATE demo_sla_1000000`), on the same machine as the server."""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any
from unittest import mock

import peewee

PEOPLE = ("tom", "max", "ali")
QUERIES: dict[str, dict[str, Any]] = {
    "parcel": {"search": "parcel"},
    "open work + parcel": {"search": "parcel", "statuses": ("new", "open", "pending")},
}
_TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def _server_cpu(pid: int) -> float:
    """CPU ms the server's process `pid` has used (user and system)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * _TICK_MS


def _timed(pid: int, call: Callable[[], object]) -> tuple[object, float, float, float]:
    server = _server_cpu(pid)
    wall, cpu = time.perf_counter(), time.process_time()
    answer = call()
    wall, cpu = (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000
    return answer, wall, cpu, _server_cpu(pid) - server


def _pair(pid: int, runs: int, a: Callable[[], object], b: Callable[[], object]) -> dict[str, Any]:
    """Medians of `a` and `b` run alternately; their answers must agree."""
    times: dict[str, list[float]] = {}
    first = None
    for _ in range(runs):
        for name, call in (("join", a), ("bits", b)):
            answer, wall, cpu, server = _timed(pid, call)
            for what, value in (("ms", wall), ("cpu ms", cpu), ("server cpu ms", server)):
                times.setdefault(f"{name} ({what})", []).append(value)
            if name == "join":
                first = answer
            elif answer != first:
                raise SystemExit(f"the counts differ: {first} and {answer}")
    return {k: statistics.median(v) for k, v in times.items()} | {"count": first}


# One statement of 1,000 writes, and the triggers that note changed tickets on its table.
WRITES = {
    "status changes": (
        "UPDATE ticket SET status = CASE status WHEN 'open' THEN 'pending' ELSE 'open' END "
        "WHERE number = ANY(%s)",
        ("ticket", ("ticket_changed_au",)),
    ),
    "messages added": (
        "INSERT INTO message (ticket_id, kind, author_id, body, created_at, automatic) "
        "SELECT n, 'agent', (SELECT min(id) FROM person), 'a parcel reply', now(), '' "
        "FROM unnest(%s::integer[]) n",
        ("ticket_search", ("ticket_changed_search_au", "ticket_changed_search_ai")),
    ),
}


def _writes(db: peewee.Database, what: str, numbers: list[int], trigger: bool) -> float:
    """Wall ms of one statement of 1,000 writes (`WRITES`) in a transaction, rolled back."""
    sql, (table, triggers) = WRITES[what]
    db.execute_sql("BEGIN")
    try:
        for name in () if trigger else triggers:
            db.execute_sql(f"ALTER TABLE {table} DISABLE TRIGGER {name}")
        wall = time.perf_counter()
        db.execute_sql(sql, (numbers,))
        return (time.perf_counter() - wall) * 1000
    finally:
        db.execute_sql("ROLLBACK")


def _change(db: peewee.Database, numbers: list[int]) -> None:
    with db.atomic():
        db.execute_sql(
            "UPDATE ticket SET status = CASE status WHEN 'open' THEN 'pending' ELSE 'open' END "
            "WHERE number = ANY(%s)",
            (numbers,),
        )


def _join_count(gate: Any, query: Any) -> int:
    """Today's count: the join of every match with the tickets (the bitsets' bound below 0)."""
    import access.pg_word_counts

    with mock.patch.object(access.pg_word_counts, "CHANGED_BOUND", -1):
        return int(gate.inbox.count_tickets(query))


def measure(location: str, runs: int) -> dict[str, Any]:
    from access import Gate
    from access.views import TicketQuery
    from store import ticket_bits
    from store.db import connect

    figures: dict[str, Any] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    db = connect(location)  # migration 38 when the copy lacks it
    figures["connect and migrate (ms)"] = (time.perf_counter() - wall) * 1000
    figures["connect and migrate (cpu ms)"] = (time.process_time() - cpu) * 1000
    db.execute_sql("SET jit = off")
    pid = db.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    rnd = random.Random(26)
    numbers = [n for (n,) in db.execute_sql("SELECT number FROM ticket").fetchall()]
    samples: dict[str, list[float]] = {}
    for what, trigger in itertools.product(WRITES, (True, False) * 5):
        label = f"1,000 {what}, {'with' if trigger else 'without'} the triggers (ms)"
        samples.setdefault(label, []).append(_writes(db, what, rnd.sample(numbers, 1000), trigger))
    figures |= {k: statistics.median(v) for k, v in samples.items()}

    db.execute_sql(f"DELETE FROM {ticket_bits.TABLE}")  # a copy measured before
    for user in PEOPLE:  # the first count reads the sets it needs
        gate = Gate(db, user)
        for name, fields in QUERIES.items():
            _, wall, cpu, server = _timed(
                pid, partial(gate.inbox.count_tickets, TicketQuery(**fields))
            )
            figures[f"{user}, {name}, first count (ms / cpu / server cpu)"] = (wall, cpu, server)
    ticket_bits.refresh(db)
    changed = 0
    for wanted in (0, 1000, 5000):
        if wanted > changed:
            _change(db, rnd.sample(numbers, wanted - changed))
            changed = wanted
        for user, (name, fields) in itertools.product(PEOPLE, QUERIES.items()):
            gate, query = Gate(db, user), TicketQuery(**fields)
            counted = partial(gate.inbox.count_tickets, query)
            pair = _pair(pid, runs, partial(_join_count, gate, query), counted)
            figures |= {f"{user}, {name}, {changed} changed: {k}": v for k, v in pair.items()}
    rows = db.execute_sql(f"SELECT count(DISTINCT number) FROM {ticket_bits.CHANGED}")
    figures["changed tickets noted"] = rows.fetchone()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    written = ticket_bits.refresh(db)
    figures[f"refresh of {written} sets (ms)"] = (time.perf_counter() - wall) * 1000
    figures[f"refresh of {written} sets (cpu ms)"] = (time.process_time() - cpu) * 1000
    kept = db.execute_sql(f"SELECT count(*), sum(length(bits)) FROM {ticket_bits.TABLE}")
    return figures | {"sets kept, their bytes": list(kept.fetchone())}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pg_word_bits")
    parser.add_argument("location", help="the URL of a copy of a demo database")
    parser.add_argument("--runs", type=int, default=7, help="each pair's runs")
    print(json.dumps(measure(**vars(parser.parse_args(argv)))))


if __name__ == "__main__":
    main()
