"""Breaches seen while the app is open: a toast to the person when a ticket assigned to them
comes within `[sla] warn_before` (business time of its calendar, 1h unless set) of its earliest
due time, and another when it passes it, both counted from the gate's clock the way the due
column counts (`tui.due_cells`).

What it costs an idle session: nothing per interval. The due times of the person's tickets are
read at start and again only when the live feed says others changed tickets; each
`CHECK_SECONDS` they are compared with the clock in memory. A ticket the person changed
themselves meanwhile (a reply meets its first response) may be known by a stale due time, so a
toast is said only after one read confirms it: a statement when a threshold is crossed, not at
every check. Tickets already past due when the app opens are not announced (the inbox shows
them); each ticket is announced once per threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from access.live import Changes
from access.views import TicketQuery, TicketRow
from tui.due_cells import Moment, earliest_due, minutes_left, warn_minutes
from wording.sla_text import span

if TYPE_CHECKING:
    from tui.app import TickettyApp

CHECK_SECONDS = 30.0
# The person's tickets read, soonest due first: more than anyone has within the next minutes.
WATCHED = 200
MINE_BY_DUE = TicketQuery(mine=True, order="due")
SOON, PAST = "soon", "past"


class BreachWatch:
    def __init__(self, app: TickettyApp, clock: Callable[[], datetime]) -> None:
        self.app = app
        self.clock = clock
        self.rows: dict[int, TicketRow] = {}
        self.told: set[tuple[int, str]] = set()
        self.started = False

    @property
    def dues(self) -> dict[int, datetime]:
        """The earliest due time of each of the person's tickets with a clock running."""
        return {n: due for n, row in self.rows.items() if (due := earliest_due(row)) is not None}

    def start(self) -> None:
        self.app.set_interval(CHECK_SECONDS, self.check)
        self._read(confirm=False)

    def others_changed(self, changes: Changes) -> None:
        if changes.touches("ticket", "message"):
            self._read(confirm=False)

    def check(self) -> None:
        """Compare the known due times with the clock; read again if one crossed a
        threshold not yet announced."""
        if self._crossed(self.clock()):
            self._read(confirm=True)

    def _moment(self, now: datetime) -> Moment:
        return Moment(now, self.app.due_calendars.by_policy)

    def _crossed(self, now: datetime) -> list[tuple[int, str, float]]:
        """The thresholds crossed and not yet told: ticket, which, business minutes left."""
        at, before = self._moment(now), self.app.settings.sla_warn_before
        crossed = []
        for number, row in self.rows.items():
            due, left = earliest_due(row), minutes_left(row, at)
            if due is None or left is None:
                continue
            threshold = PAST if due <= now else SOON
            if (number, threshold) in self.told:
                continue
            if threshold == PAST or left <= warn_minutes(row, before, at):
                crossed.append((number, threshold, left))
        return crossed

    def _read(self, *, confirm: bool) -> None:
        async def read_mine() -> None:
            gate = self.app.gate
            rows = await self.app.gate_call(
                lambda: gate.inbox.list_tickets(MINE_BY_DUE, limit=WATCHED)
            )
            self.known(rows, announce=confirm or self.started)
            self.started = True

        self.app.run_worker(read_mine(), group="breach-watch", exit_on_error=False)

    def known(self, rows: Iterable[TicketRow], *, announce: bool) -> None:
        """The person's tickets as just read; with `announce`, toast what crossed a threshold
        (the first read only notes what is already past due)."""
        self.rows = {row.number: row for row in rows if earliest_due(row) is not None}
        for number, threshold, left in self._crossed(self.clock()):
            self.told.add((number, threshold))
            if threshold == PAST and not announce:
                continue
            if threshold == PAST:
                message = f"#{number} is past its due time ({span(-left)} ago)"
                self.app.notify(message, title="Breached", severity="error", timeout=12)
            else:
                left_text = span(left)
                self.app.notify(
                    f"#{number} is due in {left_text}", title="Due soon", severity="warning"
                )
