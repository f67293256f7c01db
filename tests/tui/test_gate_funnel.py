"""The app's one gate funnel (`tui.gate_funnel`): the app ends after the gate calls that began,
a call not begun by then never runs, a refusal is a notice, a bug's traceback reaches the log
file, and a session's database work stays on a bounded set of connections."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import peewee
import pytest

from access import NotFound
from store.models import database_proxy
from tests.tui_support import make_app, open_ticket, press, settle
from tui.app import TickettyApp
from tui.gate_funnel import GATE_THREADS, LOG_VARIABLE, GateFunnel

TIMEOUT = 30.0


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Poll `condition` in a helper thread, with a generous limit."""
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.01)


class HeldCall:
    """A gate call that runs until the app has begun to end, as a presence write still running
    when the person quits; it says when it began and when it ended."""

    def __init__(self, app: TickettyApp, order: list[str], name: str) -> None:
        self.app, self.order, self.name = app, order, name
        self.began = threading.Event()

    def __call__(self) -> None:
        self.began.set()
        wait_until(lambda: self.app.gate_calls.closed, "the app to begin ending")
        self.order.append(f"{self.name} ended")


async def test_the_app_ends_after_the_calls_that_began_and_begins_no_others(
    demo_copy: str,
) -> None:
    order: list[str] = []
    app = make_app(demo_copy, "tom")
    queued_ran = threading.Event()
    async with app.run_test() as pilot:
        await settle(pilot)
        held = [HeldCall(app, order, f"call {n}") for n in range(GATE_THREADS)]
        for call in held:
            app.background_call(call)
        for call in held:
            assert await asyncio.to_thread(call.began.wait, TIMEOUT)
        # Every thread is busy: this one waits its turn, which comes after the app ended.
        app.background_call(queued_ran.set)
        await pilot.pause()
    order.append("exit returned")
    assert order[-1] == "exit returned" and len(order) == GATE_THREADS + 1, order
    assert not queued_ran.is_set(), "a call not begun before the app ended ran after it"


async def test_a_call_after_the_app_ended_is_not_run(demo_copy: str) -> None:
    app = make_app(demo_copy, "tom")
    async with app.run_test() as pilot:
        await settle(pilot)
    ran = threading.Event()
    with pytest.raises(asyncio.CancelledError):
        await app.gate_funnel.run(ran.set)
    assert not ran.is_set()


@pytest.fixture
def log_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    location = tmp_path / "state" / "ticketty.log"
    monkeypatch.setenv(LOG_VARIABLE, str(location))
    return location


def notices(app: TickettyApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_an_unexpected_error_is_one_line_and_its_traceback_is_logged(
    demo_copy: str, log_file: Path
) -> None:
    settings: dict[str, str] = {}

    def broken_call() -> str:
        return settings["no such key"]  # a bug in a call

    app = make_app(demo_copy, "tom")
    async with app.run_test() as pilot:
        await settle(pilot)
        app.background_call(broken_call)
        await settle(pilot)
        assert "unexpected error: KeyError: 'no such key'" in notices(app)
        assert app.is_running  # a notice, not a crash
    logged = log_file.read_text()
    assert "Traceback" in logged and "broken_call" in logged and "KeyError" in logged


async def test_a_refusal_is_a_notice_and_not_logged(demo_copy: str, log_file: Path) -> None:
    def refused() -> None:
        raise NotFound("ticket #999999 not found")

    app = make_app(demo_copy, "tom")
    async with app.run_test() as pilot:
        await settle(pilot)
        app.background_call(refused)
        await settle(pilot)
        assert "ticket #999999 not found" in notices(app)
        assert app.is_running
    assert not log_file.exists()


@pytest.fixture
def connections_opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The threads that open a connection to the models' database from now on, once per
    connection (peewee keeps one per thread)."""
    opened: list[str] = []

    def counted(original: Callable[..., Any]) -> Callable[..., Any]:
        def connect(self: peewee.Database, *args: Any, **kwargs: Any) -> Any:
            if self is database_proxy.obj:
                opened.append(threading.current_thread().name)
            return original(self, *args, **kwargs)

        return connect

    for database in (peewee.SqliteDatabase, peewee.PostgresqlDatabase):
        monkeypatch.setattr(database, "_connect", counted(vars(database)["_connect"]))
    return opened


SCRIPTED_TICKETS = (2, 5, 9, 12, 20)


async def test_a_session_works_on_a_bounded_set_of_connections(
    demo_copy: str, connections_opened: list[str]
) -> None:
    """A working session's scripted actions: browse, open tickets and go back, the role
    editor, other views. Besides the connection it opens with (main thread) and the live
    watcher's, its gate calls open no more connections than the funnel has threads."""
    app = make_app(demo_copy, "ada")
    async with app.run_test() as pilot:
        await settle(pilot)
        for _ in range(3):  # paging faster than pages are read: several reads at once
            await press(pilot, *["pagedown"] * 8, "G", "g")
        for number in SCRIPTED_TICKETS:
            await open_ticket(pilot, number)
            await press(pilot, "escape")
        await pilot.press("R")  # the role editor
        await settle(pilot)
        await pilot.press("escape")
        for view_key in ("U", "M", "U", "M"):  # unassigned, mine, and back
            await press(pilot, view_key)
    print(f"connections opened by the session: {len(connections_opened)} {connections_opened}")
    calls = [name for name in connections_opened if name not in ("MainThread", "ticketty-live")]
    assert len(connections_opened) - len(calls) <= 2, connections_opened
    assert 0 < len(calls) <= GATE_THREADS, connections_opened


@pytest.mark.postgresql_only(reason="a connection seen closed from another thread (psycopg's)")
async def test_the_funnel_closes_each_threads_connection_when_it_closes(
    db: peewee.Database,
) -> None:
    """Each of the funnel's threads closes its own connection when the funnel closes, none is
    left for the collector to close (with a ResourceWarning, in whatever runs then)."""
    funnel = GateFunnel()
    together = threading.Barrier(GATE_THREADS)
    opened: list[Any] = []

    def call() -> None:
        together.wait(TIMEOUT)  # every call on a thread of its own
        opened.append(database_proxy.connection())
        database_proxy.execute_sql("SELECT 1")

    await asyncio.gather(*(funnel.run(call) for _ in range(GATE_THREADS)))
    assert len({id(connection) for connection in opened}) == GATE_THREADS
    assert not any(connection.closed for connection in opened)
    assert await asyncio.to_thread(funnel.close, TIMEOUT)
    assert all(connection.closed for connection in opened)
