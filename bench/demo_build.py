"""The demo's bulk load: `build_demo(db, tickets=N, seed=7, service_levels=True)` into a new
SQLite file (replaced if there) or an empty PostgreSQL database, as `ticketty demo` and
`python -m bench` build it.

    python -m bench.demo_build FILE_OR_URL [--tickets 100000]

Prints one JSON line: the wall time, the CPU time of this process and of its children (a demo
of more than 20,000 tickets: the one that makes the rows, `access.demo_apart`, and on SQLite
the one that indexes their search documents, `store.search_apart`), and the load average
before and after (the machine is shared: CPU is the figure to compare between runs).
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path


def measure(location: str, tickets: int) -> dict[str, float]:
    from access.demo import build_demo
    from store.db import connect, is_postgres

    postgres = is_postgres(location)
    if not postgres:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{location}{suffix}").unlink(missing_ok=True)
    db = connect(location, create=not postgres)
    load = _load()
    started, cpu = time.perf_counter(), time.process_time()
    build_demo(db, tickets=tickets, seed=7, service_levels=True)
    if not postgres:
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "tickets": tickets,
        "wall_s": round(time.perf_counter() - started, 1),
        "cpu_s": round(time.process_time() - cpu, 1),
        "child_cpu_s": round(child.ru_utime + child.ru_stime, 1),
        "load_before": load,
        "load_after": _load(),
    }


def _load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("location", help="a new SQLite file, or an empty PostgreSQL database")
    parser.add_argument("--tickets", type=int, default=100_000)
    args = parser.parse_args()
    print(json.dumps(measure(args.location, args.tickets)), flush=True)


if __name__ == "__main__":
    main()
