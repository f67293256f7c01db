"""The calendars the inbox's due column counts business time in (`gate.sla.due_calendars`):
read with the first page (`tui.opening`), and again only when a calendar or a policy changes
(by others, or in this session), so an idle session asks nothing more; a person who lists no
tickets has none read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from textual.message import Message
from textual.worker import WorkType

from access.business_time import Calendar
from access.catalogue import TICKETS_LIST

if TYPE_CHECKING:
    from access.live import Changes
    from tui.app import TickettyApp

REREAD = ("calendar", "policy")


class CalendarsRead(Message):
    """The calendars were read (again): what counts in them is shown anew."""


class DueCalendars:
    def __init__(self, app: TickettyApp, read: Mapping[int, Calendar]) -> None:
        self.app = app
        self.by_policy = read

    def changed(self, changes: Changes) -> None:
        """Read again when a calendar or a policy changed, by others or by this session."""
        if changes.touches(*REREAD) or not changes.own_kinds.isdisjoint(REREAD):
            self._read()

    def _read(self) -> None:
        if TICKETS_LIST not in self.app.permissions:
            return

        async def read() -> None:
            gate = self.app.gate
            self.by_policy = await self.app.gate_call(gate.sla.due_calendars)
            self.app.screen.refresh()
            self.app.screen.post_message(CalendarsRead())
            # The warnings count in the calendars too: what is now known to be near is told.
            self.app.breach_watch.check()

        work: WorkType[None] = read
        self.app.run_worker(work, group="due-calendars", exit_on_error=False)
