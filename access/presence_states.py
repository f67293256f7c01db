"""What a presence is (`access.presence`), apart from the gate's part that reads and writes it:
the terminal's start names these, and makes the part only once its first frame is drawn."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from access.vocabulary import NOTE, REPLY

OPEN, LEFT = "open", ""
STATES = (OPEN, REPLY, NOTE, LEFT)
HEARTBEAT_SECONDS = 60.0
EXPIRES_AFTER = timedelta(minutes=3)


class PresenceView(NamedTuple):
    ticket: int
    username: str
    name: str
    state: str  # open, reply or note
    seen_at: datetime
