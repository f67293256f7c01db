"""Items of a generator made in a child process while the caller works on the one before: the
demo's rows are drawn in Python on one core while the database writes the previous batch on
the other (`access.demo`).

The child is forked, so it starts with the caller's state as it is (the seeded random
generator, the policies) and needs nothing pickled but the items it sends back. It touches no
database, and none of the caller's connections is closed there (`store.forked`). The child
is one item ahead at most: it waits for the caller to take an item before it sends the
next."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Generator, Iterator
from multiprocessing.connection import Connection
from typing import TypeVar

from store import forked

T = TypeVar("T")


def can_fork() -> bool:
    """Whether this platform forks processes (Linux does; macOS and Windows spawn)."""
    return "fork" in multiprocessing.get_all_start_methods()


def made_apart(make: Callable[[], Iterator[T]]) -> Generator[T, None, None]:
    """`make()`'s items, in order, made by a forked child; its error raised here."""
    receiving, sending = multiprocessing.get_context("fork").Pipe(duplex=False)
    child = forked.start(_send_all, make, sending)
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
    """The child: `make()`'s items sent, then its end (or its error, `forked.leave_after`)."""

    def send() -> None:
        for item in make():
            sending.send(("item", item))
        sending.send(("end", None))

    forked.leave_after(send, sending)
