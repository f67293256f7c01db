"""Presence in the app: saying where the person is (`PresenceKeeper`, one per session) and
showing who else is on a ticket (`PresenceReader`, one per screen that shows it).

Nothing here polls. Others' presence arrives as a live change (`tui.live`: a presence row
changing is a commit like any other); a heartbeat once a minute keeps the session's own
presence, and its being connected at all, fresh without raising the presence counter; a
presence shown is read again only when it would expire, so a killed session's presence leaves
the screen without anyone writing.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from textual.app import App
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import WorkType

from access.presence_states import EXPIRES_AFTER, HEARTBEAT_SECONDS, LEFT, OPEN, PresenceView
from access.vocabulary import NOTE, REPLY

if TYPE_CHECKING:
    from access import Gate

Run = Callable[[Callable[[], None]], object]  # a gate write fired in a worker

WRITING = {REPLY: "writing a reply", NOTE: "writing a note"}
# The inbox's mark cell, when the row is not marked: someone writing, or only there.
MARKERS = {REPLY: "✎", NOTE: "✎", OPEN: "○"}


class PresenceKeeper:
    """Where this session is: the tickets it has open and what it writes on them."""

    def __init__(self, app: App[Any], gate: Gate, run: Run) -> None:
        self.gate = gate
        self._run = run
        self.session = os.urandom(16).hex()  # this session's own, among the person's others
        self.states: dict[int, str] = {}
        self._heartbeat = app.set_interval(HEARTBEAT_SECONDS, self._beat)

    def announce(self, number: int, state: str) -> None:
        """The person opened ticket `number`, began or stopped writing (`state`) or left it."""
        if self.states.get(number, LEFT) == state:
            return
        if state == LEFT:
            self.states.pop(number, None)
        else:
            self.states[number] = state
        self._run(lambda: self.gate.presence.be_on_ticket(number, state))

    def connect(self) -> None:
        """As the session starts: the person is connected (the heartbeat keeps it so)."""
        self._run(lambda: self.gate.presence.still_connected(self.session))

    def leave_all(self) -> None:
        """In a thread, as the session ends: it is on no ticket any more, nor connected."""
        self._heartbeat.stop()
        for number in list(self.states):
            self.gate.presence.be_on_ticket(number, LEFT)
        self.states.clear()
        self.gate.presence.disconnected(self.session)

    def _beat(self) -> None:
        numbers = list(self.states)

        def still_there() -> None:
            self.gate.presence.still_connected(self.session)
            for number in numbers:
                self.gate.presence.still_on_ticket(number)

        self._run(still_there)


ReadResult = TypeVar("ReadResult")


class PresenceReader(Generic[ReadResult]):
    """Reads presence for one screen (`owner`): `read` through the gate funnel (`call`, the
    app's `gate_call`) in a worker of the screen, then `shown(result)`; read again when a
    presence shown would expire."""

    def __init__(
        self,
        owner: Widget,
        call: Callable[[Callable[[], ReadResult]], Awaitable[ReadResult]],
        read: Callable[[], ReadResult],
        views: Callable[[ReadResult], list[PresenceView]],
        shown: Callable[[ReadResult], None],
    ) -> None:
        self.owner = owner
        self._call = call
        self._read = read
        self._views = views
        self._shown = shown
        self._expiry: Timer | None = None

    def read(self) -> None:
        work: WorkType[None] = self.read_and_show
        self.owner.run_worker(work, name="read presence", group="presence", exit_on_error=False)

    async def read_and_show(self) -> None:
        """Read who is there, show it, and set the timer for when the oldest would expire."""
        result = await self._call(self._read)
        self._shown(result)
        if self._expiry is not None:
            self._expiry.stop()
            self._expiry = None
        views = self._views(result)
        if views:
            oldest = min(view.seen_at for view in views)
            from access.database import utcnow

            due = oldest + EXPIRES_AFTER - utcnow() + timedelta(seconds=1)
            self._expiry = self.owner.set_timer(max(1.0, due.total_seconds()), self.read)


def presence_line(views: list[PresenceView]) -> str:
    """`ola is writing a reply · tom has it open`; "" when nobody else is there."""
    return " · ".join(
        f"{view.username} is {WRITING[view.state]}"
        if view.state in WRITING
        else f"{view.username} has it open"
        for view in views
    )
