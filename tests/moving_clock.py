"""A clock a test moves by hand, for `Gate(db, user, clock=...)`: the gate reads "now" from it
for what it counts and for every time a change records, so a test says "at 10:00 the ticket
goes pending, at 12:00 the customer answers" without waiting for either."""

from __future__ import annotations

from datetime import datetime, timedelta


class MovingClock:
    """Says `now` until moved (`move`, `set`)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def move(self, by: timedelta) -> datetime:
        """Move on by `by`; the new now."""
        self.now += by
        return self.now

    def set(self, now: datetime) -> datetime:
        self.now = now
        return now
