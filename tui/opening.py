"""What the inbox's first frame shows, read before the app starts; Textual-free, so that the
command's forked reader can read it while Textual and the screens are still being imported
(`ticketty.opening_read`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

from access.business_time import Calendar
from access.list_views import INBOX_DEFAULT, TicketRow

if TYPE_CHECKING:
    from access import Gate

# Rows the inbox reads at a time, its first page included.
PAGE = 100


class Opening(NamedTuple):
    """The person's permissions (so the footer is built once, with the right keys), the
    newest page of their tickets and the calendars their due column counts in
    (`tui.due_calendars`).

    Read before the event loop runs, so nothing on it waits for it (why, and what it saved:
    bench/NOTES.md).
    """

    permissions: frozenset[str]
    first_page: list[TicketRow]
    last_change: int
    calendars: Mapping[int, Calendar]

    @classmethod
    def read(cls, gate: Gate) -> Opening:
        """One request of the gate, over the grants read as its session began."""
        return cls(*gate.inbox.opening(INBOX_DEFAULT, PAGE))
