"""The inbox's due column: the time left until a ticket's earliest running service-level clock
falls due (`2h 10m`, `-1h 20m` past it), and whether it is breached or due within the hour,
worked out from the row and the app's clock at each paint, so the column moves with time
without reading anything again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from rich.style import Style

from access.sla_rules import parse_duration
from access.views import TicketRow
from wording.sla_text import span

# A ticket due within this time is shown as a warning.
SOON = timedelta(hours=1)
BREACHED, DUE_SOON = "breached", "due-soon"


def earliest_due(row: TicketRow) -> datetime | None:
    """The earliest due time of the ticket's running clocks; None when none runs."""
    dues = [d for d in (row.first_response_due, row.next_response_due, row.resolution_due) if d]
    return min(dues, default=None)


def due_left(row: TicketRow, now: datetime) -> str:
    """`2h 10m` left, `-1h 20m` past due, `-` with no clock running."""
    due = earliest_due(row)
    if due is None:
        return "-"
    minutes = (due - now).total_seconds() / 60
    left = span(abs(minutes))
    return f"-{left}" if minutes < 0 else left


def due_state(row: TicketRow, now: datetime) -> str:
    """`BREACHED`, `DUE_SOON` or "" (in time, or no clock running)."""
    due = earliest_due(row)
    if due is None:
        return ""
    if due <= now:
        return BREACHED
    return DUE_SOON if due - now <= SOON else ""


def due_within(text: str) -> timedelta | None:
    """`30m`, `1h`, `2d` (a day of 24 hours here: the filter is about the clock on the wall,
    as the due times are) as a time; empty: None, no such filter."""
    if not text.strip():
        return None
    given = parse_duration(text)
    return timedelta(days=given.days, minutes=given.minutes)


def due_style(
    row: TicketRow, now: datetime, base: Style, component: Callable[[str], Style]
) -> Style:
    """The due cell's style: `base` with the list's breached or due-soon colour
    (`ticket-list--breached`, `ticket-list--due-soon`, looked up by `component`)."""
    state = due_state(row, now)
    return base + component(f"ticket-list--{state}") if state else base
