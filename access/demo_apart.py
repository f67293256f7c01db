"""Items of a generator made in a child process while the caller works on the one before: the
demo's rows are drawn in Python on one core while the database writes the previous batch on
the other (`access.demo`).

The child is forked, so it starts with the caller's state as it is (the seeded random
generator, the policies) and needs nothing pickled but the items it sends back. It touches no
database: the objects of the caller (its connections among them) are frozen out of the
child's garbage collection, so none is closed there. The child is one item ahead at most: it
waits for the caller to take an item before it sends the next."""

from __future__ import annotations

import gc
import multiprocessing
import os
import traceback
from collections.abc import Callable, Generator, Iterator
from multiprocessing.connection import Connection
from typing import TypeVar

T = TypeVar("T")


def can_fork() -> bool:
    """Whether this platform forks processes (Linux does; macOS and Windows spawn)."""
    return "fork" in multiprocessing.get_all_start_methods()


def made_apart(make: Callable[[], Iterator[T]]) -> Generator[T, None, None]:
    """`make()`'s items, in order, made by a forked child; its error raised here."""
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    gc.freeze()
    try:
        child = context.Process(target=_send_all, args=(make, sending), daemon=True)
        child.start()
    finally:
        gc.unfreeze()
    sending.close()
    try:
        while True:
            kind, item = receiving.recv()
            if kind == "error":
                raise RuntimeError(f"the child making the items failed:\n{item}")
            if kind == "end":
                return
            yield item
    finally:
        receiving.close()
        if child.is_alive():
            child.kill()
        child.join()


def _send_all(make: Callable[[], Iterator[object]], sending: Connection) -> None:
    """The child: `make()`'s items sent, then its end (or its error); it leaves at once, as
    `os._exit` does, so that nothing of the caller's copied state (a stream's buffer and its
    lock, which another thread may have held at the fork) is flushed or finalised here."""
    code = 0
    try:
        for item in make():
            sending.send(("item", item))
        sending.send(("end", None))
    except BaseException:
        code = 1
        sending.send(("error", traceback.format_exc()))
    finally:
        sending.close()
        os._exit(code)
