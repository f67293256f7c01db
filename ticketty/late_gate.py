"""The app's gate, made when first used: after the first frame, on the thread that first asks
(a gate call's, the live watcher's).

The command's process draws its first frame from what the start's reader sent
(`ticketty.opening_read`) without loading the gate, the store's models or peewee. What the event
loop reads of the gate before then, the person's name and id, the clock and the file limit, is
given; any other name is the gate's, which is made, over a database object that runs no
statement until asked (`store.db.reopened`), as it is first named."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from store.clock import utcnow

if TYPE_CHECKING:
    import peewee

    from access.gate import Gate


class LateGate:
    """Stands for `Gate(db, username, ...)` over `location`, the person checked already."""

    def __init__(
        self,
        location: str,
        username: str,
        person_id: int,
        *,
        clock: Callable[[], datetime] | None,
        file_limit: int,
    ) -> None:
        self.username, self.person_id, self.file_limit = username, person_id, file_limit
        self.clock: Callable[[], datetime] = clock or utcnow
        self._location = location
        self._gate: Gate | None = None
        self._db: peewee.Database | None = None
        self._making = threading.Lock()

    def made(self) -> Gate:
        """The gate, made now if not yet (once, whichever threads ask at once)."""
        gate = self._gate
        if gate is None:
            with self._making:
                if self._gate is None:
                    from access.gate import Gate
                    from store.db import reopened

                    self._db = reopened(self._location)
                    self._gate = Gate(
                        self._db,
                        self.username,
                        clock=self.clock,
                        file_limit=self.file_limit,
                        person_id=self.person_id,
                    )
                gate = self._gate
        return gate

    @property
    def db(self) -> peewee.Database:
        """The gate's database (the gate made if not yet)."""
        self.made()
        assert self._db is not None
        return self._db

    def close(self) -> None:
        """Close the calling thread's connection, if the gate was ever made."""
        if self._db is not None:
            self._db.close()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.made(), name)
