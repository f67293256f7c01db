"""The mail channel's reader thread: a batch's messages parsed in order ahead of the gate's
filing, while the filing waits on the database server (the driver lets go of the interpreter
while it waits; the parse is pure Python and could not run otherwise).

The gate consumes the results one by one, in the order of the batch (`MailReading.ahead`); the
thread ends with the `with` block whatever ends it: the batch filed, an exception, or results
left unconsumed (the thread is told to stop and joined, so at most one parse is waited for).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from queue import SimpleQueue

from access.inbound import ParsedMail, ReadMail, UnreadableMail

# While a reader thread parses, the interpreter hands its lock to another thread after this
# many seconds instead of its default 5 ms: the filing, back from each round trip to the
# server, waits for the lock at most this long.
SWITCH_INTERVAL = 0.0002


class _ShortSwitches:
    """The interpreter's switch interval at most `SWITCH_INTERVAL` while any reader thread
    runs, and the one before back when the last of them ends (imports of two sources may
    read at once)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._readers = 0
        self._before = 0.0

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._lock:
            if not self._readers:
                self._before = sys.getswitchinterval()
                sys.setswitchinterval(min(self._before, SWITCH_INTERVAL))
            self._readers += 1
        try:
            yield
        finally:
            with self._lock:
                self._readers -= 1
                if not self._readers:
                    sys.setswitchinterval(self._before)


_short_switches = _ShortSwitches()


class _Raised:
    """Anything but `UnreadableMail` raised by the parse, raised again where the gate takes
    that message's result (as the parse in the gate's own thread would have raised it)."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


@contextmanager
def read_in_thread(
    read: Callable[[bytes], ParsedMail], raws: Sequence[bytes]
) -> Iterator[Iterator[ReadMail]]:
    """`raws` read by `read` in a thread of their own, given in order: each message, or the
    `UnreadableMail` that says why it cannot be read. Leaving the block stops the thread
    before its next message and waits for it."""
    results: SimpleQueue[ReadMail | _Raised] = SimpleQueue()
    stop = threading.Event()

    def parse_all() -> None:
        for raw in raws:
            if stop.is_set():
                return
            try:
                results.put(read(raw))
            except UnreadableMail as exc:
                results.put(exc)
            except BaseException as exc:  # raised again in the gate's thread
                results.put(_Raised(exc))
                return

    def in_order() -> Iterator[ReadMail]:
        for _raw in raws:
            result = results.get()
            if isinstance(result, _Raised):
                raise result.error
            yield result

    thread = threading.Thread(target=parse_all, name="ticketty-mail-reader", daemon=True)
    with _short_switches.held():
        thread.start()
        try:
            yield in_order()
        finally:
            stop.set()
            thread.join()
