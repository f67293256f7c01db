"""Helpers for app tests: a demo database per test and a way to wait for the app to settle."""

from __future__ import annotations

import asyncio
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from textual import events
from textual.app import App
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key
from textual.message import Message
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Tree

from access import Gate
from access.demo import DEMO_NOW, build_demo
from access.views import TicketRow
from screens.role_editor import RoleEditorScreen
from tests.backends import connect
from ticketty.launch import build_app
from tui.app import TickettyApp
from tui.ticket_list import PAGE, TicketList


def demo_database(location: str, tickets: int = 300) -> None:
    db = connect(location, create=True)
    build_demo(db, tickets=tickets, seed=7)
    db.close()


def make_app(location: str | Path, username: str, refresh_seconds: float = 3600) -> TickettyApp:
    """The app as `username` on the demo database, with the demo's fixed clock; by default it
    does not follow others' changes."""
    return build_app(
        Gate(connect(str(location)), username, clock=lambda: DEMO_NOW),
        refresh_seconds=refresh_seconds,
    )


def row_under_cursor(tickets: TicketList) -> TicketRow:
    """The row the cursor is on; the test fails when that row is not loaded."""
    row = tickets.current_row()
    assert row is not None, f"no row loaded at the cursor ({tickets.cursor})"
    return row


def first_page(tickets: TicketList) -> list[TicketRow]:
    """The rows of the list's first page (up to 100), which the test expects loaded."""
    page = tickets._page_for(0)
    assert page is not None, "the first page is not loaded"
    return page[: min(tickets.total, PAGE)]


def tree_line(tree: Tree[Any], data: object) -> int:
    """The line of the node that carries `data`, among the lines the tree shows."""
    return next(
        line
        for line in range(tree.last_line + 1)
        if (node := tree.get_node_at_line(line)) is not None and node.data == data
    )


async def tick(pilot: Pilot[Any], editor: RoleEditorScreen, permission: str) -> None:
    """Tick (or untick) `permission` in the role editor's tree, opening its group first."""
    tree = editor.query_one("#permission-tree", Tree)
    tree.focus()
    tree.cursor_line = tree_line(tree, permission.split(".")[0])
    await press(pilot, "enter")
    tree.cursor_line = tree_line(tree, permission)
    await press(pilot, "space")


async def open_ticket(pilot: Pilot[Any], number: int) -> Screen[Any]:
    """Ticket `number` opened from the inbox as a person opens it: `/#N`, then enter."""
    await settle(pilot)
    await press(pilot, "slash", *f"#{number}", "enter")
    await press(pilot, "enter")
    assert type(pilot.app.screen).__name__ == "TicketDetailScreen", pilot.app.screen
    return pilot.app.screen


async def open_role(pilot: Pilot[Any], name: str) -> RoleEditorScreen:
    """The role editor (`R` from the inbox) on the role `name`, reached by `j` presses."""
    await settle(pilot)
    await press(pilot, "R")
    editor = pilot.app.screen
    assert isinstance(editor, RoleEditorScreen)
    for _ in range([r.name for r in editor.roles].index(name)):
        await press(pilot, "j")
    assert editor.current is not None and editor.current.name == name
    return editor


async def press_as_a_terminal(pilot: Pilot, *keys: str) -> None:
    """Keys as a terminal sends them: an alt key comes with its letter as the character,
    which Pilot's `press` leaves out, so a text area that would type the letter is caught."""
    for key in keys:
        modifier, _, letter = key.rpartition("+")
        character = letter if modifier == "alt" and len(letter) == 1 else None
        pilot.app.post_message(events.Key(key, character))
        await pilot.pause()


async def press(pilot: Pilot[Any], *keys: str) -> None:
    """Keys as `pilot.press` sends them (the same events, with the same characters), the app
    settled after each one (`settle`) instead of Pilot's waits for the process to look idle (20
    ms at least, twice a key, and a pass more for every 20 ms the process was busy)."""
    app = pilot.app
    for key in keys:
        app.post_message(key_event(key))
        await pilot.app.animator.wait_until_complete()
        await settle(pilot)


def key_event(key: str) -> events.Key:
    """The key event `pilot.press(key)` sends: a printable key carries its character."""
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        character: str | None = unicodedata.lookup(
            _get_unicode_name_from_key(REPLACED_KEYS.get(key, key))
        )
    except KeyError:
        character = key if len(key) == 1 else None
    return events.Key(key, character)


async def settle(pilot: Pilot) -> None:
    """Wait until no worker runs and nothing is pending: no message or callback queued on the
    app or any of its screens and widgets, no callback waiting for the screen's refresh; twice
    in a row, since a finished worker's callback may start the next one (a count starts page
    loads). A flow waiting for the person's answer to a question (`TickettyApp.asked`) is not
    waited for: it waits for the test's next key. Each round is one pass of the app's queues
    (`pilot.pause(0)`), not a wait for the process to look idle; a worker's end is awaited."""
    app = pilot.app
    waiting: set[Any] = getattr(app, "waiting_on_person", set())
    deadline = time.monotonic() + SETTLE_TIMEOUT
    quiet = 0
    while quiet < 2 and time.monotonic() < deadline:
        working = [w for w in app.workers if w.is_running and w not in waiting]
        if working:
            # Their ends awaited, again after a moment: a flow may come to wait for the person.
            tasks = {w._task for w in working if w._task is not None}
            if tasks:
                await asyncio.wait(tasks, timeout=RECHECK, return_when=asyncio.FIRST_COMPLETED)
            else:
                await asyncio.sleep(RECHECK)
            quiet = 0
            continue
        await pilot.pause(0)
        quiet = 0 if pending(app) else quiet + 1


def pending(app: App[Any]) -> bool:
    """A message or a callback is still queued on the app or one of its nodes, or waits for
    the screen's next refresh."""
    nodes = (app, *app.screen_stack, *app._registry)
    return bool(app.screen._callbacks) or any(
        node.message_queue_size or node._next_callbacks for node in nodes
    )


RECHECK = 0.02
SETTLE_TIMEOUT = 120.0


MessageType = TypeVar("MessageType", bound=Message)


class Handled:
    """Messages as an app handles them, to await instead of sleeping: pass `hook` as
    `run_test(message_hook=...)`, call `expect` before the action, then await what it returns."""

    def __init__(self) -> None:
        self._waiting: list[tuple[type[Any], Callable[[Any], bool], asyncio.Future[Any]]] = []

    def hook(self, message: Message) -> None:
        for waiting in list(self._waiting):
            kind, wanted, future = waiting
            if isinstance(message, kind) and wanted(message) and not future.done():
                future.set_result(message)
                self._waiting.remove(waiting)

    def expect(
        self, kind: type[MessageType], wanted: Callable[[MessageType], bool] = lambda _: True
    ) -> asyncio.Future[MessageType]:
        future: asyncio.Future[MessageType] = asyncio.get_running_loop().create_future()
        self._waiting.append((kind, wanted, future))
        return future


async def handled(future: asyncio.Future[MessageType], pilot: Pilot[Any]) -> MessageType:
    """The awaited message (within 20 s), then the app settled after handling it."""
    message = await asyncio.wait_for(future, 20)
    await settle(pilot)
    return message
