"""How soon another agent's change shows in an open inbox and an open ticket screen, and what
staying live costs when nothing happens.

    python -m bench.live DATABASE [--runs 20] [--interval 0.5]

Prints one JSON line. The app runs headless as ada with the session's own refresh interval; the
other agent is a process of its own that sets the status of a ticket and says when its
transaction committed. A latency runs from that commit to the first frame written that shows
the new status (the inbox's top row, or the ticket screen's fields). The idle cost counts the
SQL statements every connection of the app's process runs (SQLite's trace hook; on PostgreSQL
each statement handed to a psycopg cursor) over twenty intervals in which nobody writes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.__main__ import FrameClock, timed_app

STATUSES = ("pending", "open")
WRITER = """
import sys, time
from access import Gate
from store.db import connect
gate = Gate(connect(sys.argv[1]), "ola")
for line in sys.stdin:
    number, status = line.split()
    gate.changes.set_status(int(number), status)
    print(time.perf_counter(), flush=True)
"""


class Statements:
    """Counts the statements of every SQLite connection opened after `install`, and every
    statement run through a psycopg cursor (a connection's `execute` goes through one)."""

    count = 0

    @classmethod
    def install(cls) -> None:
        cls._install_sqlite()
        try:
            import psycopg
        except ImportError:
            return
        for method in ("execute", "executemany"):
            cls._count_calls(psycopg.Cursor, method)

    @classmethod
    def _count_calls(cls, owner: type, name: str) -> None:
        run = getattr(owner, name)

        def counting(self: object, *args: Any, **kwargs: Any) -> Any:
            cls.count += 1
            return run(self, *args, **kwargs)

        setattr(owner, name, counting)

    @classmethod
    def _install_sqlite(cls) -> None:
        connect = sqlite3.connect

        def counting(*args: Any, **kwargs: Any) -> sqlite3.Connection:
            connection = connect(*args, **kwargs)
            connection.set_trace_callback(cls._seen)
            return connection

        # A wrapper in place of the module's overloaded function: the way to see every connection.
        sqlite3.connect = counting  # type: ignore[assignment]

    @classmethod
    def _seen(cls, _statement: str) -> None:
        cls.count += 1


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]


async def measure(location: str, runs: int, interval: float) -> dict[str, float]:
    Statements.install()

    from access import Gate
    from access.demo import DEMO_NOW
    from access.views import TicketQuery
    from screens.inbox import InboxScreen
    from screens.ticket_detail import TicketDetailScreen
    from store.db import connect
    from tests.tui_support import settle
    from tui.ticket_list import TicketList

    frames = FrameClock()

    Timed = timed_app(frames)

    gate = Gate(connect(location), "ada", clock=lambda: DEMO_NOW)
    open_work = TicketQuery(statuses=STATUSES, search="")
    rows = gate.inbox.list_tickets(open_work, limit=2)
    numbers = [row.number for row in rows]
    statuses = {row.number: row.status for row in rows}

    def flipped(number: int) -> str:
        statuses[number] = STATUSES[1 - STATUSES.index(statuses[number])]
        return statuses[number]

    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, location],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdin is not None and writer.stdout is not None
    commands, committed = writer.stdin, writer.stdout

    def write(number: int, status: str) -> float:
        commands.write(f"{number} {status}\n")
        commands.flush()
        return float(committed.readline())

    app = Timed(gate, InboxScreen, refresh_seconds=interval)
    figures: dict[str, list[float]] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tickets = app.screen.query_one(TicketList)

        async def visible(
            name: str, number: int, status: str, shows: Callable[[int, str], bool]
        ) -> None:
            frames.expect(lambda: shows(number, status))
            at = await asyncio.to_thread(write, number, status)
            await asyncio.wait_for(frames.shown.wait(), timeout=30)
            figures.setdefault(name, []).append(frames.at - at)
            await settle(pilot)

        def on_top(number: int, status: str) -> bool:
            # The first row: the cursor stays on the ticket it was on, wherever that went.
            row = tickets.row_at(0)
            return row is not None and (row.number, row.status) == (number, status)

        for run in range(runs):
            number = numbers[run % 2]
            await visible("inbox", number, flipped(number), on_top)

        ticket = TicketDetailScreen(numbers[0])
        app.push_screen(ticket)
        await settle(pilot)

        def shown(number: int, status: str) -> bool:
            return ticket.detail is not None and ticket.detail.row.status == status

        for _ in range(runs):
            await visible("ticket screen", numbers[0], flipped(numbers[0]), shown)

        await settle(pilot)
        before, started = Statements.count, time.perf_counter()
        await asyncio.sleep(20 * interval)  # nobody writes: this is what is measured
        idle = (Statements.count - before) / ((time.perf_counter() - started) / interval)
    writer.stdin.close()
    writer.wait(timeout=30)
    result: dict[str, float] = {}
    for name, samples in figures.items():
        result[f"another agent's change visible, {name}: median (ms)"] = (
            statistics.median(samples) * 1000
        )
        result[f"another agent's change visible, {name}: p95 (ms)"] = p95(samples) * 1000
    result[f"idle: SQL statements per {interval:g} s interval"] = idle
    return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.live")
    parser.add_argument("database", help="a SQLite file or a postgresql:// URL")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--interval", type=float, default=0.5)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.database, args.runs, args.interval))))


if __name__ == "__main__":
    main()
