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

from textual.notifications import SeverityLevel
from textual.worker import WorkType

from access.list_views import TicketQuery, TicketRow
from access.live import Changes
from tui.due_cells import CHECK_SECONDS, Moment, earliest_due, minutes_left, warn_minutes
from wording.sla_text import span

if TYPE_CHECKING:
    from tui.app import TickettyApp

# The person's tickets read, soonest due first: more than anyone has within the next minutes.
WATCHED = 200
MINE_BY_DUE = TicketQuery(mine=True, order="due")
SOON, PAST = "soon", "past"
# More crossing at once are told in one toast.
TOASTS_ONE_BY_ONE = 2


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

        work: WorkType[None] = read_mine
        self.app.run_worker(work, group="breach-watch", exit_on_error=False)

    def known(self, rows: Iterable[TicketRow], *, announce: bool) -> None:
        """The person's tickets as just read; with `announce`, toast what crossed a threshold
        (the first read only notes what is already past due)."""
        self.rows = {row.number: row for row in rows if earliest_due(row) is not None}
        soon: list[tuple[int, float]] = []
        past: list[tuple[int, float]] = []
        for number, threshold, left in self._crossed(self.clock()):
            self.told.add((number, threshold))
            if threshold == PAST and announce:
                past.append((number, -left))
            elif threshold == SOON:
                soon.append((number, left))
        self._toast(past, "Breached", "error", "is past its due time ({} ago)", "past due")
        self._toast(soon, "Due soon", "warning", "is due in {}", "due soon")

    def _toast(
        self,
        tickets: list[tuple[int, float]],
        title: str,
        severity: SeverityLevel,
        one: str,
        many: str,
    ) -> None:
        """One toast a ticket, or one for all when several cross at once (a screen of toasts
        would hide what the person is doing): soonest first, each with its time."""
        if not tickets:
            return
        timeout = 12 if severity == "error" else 5
        if len(tickets) <= TOASTS_ONE_BY_ONE:
            for number, minutes in tickets:
                message = f"#{number} {one.format(span(minutes))}"
                self.app.notify(message, title=title, severity=severity, timeout=timeout)
            return
        ordered = sorted(tickets, key=lambda t: t[1], reverse=severity == "error")
        shown = ", ".join(f"#{number} ({span(minutes)})" for number, minutes in ordered[:6])
        more = f" and {len(ordered) - 6} more" if len(ordered) > 6 else ""
        message = f"{len(ordered)} of your tickets are {many}: {shown}{more}"
        self.app.notify(message, title=title, severity=severity, timeout=timeout + 4)
