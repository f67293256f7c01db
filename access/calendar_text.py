"""Calendars as people write them: working hours as `mon-fri 08:00-16:00; sat 10:00-14:00`,
holidays as ISO dates or an iCalendar file (a public holidays calendar, which repeats most of its
days yearly with RRULE).

Every refusal is one `CalendarError` line; a hostile file never raises anything else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING

from access.business_time import MINUTES_A_DAY, WEEKDAYS, CalendarError, Shift

if TYPE_CHECKING:
    import icalendar

# An .ics of holidays is kilobytes; more than this is not a holidays calendar.
ICS_LIMIT = 2 * 2**20
HOLIDAYS_LIMIT = 5000
YEARS_LIMIT = 20
_TIME = r"(\d{1,2}):(\d{2})"
_PART = r"^\s*([a-z]{3})(?:\s*-\s*([a-z]{3}))?\s+(.+?)\s*$"
_SHIFT = rf"^\s*{_TIME}\s*-\s*{_TIME}\s*$"


def parse_hours(text: str) -> tuple[tuple[Shift, ...], ...]:
    """Shifts per weekday from `mon-fri 08:00-12:00,13:00-17:00; sat 10:00-14:00`. A shift
    that ends at or before its start runs past midnight (`sun 22:00-06:00`); `00:00-24:00` is
    the whole day. Parts naming the same day add to it."""
    days: list[list[Shift]] = [[] for _ in WEEKDAYS]
    parts = [p for p in text.lower().split(";") if p.strip()]
    if not parts:
        raise CalendarError("no working hours given; write them like mon-fri 08:00-16:00")
    for part in parts:
        match = re.match(_PART, part)
        if not match:
            raise CalendarError(f"cannot read hours {part.strip()!r}; write mon-fri 08:00-16:00")
        first, last, shifts = match.groups()
        weekdays = _weekdays(first, last or first)
        for shift_text in shifts.split(","):
            shift = _shift(shift_text)
            for weekday in weekdays:
                days[weekday].append(shift)
    return tuple(tuple(sorted(set(d))) for d in days)


def _weekdays(first: str, last: str) -> list[int]:
    for name in (first, last):
        if name not in WEEKDAYS:
            raise CalendarError(f"{name!r} is not a weekday; use {', '.join(WEEKDAYS)}")
    start, end = WEEKDAYS.index(first), WEEKDAYS.index(last)
    return [(start + i) % 7 for i in range((end - start) % 7 + 1)]


def _shift(text: str) -> Shift:
    match = re.match(_SHIFT, text)
    if not match:
        raise CalendarError(f"cannot read the shift {text.strip()!r}; write 08:00-16:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
        raise CalendarError(f"{text.strip()} is not a time of day")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    return start, end if end > start else end + MINUTES_A_DAY


def format_hours(shifts: tuple[tuple[Shift, ...], ...]) -> str:
    """The shortest `parse_hours` text for `shifts`: runs of weekdays with the same shifts."""
    parts: list[str] = []
    day = 0
    while day < 7:
        last = day
        while last + 1 < 7 and shifts[last + 1] == shifts[day]:
            last += 1
        if shifts[day]:
            names = WEEKDAYS[day] if last == day else f"{WEEKDAYS[day]}-{WEEKDAYS[last]}"
            parts.append(f"{names} {','.join(_clock(s) for s in shifts[day])}")
        day = last + 1
    return "; ".join(parts) or "none"


def _clock(shift: Shift) -> str:
    start, end = shift
    if end > MINUTES_A_DAY or (end == MINUTES_A_DAY and start):
        end -= MINUTES_A_DAY
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def parse_dates(texts: Iterable[str]) -> frozenset[date]:
    dates = set()
    for text in texts:
        try:
            dates.add(date.fromisoformat(text.strip()))
        except ValueError:
            raise CalendarError(f"{text!r} is not a date; write 2026-12-24") from None
    return frozenset(dates)


def holidays_from_ics(data: bytes, first: date, last: date) -> frozenset[date]:
    """The dates of the all-day events of an iCalendar file between `first` and `last`
    (inclusive), yearly and other repeats included; events with a time of day are meetings,
    not holidays, and are left out."""
    if not first <= last < date(first.year + YEARS_LIMIT, first.month, 1):
        raise CalendarError(f"holidays are read for up to {YEARS_LIMIT} years at once")
    if len(data) > ICS_LIMIT:
        raise CalendarError(f"the holidays file is over {ICS_LIMIT // 2**20} MiB")
    # Imported here: the iCalendar readers weigh more at start than the rest of the gate's
    # modules, and only this reading needs them.
    import icalendar
    import recurring_ical_events

    try:
        calendar = icalendar.Calendar.from_ical(data)
        all_day = _all_day_only(calendar)
        if not all_day.walk("VEVENT"):
            raise CalendarError("the holidays file has no all-day events")
        after_last = date.fromordinal(last.toordinal() + 1)
        events = recurring_ical_events.of(all_day).between(first, after_last)
        dates = _event_dates(events, first, last)
    except CalendarError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError,
            OverflowError) as exc:  # fmt: skip
        raise CalendarError(f"cannot read the holidays file: {_one_line(exc)}") from None
    if not dates:
        raise CalendarError(f"the holidays file has no holidays between {first} and {last}")
    return dates


def _all_day_only(calendar: icalendar.Calendar) -> icalendar.Calendar:
    """A copy of `calendar` holding only its all-day events, so that nothing repeating by the
    hour or second is ever expanded."""
    import icalendar

    kept = icalendar.Calendar()
    for event in calendar.walk("VEVENT"):
        if _day_of(event, "DTSTART") is not None:
            kept.add_component(event)
    return kept


def _event_dates(events: Iterable[icalendar.Component], first: date, last: date) -> frozenset[date]:
    """Each day an event covers: from DTSTART up to its DTEND (exclusive), or the one day."""
    dates: set[date] = set()
    for event in events:
        start, stop = _day_of(event, "DTSTART"), _day_of(event, "DTEND")
        if start is None:
            continue
        length = max((stop - start).days, 1) if stop is not None else 1
        for offset in range(min(length, 366)):
            day = date.fromordinal(start.toordinal() + offset)
            if first <= day <= last:
                dates.add(day)
        if len(dates) > HOLIDAYS_LIMIT:
            raise CalendarError(f"the holidays file gives over {HOLIDAYS_LIMIT} holidays")
    return frozenset(dates)


def _day_of(component: icalendar.Component, name: str) -> date | None:
    """The property's value if it is a date (an all-day value), else None."""
    value = getattr(component.get(name), "dt", None)
    return value if isinstance(value, date) and not isinstance(value, datetime) else None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]
