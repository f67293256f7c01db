"""The calendars the inbox's due column counts business time in (`gate.sla.due_calendars`):
read as the app starts, and again only when others change a calendar or a policy, so an idle
session asks nothing more; a person who lists no tickets has none read. Until they are read, the
column counts the wall clock."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from access.business_time import Calendar
from access.catalogue import TICKETS_LIST
from access.live import Changes

if TYPE_CHECKING:
    from tui.app import TickettyApp


class DueCalendars:
    def __init__(self, app: TickettyApp) -> None:
        self.app = app
        self.by_policy: Mapping[int, Calendar] = {}

    def start(self) -> None:
        self._read()

    def others_changed(self, changes: Changes) -> None:
        if changes.touches("calendar", "policy"):
            self._read()

    def _read(self) -> None:
        if TICKETS_LIST not in self.app.permissions:
            return

        async def read() -> None:
            gate = self.app.gate
            self.by_policy = await self.app.gate_call(gate.sla.due_calendars)
            self.app.screen.refresh()

        self.app.run_worker(read(), group="due-calendars", exit_on_error=False)
