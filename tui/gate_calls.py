"""The gate calls a session has running in threads, so that the app ends after them.

A screen that closes as the app ends still says so through the gate (the presence it leaves,
a draft it drops) in a thread worker, and Textual cannot stop a thread: it cancels the worker
and lets the thread run on. A write still running after the app has ended would hold its turn
at the database (`store.turns`) while whatever comes next in the process (a command after the
app, the next test) waits for it. So the app waits for the calls that began, and calls that
had not begun by then are not begun at all.
"""

from __future__ import annotations

import threading


class GateCalls:
    """A count of the gate calls running, closed once the app ends."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._running = 0
        self._closed = False

    def begin(self) -> bool:
        """In the thread, before the call: False once the app has ended (then skip it)."""
        with self._changed:
            if self._closed:
                return False
            self._running += 1
            return True

    @property
    def closed(self) -> bool:
        """Whether the app has ended: no call begins any more."""
        return self._closed

    def end(self) -> None:
        """In the thread, after a call that `begin` let run, whatever came of it."""
        with self._changed:
            self._running -= 1
            self._changed.notify_all()

    def close(self, timeout: float) -> bool:
        """Begin no more calls and wait up to `timeout` seconds for the running ones; whether
        they all ended. Blocks: call it from a thread, never the event loop (a running call
        may be waiting for the loop to take its result)."""
        with self._changed:
            self._closed = True
            return self._changed.wait_for(lambda: self._running == 0, timeout)
