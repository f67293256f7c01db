"""Helpers for app tests: a demo database per test and a way to wait for the app to settle."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import suppress

from textual.message import Message
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from access import Gate
from access.demo import DEMO_NOW, build_demo
from store.db import connect
from ticketty.launch import build_app
from tui.app import TickettyApp


def demo_database(location: str, tickets: int = 300) -> None:
    db = connect(location, create=True)
    build_demo(db, tickets=tickets, seed=7)
    db.close()


def make_app(location: str, username: str, refresh_seconds: float = 3600) -> TickettyApp:
    """The app as `username` on the demo database, with the demo's fixed clock; by default it
    does not follow others' changes."""
    return build_app(
        Gate(connect(location), username),
        clock=lambda: DEMO_NOW,
        refresh_seconds=refresh_seconds,
    )


async def settle(pilot: Pilot) -> None:
    """Wait until no worker runs and no message is pending (a count starts page loads, so
    one wait is not always enough)."""
    idle = 0
    for _ in range(50):
        # An exclusive load replaced by a newer one is cancelled; the next round waits for that.
        with suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        # Idle twice in a row: a finished worker's callback may start the next one.
        idle = idle + 1 if not any(w.is_running for w in pilot.app.workers) else 0
        if idle == 2:
            break


class Handled:
    """Messages as an app handles them, to await instead of sleeping: pass `hook` as
    `run_test(message_hook=...)`, call `expect` before the action, then await what it returns."""

    def __init__(self) -> None:
        self._waiting: list[tuple[type[Message], Callable[[Message], bool], asyncio.Future]] = []

    def hook(self, message: Message) -> None:
        for waiting in list(self._waiting):
            kind, wanted, future = waiting
            if isinstance(message, kind) and wanted(message) and not future.done():
                future.set_result(message)
                self._waiting.remove(waiting)

    def expect(
        self, kind: type[Message], wanted: Callable[[Message], bool] = lambda _: True
    ) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((kind, wanted, future))
        return future


async def handled(future: asyncio.Future, pilot: Pilot) -> Message:
    """The awaited message (within 20 s), then the app settled after handling it."""
    message = await asyncio.wait_for(future, 20)
    await settle(pilot)
    return message
