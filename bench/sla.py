"""Service-level figures at the gate, as the inbox asks them: the open work sorted by due time
against sorted by activity (first page with its count, and the last page, `G`), the breached
filter applied with its count, due within one business hour with its count, and the statements
of a change that moves a due time. The gate's clock is the demo's (`DEMO_NOW`), so the due
times fall around it as they did when the demo was made.

    python -m bench.sla DATABASE [--runs 5]

Prints one JSON line (milliseconds, medians over the runs; statements as counted). The
database must be a demo built with service levels (`build_demo(..., service_levels=True)`).
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

PAGE = 100
USER = "ada"


def measure(location: str, runs: int) -> dict[str, float]:
    from access import Gate
    from access.demo import DEMO_NOW
    from access.sla_rules import Duration
    from access.views import INBOX_DEFAULT
    from store.db import connect

    db = connect(location)
    gate = Gate(db, USER, clock=lambda: DEMO_NOW)
    figures: dict[str, float] = {}
    for order in ("activity", "due"):
        query = INBOX_DEFAULT._replace(order=order)
        total = gate.inbox.count_tickets(query)
        first = functools.partial(_first_page, gate, query)
        end = functools.partial(
            gate.inbox.list_tickets, query, offset=max(0, total - PAGE), limit=PAGE, total=total
        )
        figures[f"{order}_first_page_ms"] = _median_ms(first, runs)
        figures[f"{order}_end_ms"] = _median_ms(end, runs)
    breached = INBOX_DEFAULT._replace(order="due", breached=True)

    def breached_page() -> None:
        gate.inbox.count_tickets(breached)
        gate.inbox.list_tickets(breached, limit=PAGE)

    figures["breached_filter_with_count_ms"] = _median_ms(breached_page, runs)
    figures["breached_tickets"] = gate.inbox.count_tickets(breached)
    soon = INBOX_DEFAULT._replace(order="due", due_within=Duration(0, 60))
    figures["due_within_1h_with_count_ms"] = _median_ms(
        functools.partial(_first_page, gate, soon), runs
    )
    figures["due_within_1h_tickets"] = gate.inbox.count_tickets(soon)
    timed = [k for k in figures if k.endswith("_ms")]
    figures.update(
        {k.removesuffix("_ms") + "_cpu_ms": v for k, v in zip(timed, _CPU_MS, strict=True)}
    )
    figures.update(_change_statements(db, gate))
    return figures


def _first_page(gate: Any, query: Any) -> None:
    """What the inbox's first paint asks: the count, and the first page."""
    gate.inbox.count_tickets(query)
    gate.inbox.list_tickets(query, limit=PAGE)


def _change_statements(db: Any, gate: Any) -> dict[str, float]:
    """A priority change of an open ticket: its statements, and those that keep the due times
    (the read of the history and the write of the due times)."""
    from access.views import INBOX_DEFAULT

    row = gate.inbox.list_tickets(INBOX_DEFAULT._replace(order="due"), limit=1)[0]
    run: list[str] = []
    execute_sql = db.execute_sql

    def counting(sql: str, *args: Any, **kwargs: Any) -> Any:
        run.append(sql)
        return execute_sql(sql, *args, **kwargs)

    db.execute_sql = counting
    try:
        priority = "low" if row.priority != "low" else "normal"
        gate.changes.set_priority(row.number, priority)
    finally:
        db.execute_sql = execute_sql
    keeping = [s for s in run if s.startswith("SELECT 't'") or 'SET "first_response_due"' in s]
    return {"priority_change_statements": len(run), "due_time_statements": len(keeping)}


def _median_ms(call: Callable[[], object], runs: int) -> float:
    samples, cpu = [], []
    for _ in range(runs):
        started, used = time.perf_counter(), time.process_time()
        call()
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    _CPU_MS.append(round(statistics.median(cpu) * 1000, 2))
    return round(statistics.median(samples) * 1000, 2)


# The process time of each `_median_ms` in turn (the machine may be shared: wall time waits).
_CPU_MS: list[float] = []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("location")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(measure(args.location, args.runs)))


if __name__ == "__main__":
    main()
