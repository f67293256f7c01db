"""The one way the app calls the gate: `GateFunnel.call`, awaited from an async worker.

Calls run on the session's own few threads (`GATE_THREADS`), which keep their database
connection from one call to the next (peewee keeps one per thread): a session opens at most
that many, however many screens, pages and keys it goes through. The live watcher
(`tui.live`) has a thread and connection of its own.

What goes wrong is said in one plain line for the person; a refusal or a database error is a
notice, never a crash. An exception the gate does not mean (a bug) is said the same way and its
traceback is written to the log file (`log_location`), so that it is not lost.

The app ends after the calls that began (`tui.gate_calls`); a call not begun by then is not
begun.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import suppress
from pathlib import Path
from typing import TypeVar

import platformdirs

from access import AccessError
from access.errors import TickettyError
from tui.gate_calls import GateCalls

Result = TypeVar("Result")

# Threads, and so database connections, a session's gate calls run on: enough that a page
# read does not wait behind a count or a presence write, few enough to stay bounded.
GATE_THREADS = 3

LOG_VARIABLE = "TICKETTY_LOG"


class GateCallFailed(TickettyError):
    """A gate call failed (`error`) and the person was told. An async flow lets it end the
    worker, or catches it to do what a failure asks (reload, put a form back)."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def log_location() -> Path:
    """`TICKETTY_LOG`, else `ticketty.log` in the user state folder that platformdirs names."""
    explicit = os.environ.get(LOG_VARIABLE)
    if explicit:
        return Path(explicit).expanduser()
    return Path(platformdirs.user_state_dir("ticketty", appauthor=False)) / "ticketty.log"


def describe_error(exc: BaseException) -> str:
    """One sentence for a person: the gate's and the database's own messages are written so."""
    from access.database import DatabaseError  # an error came: the gate was made

    if isinstance(exc, AccessError | DatabaseError):
        return str(exc)
    return f"unexpected error: {type(exc).__name__}: {exc}"


def is_expected(exc: BaseException) -> bool:
    """A refusal or a database failure: the gate means it, so no traceback is kept."""
    from access.database import DatabaseError

    return isinstance(exc, AccessError | DatabaseError)


def log_unexpected(exc: BaseException, where: str) -> None:
    """Append `exc`'s traceback to the log file; a log that cannot be written is let go (the
    person was told already)."""
    logger = logging.getLogger("ticketty.tui")
    location = log_location()
    try:
        location.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(location, encoding="utf-8")
    except OSError:
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.error("unexpected error in %s", where, exc_info=exc)
    finally:
        logger.removeHandler(handler)
        handler.close()


class GateFunnel:
    """A session's gate calls: run on its threads, counted so that the app ends after them."""

    def __init__(self, threads: int = GATE_THREADS) -> None:
        self.calls = GateCalls()
        self._size = threads
        self._threads = ThreadPoolExecutor(threads, thread_name_prefix="ticketty-gate")

    async def run(self, call: Callable[[], Result]) -> Result:
        """`call()` on one of the session's threads, its exception as raised. A call the
        ended app will not begin cancels the awaiting worker."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._threads, self._counted, call)
        except _NotBegun:
            raise asyncio.CancelledError from None
        except RuntimeError:  # the threads were shut down: the app has ended
            if self.calls.closed:
                raise asyncio.CancelledError from None
            raise

    def _counted(self, call: Callable[[], Result]) -> Result:
        if not self.calls.begin():
            raise _NotBegun
        try:
            return call()
        finally:
            self.calls.end()

    def close(self, timeout: float) -> bool:
        """Begin no more calls, wait up to `timeout` for the running ones, then have each
        thread close its database connection before the threads go. Blocks: call it from a
        thread."""
        deadline = time.monotonic() + timeout
        ended = self.calls.close(timeout)
        # One closing per thread: each waits for the others, so no thread takes two while
        # another takes none (a thread still in a call past the timeout keeps its own).
        together = threading.Barrier(self._size)
        closings = [
            self._threads.submit(_close_connection, together, deadline) for _ in range(self._size)
        ]
        wait(closings, max(0.0, deadline - time.monotonic()) + 1)
        self._threads.shutdown(wait=False, cancel_futures=True)
        return ended


def _close_connection(together: threading.Barrier, deadline: float) -> None:
    """On one of the funnel's threads: its own connection, closed once every thread is here."""
    with suppress(threading.BrokenBarrierError):
        together.wait(max(0.0, deadline - time.monotonic()))
    if "store.models" in sys.modules:  # else no gate call connected
        from access.database import close_thread_connection

        close_thread_connection()


class _NotBegun(Exception):
    """The app ended before the call's turn came."""
