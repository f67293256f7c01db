"""The opening (the person checked, what the inbox's first frame shows) read by a forked child
while the command imports Textual and the screens.

The start is one process on one interpreter lock: a thread reading the opening beside the
imports only interleaves its Python with theirs. A child process reads it on the other core.
It opens the database, checks the person, reads `tui.opening.Opening`, sends the person's id
and the opening pickled through a pipe, closes its connection and leaves with `os._exit`, its
collector off: nothing of the parent's copied state (its buffers, its objects' finalisers) is
flushed or finalised there. An error it meets is raised in the command as itself, with its
chain of causes, the child's traceback as a note. The command forks before it starts any
thread.

This module imports neither the gate nor the store: the child imports what it reads with, so
the command's own process does not before its first frame.
"""

from __future__ import annotations

import gc
import itertools
import os
import pickle
import signal
import traceback
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from tui.opening import Opening

# An exception's chain as the child sends it: each exception with how the one before it
# leads to it ("cause" for `raise ... from`, "context" otherwise) and whether its context was
# suppressed.
Chain = list[tuple[BaseException, str, bool]]


class OpeningRead:
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

    def __enter__(self) -> OpeningRead:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

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
