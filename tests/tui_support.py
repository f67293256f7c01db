"""Helpers for app tests: a demo database per test and a way to wait for the app to settle."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from access import Gate
from access.demo import DEMO_NOW, build_demo
from store.db import connect
from ticketty.launch import build_app
from tui.app import TickettyApp


def demo_database(path: Path, tickets: int = 300) -> None:
    db = connect(str(path), create=True)
    build_demo(db, tickets=tickets, seed=7)
    db.close()


def make_app(path: Path, username: str) -> TickettyApp:
    """The app as `username` on the demo file, with the demo's fixed clock and no polling."""
    return build_app(
        Gate(connect(str(path)), username), clock=lambda: DEMO_NOW, refresh_seconds=3600
    )


async def settle(pilot: Pilot) -> None:
    """Wait until no worker runs and no message is pending (a count starts page loads, so
    one wait is not always enough)."""
    idle = 0
    for _ in range(50):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        # Idle twice in a row: a finished worker's callback may start the next one.
        idle = idle + 1 if not any(w.is_running for w in pilot.app.workers) else 0
        if idle == 2:
            break
