"""The opening (the person checked, what the inbox's first frame shows) read while the command
imports Textual and the screens: by a forked child where a core is free, by a thread otherwise.

The start is one process on one interpreter lock: a thread reading the opening beside the
imports only interleaves its Python with theirs. A child process reads it on the other core.
It opens the database, checks the person, reads `tui.opening.Opening`, sends the person's id
and the opening pickled through a pipe, closes its connection and leaves with `os._exit`, its
collector off: nothing of the parent's copied state (its buffers, its objects' finalisers) is
flushed or finalised there. An error it meets is raised in the command as itself, with its
chain of causes, the child's traceback as a note. The command forks before it starts any
thread.

The child pays only where a core is free to run it: where every core is taken (a team's
sessions starting at once on one server), the two processes would compete for them, and the
fork's copied pages and second imports would make the start slower than reading in a thread.
`opening_reader` forks when the kernel counts fewer tasks ready to run than the cores this
process may use, at the moment of the start, and reads in a thread of the command otherwise.

This module imports neither the gate nor the store: the reader imports what it reads with, so
the command's own process does not before its first frame.
"""

from __future__ import annotations

import gc
import itertools
import os
import pickle
import signal
import threading
import traceback
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, NoReturn, Self

if TYPE_CHECKING:
    from tui.opening import Opening

# An exception's chain as the child sends it: each exception with how the one before it
# leads to it ("cause" for `raise ... from`, "context" otherwise) and whether its context was
# suppressed.
Chain = list[tuple[BaseException, str, bool]]


class _Reading:
    """What both readers are in a `with` block: leaving it ends what is left of the reading
    (`close`)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Nothing is left to end."""


class OpeningRead(_Reading):
    """`with OpeningRead(...) as reading:` forks the reader at once; `reading.result()`
    waits for it and returns the person's id and the opening, or raises what the child raised.
    Leaving the block before `result` ends the child and waits for it."""

    def __init__(
        self,
        location: str,
        username: str,
        clock: Callable[[], datetime] | None,
        file_limit: int,
    ) -> None:
        self._read_end, write_end = os.pipe()
        self._pid: int | None = os.fork()
        if self._pid == 0:
            os.close(self._read_end)
            _in_child(write_end, location, username, clock, file_limit)
        os.close(write_end)

    def close(self) -> None:
        """End the child if it has not been waited for, and close the pipe."""
        if self._pid is not None:
            pid, self._pid = self._pid, None
            with suppress(ProcessLookupError, ChildProcessError):  # already waited for
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        if self._read_end >= 0:
            os.close(self._read_end)
            self._read_end = -1

    def result(self) -> tuple[int, Opening]:
        """The person's id and the opening, once the child has sent them and left."""
        assert self._pid is not None, "the result is taken once"
        parts = []
        while chunk := os.read(self._read_end, 1 << 16):
            parts.append(chunk)
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        sent = b"".join(parts)
        if not sent:
            raise RuntimeError(f"the opening's reader ended without an answer ({status=})")
        try:
            kind, value, told = pickle.loads(sent)
        except Exception as exc:
            raise RuntimeError("the opening's reader sent what cannot be read") from exc
        if kind == "read":
            return value
        if kind == "error":
            raise _relinked(value, told)
        raise RuntimeError(f"the opening's reader failed:\n{told}")


class OpeningThread(_Reading):
    """The same reading in a thread of the command (`opening_reader`, where no core is free):
    `result()` waits for it and returns what the child's would, or raises what it raised.
    Leaving the block before `result` lets the thread end by itself (it closes its
    connection)."""

    def __init__(
        self,
        location: str,
        username: str,
        clock: Callable[[], datetime] | None,
        file_limit: int,
    ) -> None:
        self._read: tuple[int, Opening] | None = None
        self._failure: BaseException | None = None

        def run() -> None:
            try:
                self._read = _read(location, username, clock, file_limit)
            except BaseException as exc:  # handed to the command by `result`
                self._failure = exc

        self._thread = threading.Thread(target=run, name="ticketty-opening", daemon=True)
        self._thread.start()

    def result(self) -> tuple[int, Opening]:
        """The person's id and the opening, once the thread has read them."""
        self._thread.join()
        if self._failure is not None:
            raise self._failure
        assert self._read is not None
        return self._read


def opening_reader(
    location: str,
    username: str,
    clock: Callable[[], datetime] | None,
    file_limit: int,
) -> OpeningRead | OpeningThread:
    """The opening's reader, started: a forked child where a core is free now (`core_free`),
    a thread of the command otherwise."""
    reader = OpeningRead if core_free() else OpeningThread
    return reader(location, username, clock, file_limit)


def core_free() -> bool:
    """Whether a core is free at this moment: the tasks ready to run (this one among them)
    fewer than the cores this process may use. False where the kernel does not say (no
    `/proc/loadavg`)."""
    try:
        running = runnable_tasks(Path("/proc/loadavg").read_text())
    except (OSError, ValueError):
        return False
    return running < len(os.sched_getaffinity(0))


def runnable_tasks(loadavg: str) -> int:
    """The tasks ready to run now, from `/proc/loadavg`'s text (`0.52 0.58 0.59 2/467 12345`:
    the fourth field's first number); ValueError for any other text."""
    fields = loadavg.split()
    if len(fields) != 5:
        raise ValueError(f"not a load average line: {loadavg!r}")
    return int(fields[3].partition("/")[0])


def _relinked(chain: Chain, told: str) -> BaseException:
    """The first exception of `chain` with its causes and contexts linked again (pickling
    drops them) and the child's traceback as a note."""
    for (exc, _, _), (after, via, _) in itertools.pairwise(chain):
        if via == "cause":
            exc.__cause__ = after
        else:
            exc.__context__ = after
    for exc, _, suppressed in chain:
        exc.__suppress_context__ = suppressed
    first = chain[0][0]
    first.add_note(f"raised in the opening's reader:\n{told}")
    return first


def _chain(exc: BaseException) -> Chain:
    chain: Chain = [(exc, "", exc.__suppress_context__)]
    current = exc
    while True:
        after = current.__cause__ or current.__context__
        if after is None or any(after is seen for seen, _, _ in chain):
            return chain
        via = "cause" if current.__cause__ is not None else "context"
        chain.append((after, via, after.__suppress_context__))
        current = after


def _read(
    location: str, username: str, clock: Callable[[], datetime] | None, file_limit: int
) -> tuple[int, Opening]:
    from access import Gate
    from store.db import connect
    from tui.opening import Opening

    db = connect(location)
    try:
        gate = Gate(db, username, clock=clock, file_limit=file_limit)
        return gate.person_id, Opening.read(gate)
    finally:
        db.close()


def _in_child(
    pipe: int,
    location: str,
    username: str,
    clock: Callable[[], datetime] | None,
    file_limit: int,
) -> NoReturn:
    """The child's life: read, send, leave."""
    gc.disable()
    try:
        try:
            sent = pickle.dumps(("read", _read(location, username, clock, file_limit), ""))
        except BaseException as exc:
            told = traceback.format_exc()
            try:
                sent = pickle.dumps(("error", _chain(exc), told))
            except Exception:
                sent = pickle.dumps(("broken", None, told))
        view = memoryview(sent)
        while view:
            view = view[os.write(pipe, view) :]
    finally:
        os._exit(0)
