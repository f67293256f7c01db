"""A bulk assign of 1,000 marked tickets by a supervisor: the preview (the gate's dry run), then
the change (chunked transactions with their audit rows), timed together, as the inbox does them.

    python -m bench.bulk DATABASE [--runs 5]

Prints one JSON line. Each run assigns the same 1,000 tickets to another agent than the run
before (tom, then ola), so every run changes all 1,000; the database keeps the changes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

SUPERVISOR = "sam"
AGENTS = ("tom", "ola")
MARKED = 1_000


def measure(location: str, runs: int) -> dict[str, float]:
    from access import Gate
    from store.db import connect

    gate = Gate(connect(location), SUPERVISOR)
    numbers = [row.number for row in gate.inbox.list_tickets(limit=MARKED)]
    previews, applies, totals = [], [], []
    changed = 0
    for run in range(runs):
        agent = AGENTS[run % 2]
        started = time.perf_counter()
        plan = gate.changes.plan_bulk("assign", numbers, agent)
        previewed = time.perf_counter()
        done = gate.changes.apply_bulk("assign", numbers, agent)
        finished = time.perf_counter()
        previews.append(previewed - started)
        applies.append(finished - previewed)
        totals.append(finished - started)
        changed = len(done.changed)
        if len(plan.changed) != changed:
            raise SystemExit(f"the preview said {len(plan.changed)}, the change did {changed}")
    return {
        "bulk assign: tickets marked": float(len(numbers)),
        "bulk assign: tickets changed (last run)": float(changed),
        "bulk assign: preview (ms)": statistics.median(previews) * 1000,
        "bulk assign: apply (ms)": statistics.median(applies) * 1000,
        "bulk assign: preview + apply (ms)": statistics.median(totals) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bulk")
    parser.add_argument("database", help="a SQLite file or a postgresql:// URL")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(measure(args.database, args.runs)))


if __name__ == "__main__":
    main()
