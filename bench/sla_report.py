"""The SLA report for a month, as the team's lead asks for it (`reports.team`, every ticket:
read from the month's tally) and as an agent with `reports.own` (their own verdicts on the
tickets they may see: read from the verdict rows).

    python -m bench.sla_report DATABASE [--runs 3]

Prints one JSON line: the report of the demo's last whole month (the month before `DEMO_NOW`),
the verdicts it counted and the time each took, wall and CPU of this process (median of the
runs). The report reads stored verdicts, so the database must be a demo built with service
levels (`build_demo(..., service_levels=True)`, as `python -m bench` builds it).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

LEAD = "ada"
OWN = "ali"  # reports.own, sees the Allegro PL tickets


def measure(location: str, runs: int) -> dict[str, float]:
    from access import Gate
    from access.demo import DEMO_NOW
    from store.db import connect
    from store.sla_models import SlaVerdict

    db = connect(location)
    if not SlaVerdict.select().exists():
        sys.exit(f"{location}: no stored verdicts; build the demo with service levels")
    index = DEMO_NOW.year * 12 + DEMO_NOW.month - 2
    period = f"{index // 12:04d}-{index % 12 + 1:02d}"
    found: dict[str, float] = {}
    for who, label in ((LEAD, "team lead"), (OWN, "reports.own")):
        gate = Gate(db, who)
        took, cpu = [], []
        for _ in range(runs):
            started, used = time.perf_counter(), time.process_time()
            report = gate.reports.sla(period)
            took.append(time.perf_counter() - started)
            cpu.append(time.process_time() - used)
        counted = sum(
            row.first_response_met
            + row.first_response_breached
            + row.resolution_met
            + row.resolution_breached
            + row.next_response_met
            + row.next_response_breached
            for row in report.rows
            if row.by == "source"
        )
        found[f"SLA report, a month, {label}: verdicts counted"] = float(counted)
        found[f"SLA report, a month, {label} (ms)"] = statistics.median(took) * 1000
        found[f"SLA report, a month, {label}, CPU (ms)"] = statistics.median(cpu) * 1000
    return found


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sla_report")
    parser.add_argument("database", help="a SQLite file or a postgresql:// URL")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(measure(args.database, args.runs)))


if __name__ == "__main__":
    main()
