"""Business calendars as read from the store, and the due column's calendars by policy: what
the inbox's opening needs of calendars, without the calendar and service-level admin parts
(`access.calendars`, `access.sla`) it would otherwise load before the first frame."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from access.business_time import Calendar
from access.calendar_text import format_hours, parse_hours
from access.catalogue import TICKETS_LIST
from store.models import BusinessCalendar, CalendarHoliday, SlaPolicy

if TYPE_CHECKING:
    from access.request import Request


class CalendarView(NamedTuple):
    name: str
    zone: str
    hours: str  # as `parse_hours` reads it: "mon-fri 08:00-16:00"
    holidays: tuple[date, ...]
    version: int

    def calendar(self) -> Calendar:
        """The calendar the business-time arithmetic counts in."""
        return Calendar(self.zone, parse_hours(self.hours), frozenset(self.holidays))

    def logged(self) -> dict[str, Any]:
        """What the audit log keeps of it."""
        fields = self._asdict()
        fields["holidays"] = [d.isoformat() for d in self.holidays]
        del fields["version"]
        return fields


def read_calendars() -> list[tuple[int, CalendarView]]:
    """Every calendar by name, with its id, and their holidays: two statements, however many
    calendars there are."""
    rows = list(BusinessCalendar.select().order_by(BusinessCalendar.name))
    holidays: dict[int, list[date]] = {row.id: [] for row in rows}
    for holiday in CalendarHoliday.select().order_by(CalendarHoliday.day):
        holidays.setdefault(holiday.calendar_id, []).append(_day(holiday.day))
    return [(row.id, _view(row, holidays[row.id])) for row in rows]


def read_calendar(row: BusinessCalendar) -> CalendarView:
    """The calendar as shown, with its holidays."""
    days = [
        _day(h.day)
        for h in CalendarHoliday.select(CalendarHoliday.day)
        .where(CalendarHoliday.calendar == row.id)
        .order_by(CalendarHoliday.day)
    ]
    return _view(row, days)


def calendars_by_id() -> dict[int, Calendar]:
    """Every calendar the business-time arithmetic counts in, by id."""
    return {calendar_id: view.calendar() for calendar_id, view in read_calendars()}


def due_calendars(request: Request) -> dict[int, Calendar]:
    """`PolicyAdmin.due_calendars` in `request`: three statements however many calendars."""
    if not request.grants().supervises:
        request.require(TICKETS_LIST)
    calendars = calendars_by_id()
    policies = SlaPolicy.select(SlaPolicy.id, SlaPolicy.calendar)
    return {row.id: calendars[row.calendar_id] for row in policies}


def _view(row: BusinessCalendar, holidays: list[date]) -> CalendarView:
    shifts = tuple(tuple((start, end) for start, end in day) for day in json.loads(row.shifts))
    return CalendarView(row.name, row.zone, format_hours(shifts), tuple(holidays), row.version)


def _day(value: date | str) -> date:
    """A holiday as the driver returns it (SQLite keeps dates as text)."""
    return value if isinstance(value, date) else date.fromisoformat(value)
