"""The audit events a session wrote itself. Its live feed leaves them out: the screen that made
a change reads the result back already, and a second read after the next poll only repeats it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable


class OwnChanges:
    """Event ids written by one session's gate, from any of its threads, kept only once a feed
    follows them (`follow`): a command or `serve` has none to claim them, and would keep
    every id it ever wrote."""

    def __init__(self) -> None:
        self._ids: set[int] = set()
        self._lock = threading.Lock()
        self._followed = False

    def follow(self) -> None:
        """A feed claims the ids from now on."""
        self._followed = True

    def add(self, event_ids: Iterable[int]) -> None:
        """Before COMMIT, so that the feed never sees the events before it knows them."""
        if not self._followed:
            return
        with self._lock:
            self._ids.update(event_ids)

    def forget(self, event_ids: Iterable[int]) -> None:
        """After a rollback: the ids may go to someone else's events."""
        with self._lock:
            self._ids.difference_update(event_ids)

    def claim(self, event_id: int) -> bool:
        """Whether `event_id` is one of the session's own; each is claimed once."""
        with self._lock:
            if event_id in self._ids:
                self._ids.remove(event_id)
                return True
            return False
