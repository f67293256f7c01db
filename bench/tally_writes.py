"""What the tallies' triggers add to a change (`store.tallies`): ada moves tickets between
priorities and usergroups through the gate (each change moves a ticket's tally rows and its
tags'), alternately with the triggers and with them set aside, and the same for 980
tickets moved in one bulk change. Wall and CPU (process) time, medians.

`python -m bench.tally_writes PATH_OR_URL [--runs N]` prints one JSON line. It writes to the
database (the triggers are put back and the tallies rebuilt after): use a copy."""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from collections.abc import Callable
from functools import partial

from access.views import TicketQuery

PRIORITIES = ("low", "high")


def measure(location: str, runs: int) -> dict[str, float]:
    from access import Gate, NoChange
    from bench.__main__ import median_ms
    from store import tallies
    from store.db import connect

    db = connect(location)
    gate = Gate(db, "ada")
    numbers = [r.number for r in gate.inbox.list_tickets(TicketQuery(), limit=1000)]
    groups = [g.name for g in gate.groups.list_groups()][:2]
    samples: dict[str, list[float]] = {}

    def timed(name: str, call: Callable[[], object]) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        samples.setdefault(f"{name} (ms)", []).append(time.perf_counter() - wall)
        samples.setdefault(f"{name} (cpu ms)", []).append(time.process_time() - cpu)

    def changes(label: str, call: int) -> None:
        for number in numbers[:20]:
            priority = PRIORITIES[call % 2]
            timed(f"priority change, {label}", partial(gate.changes.set_priority, number, priority))
            moved = partial(gate.changes.move, number, groups[call % 2])
            timed(f"move to a group, {label}", moved)
        bulk = partial(gate.changes.apply_bulk, "move", numbers[20:], groups[call % 2])
        timed(f"980 tickets moved at once, {label}", bulk)

    # Each change changes: every ticket starts from the other priority and group.
    for number in numbers[:20]:
        with contextlib.suppress(NoChange):
            gate.changes.set_priority(number, PRIORITIES[1])
        with contextlib.suppress(NoChange):
            gate.changes.move(number, groups[1])
    gate.changes.apply_bulk("move", numbers[20:], groups[1])
    for turn in range(runs):
        changes("with tallies", 2 * turn)
        with tallies.without_triggers(db):
            changes("without", 2 * turn + 1)
    return {name: median_ms(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.tally_writes")
    parser.add_argument("location")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(measure(args.location, args.runs)))


if __name__ == "__main__":
    main()
