"""Notifications: what a change that notifies fifty people adds to its transaction, and how
soon a notification shows on another agent's open screen.

    python -m bench.notify DATABASE [--runs 20] [--interval 0.5]

Prints one JSON line (milliseconds). Fifty people follow one ticket for the measure (their
follows, and the notifications made, are taken away after). The transaction figure is the
notifications' own work timed inside a write transaction (`notify_events.tickets_changed`:
the follows read, the preferences read, one insert; wall time and this process's CPU time,
which a loaded machine stretches less), and a whole priority change with the
fifty followers against the same change with none. The screen figure runs from the commit of
an assignment to tom, made by ada in a process of its own, to the first frame of tom's headless
app whose header counts it (the app's own refresh interval, as `bench.live`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.__main__ import FrameClock, timed_app
from bench.live import p95

FOLLOWERS = 50
ASSIGNER = """
import sys, time
from access import Gate
from store.db import connect
gate = Gate(connect(sys.argv[1]), "ada")
for line in sys.stdin:
    gate.changes.assign(int(line), "tom")
    print(time.perf_counter(), flush=True)
"""


def _ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


def in_transaction(location: str, runs: int) -> dict[str, float]:
    from access import Gate, notify_events
    from access.views import TicketQuery
    from store.db import connect
    from store.models import Person, Ticket, utcnow
    from store.notification_models import Follow, Notification

    db = connect(location)
    gate = Gate(db, "ada")
    quiet, followed = (
        row.number
        for row in gate.inbox.list_tickets(TicketQuery(statuses=("open",), search=""), limit=2)
    )
    people = [
        p.id
        for p in Person.select(Person.id)
        .where(Person.username.startswith("c") & (Person.id != gate.person_id))
        .limit(FOLLOWERS)
    ]
    assert len(people) == FOLLOWERS, "the demo has too few people"
    Follow.insert_many([{"person": p, "ticket": followed} for p in people]).execute()
    first = Notification.select(Notification.id).order_by(Notification.id.desc()).scalar() or 0
    notifying: list[float] = []
    notifying_cpu: list[float] = []
    change_quiet: list[float] = []
    change_told: list[float] = []
    try:
        for _ in range(runs):
            with db.atomic() as transaction:
                started, cpu = time.perf_counter(), time.process_time()
                notify_events.tickets_changed(
                    gate.person_id, "priority", "low", [followed], utcnow()
                )
                notifying.append(time.perf_counter() - started)
                notifying_cpu.append(time.process_time() - cpu)
                transaction.rollback()
            for number, samples in ((quiet, change_quiet), (followed, change_told)):
                now = Ticket.get_by_id(number).priority
                priority = "low" if now != "low" else "normal"
                started = time.perf_counter()
                gate.changes.set_priority(number, priority)
                samples.append(time.perf_counter() - started)
    finally:
        Notification.delete().where(Notification.id > first).execute()
        Follow.delete().where(Follow.ticket == followed).execute()
    return {
        f"notifying {FOLLOWERS} people inside the transaction (ms)": _ms(notifying),
        f"notifying {FOLLOWERS} people, this process's CPU (ms)": _ms(notifying_cpu),
        "a priority change, nobody told (ms)": _ms(change_quiet),
        f"a priority change, {FOLLOWERS} followers told (ms)": _ms(change_told),
    }


def _counted_in_title(app: Any, unread: int) -> Callable[[], bool]:
    return lambda: f"{unread} unread" in app.title


async def on_screen(location: str, runs: int, interval: float) -> dict[str, float]:
    from access import Gate
    from access.demo import DEMO_NOW
    from access.views import TicketQuery
    from screens.inbox import InboxScreen
    from store.db import connect
    from tests.tui_support import settle

    frames = FrameClock()
    gate = Gate(connect(location), "tom", clock=lambda: DEMO_NOW)
    numbers = [
        row.number
        for row in gate.inbox.list_tickets(TicketQuery(statuses=("open",), search=""), limit=200)
        if row.assignee != "tom"
    ][:runs]
    assigner = subprocess.Popen(
        [sys.executable, "-c", ASSIGNER, location],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert assigner.stdin is not None and assigner.stdout is not None
    commands, committed = assigner.stdin, assigner.stdout

    def assign(number: int) -> float:
        commands.write(f"{number}\n")
        commands.flush()
        return float(committed.readline())

    app = timed_app(frames)(gate, InboxScreen, refresh_seconds=interval)
    samples: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for number in numbers:
            frames.expect(_counted_in_title(app, app.notifier.unread + 1))
            at = await asyncio.to_thread(assign, number)
            await asyncio.wait_for(frames.shown.wait(), timeout=30)
            samples.append(frames.at - at)
            await settle(pilot)
    commands.close()
    assigner.wait(timeout=30)
    return {
        "a notification on another agent's open screen: median (ms)": _ms(samples),
        "a notification on another agent's open screen: p95 (ms)": round(p95(samples) * 1000, 2),
    }


def measure(location: str, runs: int, interval: float) -> dict[str, Any]:
    figures: dict[str, Any] = in_transaction(location, runs)
    figures.update(asyncio.run(on_screen(location, runs, interval)))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.notify")
    parser.add_argument("database", help="a SQLite file or a postgresql:// URL")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--interval", type=float, default=0.5)
    args = parser.parse_args()
    print(json.dumps(measure(args.database, args.runs, args.interval)))


if __name__ == "__main__":
    main()
