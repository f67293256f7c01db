"""Writers to one SQLite file take turns: each write transaction holds the turn, a `flock` on
a file next to the database, from before `BEGIN IMMEDIATE` to its COMMIT or ROLLBACK.

SQLite's own busy handler polls, sleeping longer the longer it has waited (up to 100 ms between
tries), so a writer that has waited long loses to writers that have just finished: with ten
writers in a loop one waited 15 s and another gave up with "database is locked". A writer
waiting for a `flock` sleeps in the kernel, which wakes it the moment the lock is let go.

A released `flock` goes to whichever waiter runs first, and a writer that has just committed is
often already running. So the turn is taken through a queue lock: only the holder of the queue
lock may wait for the turn, and it lets the queue lock go once it has the turn. The writer at
the head of the line is thus always the next to write, whoever else arrives.

A `flock` belongs to one open file, so two connections of one process exclude each other as two
processes do, and the kernel lets it go when its process dies: a killed writer never blocks the
others.
"""

from __future__ import annotations

import fcntl
import os
import threading

import peewee


class Turn:
    """One writer's turn; `give_back()` ends it."""

    def __init__(self, descriptor: int) -> None:
        self._descriptor: int | None = descriptor

    def give_back(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None


class WriterTurns:
    """The line of writers to the SQLite file at `database_path`."""

    def __init__(self, database_path: str, timeout: float) -> None:
        self.turn_path = f"{database_path}-turn"
        self.queue_path = f"{database_path}-queue"
        self.timeout = timeout

    def take(self) -> Turn | None:
        """Wait for this writer's turn, at most `timeout` seconds (then "database is locked",
        as SQLite says). None where the lock files cannot be made (a folder nobody may write:
        nothing can be written there either, and SQLite says why)."""
        try:
            queue = _open(self.queue_path)
        except OSError:
            return None
        try:
            turn = _open(self.turn_path)
        except OSError:
            os.close(queue)
            return None
        try:
            queued = _try_lock(queue)
            free = queued and _try_lock(turn)
        except OSError:  # a file system without `flock`: SQLite's own locking still holds
            os.close(queue)
            os.close(turn)
            return None
        if not free:
            return self._wait(queue, turn, queued=queued)
        os.close(queue)
        return Turn(turn)

    def _wait(self, queue: int, turn: int, *, queued: bool) -> Turn:
        line = _Line(queue, turn, queued)
        threading.Thread(target=line.wait, name="ticketty-writer-turn", daemon=True).start()
        if line.served(self.timeout):
            return Turn(turn)
        raise peewee.OperationalError("database is locked")


class _Line:
    """The blocking part of taking a turn, in a thread of its own: a `flock` call cannot be
    interrupted, so a writer that stops waiting leaves this behind, and it lets go of what it
    gets as soon as it gets it."""

    def __init__(self, queue: int, turn: int, queued: bool) -> None:
        self._queue = queue
        self._turn = turn
        self._queued = queued
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._abandoned = False
        self._failure: OSError | None = None

    def wait(self) -> None:
        try:
            if not self._queued:
                fcntl.flock(self._queue, fcntl.LOCK_EX)
            fcntl.flock(self._turn, fcntl.LOCK_EX)
        except OSError as exc:
            self._failure = exc
        os.close(self._queue)
        with self._lock:
            if self._abandoned:
                os.close(self._turn)
            else:
                self._done.set()

    def served(self, timeout: float) -> bool:
        """Whether the turn came within `timeout`; if not, the line lets it go when it comes."""
        if not self._done.wait(timeout):
            with self._lock:
                if not self._done.is_set():
                    self._abandoned = True
                    return False
        if self._failure is not None:
            os.close(self._turn)
            raise peewee.OperationalError(f"cannot take a writer's turn: {self._failure}")
        return True


def _open(path: str) -> int:
    # Read-only is enough for `flock`, so people sharing a database through a group may each
    # open a lock file that another made.
    return os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o666)


def _try_lock(descriptor: int) -> bool:
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
