"""The SLA report for a month, as the team's lead asks for it (`reports.team`).

    python -m bench.sla_report DATABASE [--runs 3]

Prints one JSON line: the report of the demo's last whole month (the month before `DEMO_NOW`),
its tickets and the time it took (median of the runs). A demo without policies is measured
with the README's two calendars and three policies added inside a transaction that is rolled
back, so the database is left as it was.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import peewee

    from access import Gate

LEAD = "ada"


@contextlib.contextmanager
def policies_for_the_run(db: peewee.Database, gate: Gate) -> Iterator[None]:
    """The demo's policies, or some for the run only."""
    if gate.sla.list_policies():
        yield
        return
    with db.atomic() as transaction:
        gate.calendars.create_calendar("PL", zone="Europe/Warsaw", hours="mon-fri 08:00-16:00")
        gate.calendars.create_calendar("DE", zone="Europe/Berlin", hours="mon-fri 09:00-17:00")
        targets = {"first_response": ["4h"], "next_response": ["8h"], "resolution": ["3d"]}
        gate.sla.create_policy(
            "Urgent",
            calendar="PL",
            targets={"first_response": ["1h"], "resolution": ["1d"]},
            priorities=["urgent"],
        )
        gate.sla.create_policy("Amazon", calendar="DE", targets=targets, sources=["Amazon DE"])
        gate.sla.create_policy("Standard", calendar="PL", targets=targets)
        yield
        transaction.rollback()


def measure(location: str, runs: int) -> dict[str, float]:
    from access import Gate
    from access.demo import DEMO_NOW
    from store.db import connect

    db = connect(location)
    gate = Gate(db, LEAD)
    index = DEMO_NOW.year * 12 + DEMO_NOW.month - 2
    period = f"{index // 12:04d}-{index % 12 + 1:02d}"
    took = []
    with policies_for_the_run(db, gate):
        for _ in range(runs):
            started = time.perf_counter()
            report = gate.reports.sla(period)
            took.append(time.perf_counter() - started)
    measured = sum(row.tickets for row in report.rows if row.by == "agent")
    return {
        "SLA report, a month: tickets measured": float(measured),
        "SLA report, a month (ms)": statistics.median(took) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sla_report")
    parser.add_argument("database", help="a SQLite file or a postgresql:// URL")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(measure(args.database, args.runs)))


if __name__ == "__main__":
    main()
