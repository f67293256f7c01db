"""Saved views' live counts: each of the demo's shared views counted as a person who reads
them (the inbox's count, scoped like the list), and the whole list of views with its counts.

`python -m bench.views PATH_OR_URL [--runs N] [--user tom]` prints one JSON line of medians;
`python -m bench` runs it at each size."""

from __future__ import annotations

import argparse
import json
import time


def measure(location: str, user: str, runs: int) -> dict[str, float]:
    from access import Gate
    from bench.__main__ import median_ms
    from store.db import connect

    gate = Gate(connect(location), user)
    views = gate.views.list_views()
    if not views:
        raise SystemExit(f"{user} reads no saved views in {location}")
    figures: dict[str, float] = {}
    for view in views:
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            gate.inbox.count_tickets(view.query)
            samples.append(time.perf_counter() - started)
        figures[f"view count: {view.name} (ms)"] = median_ms(samples)
    listed = []
    for _ in range(runs):
        started = time.perf_counter()
        gate.views.list_views()
        listed.append(time.perf_counter() - started)
    figures[f"views list with {len(views)} counts (ms)"] = median_ms(listed)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.views")
    parser.add_argument("location")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--user", default="tom")
    args = parser.parse_args()
    print(json.dumps(measure(args.location, args.user, args.runs)))


if __name__ == "__main__":
    main()
