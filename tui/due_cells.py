"""The inbox's due column: the business time left until a ticket's earliest running
service-level clock falls due (`2h 10m`, `-1h 20m` past it), counted in the calendar of the
policy measuring the ticket, and whether it is breached or due within the business hour;
worked out from the row, the calendars (`Moment`, read once: `tui.due_calendars`) and the
app's clock at each paint, so the column moves with time without reading anything again. A
row whose policy's calendar is not known (yet) counts the wall clock."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from rich.style import Style

from access.business_time import Calendar, business_seconds
from access.durations import Duration, parse_duration
from access.list_views import TicketRow
from access.vocabulary import OPEN_STATUSES
from wording.sla_text import span

# A ticket due within this much business time is shown as a warning.
SOON_MINUTES = 60
BREACHED, DUE_SOON = "breached", "due-soon"
# How often the due column is painted again and the breach watch (`tui.breach_watch`) compares
# the due times it knows with the clock, in seconds.
CHECK_SECONDS = 30.0


class Moment(NamedTuple):
    """What a paint counts times with: the app's clock, and each policy's calendar by id."""

    now: datetime
    calendars: Mapping[int, Calendar] = {}


def earliest_due(row: TicketRow) -> datetime | None:
    """The earliest due time of the ticket's running clocks; None when none runs (a resolved
    or closed ticket's clocks have stopped, whatever due time they had passed)."""
    if row.status not in OPEN_STATUSES:
        return None
    dues = [d for d in (row.first_response_due, row.next_response_due, row.resolution_due) if d]
    return min(dues, default=None)


def minutes_left(row: TicketRow, at: Moment) -> float | None:
    """Business minutes until the earliest due time, negative past it; None with no clock
    running."""
    due = earliest_due(row)
    if due is None:
        return None
    calendar = None if row.sla_policy is None else at.calendars.get(row.sla_policy)
    if calendar is None:
        return (due - at.now).total_seconds() / 60
    return _business_minutes_between(calendar, at.now.replace(second=0, microsecond=0), due)


@lru_cache(maxsize=2048)
def _business_minutes_between(calendar: Calendar, now: datetime, due: datetime) -> float:
    """Kept per minute of the clock: a paint asks it of every line shown."""
    if due >= now:
        return business_seconds(calendar, now, due) / 60
    return -business_seconds(calendar, due, now) / 60


def due_left(row: TicketRow, at: Moment) -> str:
    """`2h 10m` left, `-1h 20m` past due (`-0m`: past it, outside business hours), `-` with
    no clock running."""
    minutes = minutes_left(row, at)
    if minutes is None:
        return "-"
    left = span(abs(minutes))
    due = earliest_due(row)
    return f"-{left}" if due is not None and due < at.now else left


def due_state(row: TicketRow, at: Moment) -> str:
    """`BREACHED`, `DUE_SOON` or "" (in time, or no clock running)."""
    due = earliest_due(row)
    minutes = minutes_left(row, at)
    if due is None or minutes is None:
        return ""
    if due <= at.now:
        return BREACHED
    return DUE_SOON if minutes <= SOON_MINUTES else ""


def due_within(text: str) -> Duration | None:
    """`30m`, `1h`, `2d` as business time of each ticket's calendar (a day: one of its working
    days), as the column counts; empty: None, no such filter."""
    if not text.strip():
        return None
    return parse_duration(text)


def warn_minutes(row: TicketRow, before: Duration, at: Moment) -> int:
    """`before` in business minutes of the row's calendar (a day of 24 hours where it is not
    known, as the column counts the wall clock then)."""
    calendar = None if row.sla_policy is None else at.calendars.get(row.sla_policy)
    if calendar is None:
        return before.days * 24 * 60 + before.minutes
    return before.business_minutes(calendar)


def due_style(row: TicketRow, at: Moment, base: Style, component: Callable[[str], Style]) -> Style:
    """The due cell's style: `base` with the list's breached or due-soon colour
    (`ticket-list--breached`, `ticket-list--due-soon`, looked up by `component`)."""
    state = due_state(row, at)
    return base + component(f"ticket-list--{state}") if state else base
