"""Concurrent writers: N agents in processes of their own change the same few tickets for a
while (replies, notes, status, assignment, without an expected version), then the audit chain is
verified.

    python -m bench.writers DATABASE [--writers 10] [--seconds 60]

Prints one JSON line, with the longest, 99th-percentile and median time one change took, its wait
for the other writers included (a long longest beside a short median is an unfair lock). Without
an expected version no change may fail as a conflict: any `Conflict` is a spurious one (a version
read before waiting for another writer). A change refused as changing nothing (the status or
assignee it already has), or refused by the gate (an assignee who may not work on that ticket),
is counted apart.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import time
from typing import Any

AGENTS = ("ada", "ola", "tom", "eva")
HOT_TICKETS = 20


def _write(location: str, username: str, seconds: float, seed: int, results: Any) -> None:
    from access import AccessError, Conflict, Gate, NoChange
    from store.db import connect

    gate = Gate(connect(location), username)
    numbers = [row.number for row in gate.inbox.list_tickets(limit=HOT_TICKETS)]
    rnd = random.Random(seed)
    counts = {"done": 0, "unchanged": 0, "refused": 0, "conflicts": 0, "errors": 0}
    errors: list[str] = []
    durations: list[float] = []
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        number = rnd.choice(numbers)
        kind = rnd.randrange(4)
        started = time.monotonic()
        try:
            if kind == 0:
                gate.messages.reply(number, f"reply from {username}")
            elif kind == 1:
                gate.messages.note(number, f"note from {username}")
            elif kind == 2:
                gate.changes.set_status(number, rnd.choice(("open", "pending")))
            else:
                gate.changes.assign(number, rnd.choice(AGENTS))
            counts["done"] += 1
        except NoChange:
            counts["unchanged"] += 1
        except Conflict:
            counts["conflicts"] += 1
        except AccessError:  # the gate's refusal (an assignee who may not work on that ticket)
            counts["refused"] += 1
        except Exception as exc:  # counted and shown: any error fails the figure
            counts["errors"] += 1
            errors.append(f"{type(exc).__name__}: {exc}")
        durations.append(time.monotonic() - started)
    results.put((counts, errors[:3], durations))


def measure(location: str, writers: int, seconds: float) -> dict[str, object]:
    from access.audit import verify_chain
    from store.db import connect
    from store.models import AuditEvent

    connect(location)
    before = AuditEvent.select().count()
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [
        context.Process(
            target=_write, args=(location, AGENTS[i % len(AGENTS)], seconds, i, results)
        )
        for i in range(writers)
    ]
    for process in processes:
        process.start()
    reports = [results.get(timeout=seconds + 300) for _ in processes]
    for process in processes:
        process.join()
    totals = {key: sum(r[0][key] for r in reports) for key in reports[0][0]}
    durations = sorted(d for r in reports for d in r[2])
    connect(location)
    events = AuditEvent.select().where(~AuditEvent.action.startswith("denied.")).count()
    return {
        "writers": writers,
        "seconds": seconds,
        "changes": totals["done"],
        "changes per second": round(totals["done"] / seconds, 1),
        "refused as no change": totals["unchanged"],
        "refused by the gate": totals["refused"],
        "longest change (ms)": round(durations[-1] * 1000),
        "p99 change (ms)": round(durations[int(len(durations) * 0.99)] * 1000),
        "median change (ms)": round(durations[len(durations) // 2] * 1000),
        "spurious conflicts": totals["conflicts"],
        "errors": totals["errors"],
        "first errors": [e for r in reports for e in r[1]][:3],
        "audit events written": events - before,
        "audit chain whole": verify_chain() is None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.writers")
    parser.add_argument("database")
    parser.add_argument("--writers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    print(json.dumps(measure(args.database, args.writers, args.seconds)))


if __name__ == "__main__":
    main()
