"""Business time: how much of a span a calendar's working hours cover, and when a number of
business minutes after an instant runs out. Pure arithmetic, no database.

The rule, which the property test's oracle states minute by minute: a moment counts when the
wall clock of the calendar's time zone reads a time inside one of the day's shifts, the shift's
day is not a holiday, and no pause holds the moment. A shift belongs to the day it starts on
(`sun 22:00-06:00` is Sunday's night shift, cancelled by a holiday on Sunday, not on Monday).
Across a change of clocks the wall clock decides: an hour the clocks skip is not worked, an
hour they repeat is worked twice.

Instants are aware datetimes or naive UTC ones (the store's convention); answers come back in
the same kind as the start.
"""

from __future__ import annotations

import bisect
import functools
import math
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Final, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from store.errors import TickettyError

DAY = 86_400
MINUTES_A_DAY = 1440
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How far ahead `add_business_minutes` looks for working time before it calls the calendar
# empty (a calendar of holidays only, or of no hours).
HORIZON_DAYS = 3 * 366
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# Samples per UTC day when looking for a change of clocks (no zone changes twice in 6 hours).
_SAMPLES = 4

Shift = tuple[int, int]  # minutes after the day's midnight: start, end (end > 1440: next day)
Span = tuple[int, int]  # seconds since the epoch, start inclusive, end exclusive
Pause = tuple[datetime, datetime | None]  # None: the clock is still stopped
Number = TypeVar("Number", int, float)


class CalendarError(TickettyError, ValueError):
    """A calendar that cannot be: an unknown time zone, a shift that ends before it starts."""


class NoBusinessTime(TickettyError, ValueError):
    """The calendar has no working time within the horizon, so no due time can be reached."""


class Calendar:
    """A time zone, the shifts of each weekday (Monday first) and the holidays.

    Never changed once made (mypy holds its fields `Final`). A plain class with slots rather
    than a frozen dataclass: the due column reads calendars before the first frame, and a
    dataclass compiles its methods as its module is imported (bench/NOTES.md)."""

    __slots__ = ("_hash", "holidays", "shifts", "zone")

    def __init__(
        self,
        zone: str,
        shifts: tuple[tuple[Shift, ...], ...],
        holidays: frozenset[date] = frozenset(),
    ) -> None:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise CalendarError(f"unknown time zone {zone!r}") from exc
        if len(shifts) != 7:
            raise CalendarError("a calendar has shifts for each of the 7 weekdays")
        for weekday, day in zip(WEEKDAYS, shifts, strict=True):
            for start, end in day:
                if not 0 <= start < MINUTES_A_DAY or not start < end <= start + MINUTES_A_DAY:
                    raise CalendarError(
                        f"{weekday}: a shift runs from a time of day for up to 24 hours"
                    )
        self.zone: Final = zone
        self.shifts: Final = tuple(tuple(sorted(day)) for day in shifts)
        self.holidays: Final = frozenset(holidays)
        self._hash: Final = hash((self.zone, self.shifts, self.holidays))

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Calendar)
        return (self.zone, self.shifts, self.holidays) == (other.zone, other.shifts, other.holidays)

    def __hash__(self) -> int:
        """Hashed once: the day's working spans are looked up by calendar and day for every
        day a due time is counted over (`_wall_spans`)."""
        return self._hash

    def __repr__(self) -> str:
        return f"Calendar(zone={self.zone!r}, shifts={self.shifts!r}, holidays={self.holidays!r})"

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def weekly_minutes(self) -> int:
        """Working minutes of a week without holidays (overlapping shifts counted once)."""
        return sum(b - a for day in self.shifts for a, b in _merged(day))


def business_seconds(
    calendar: Calendar, start: datetime, end: datetime, pauses: Iterable[Pause] = ()
) -> int:
    """Seconds of business time in [start, end), pauses not counted; 0 if end <= start."""
    begin, finish = _epoch(start), _epoch(end)
    stopped = _pauses(pauses)
    total = 0
    for a, b in _segments(calendar, begin, finish):
        for x, y in _unpaused(max(a, begin), min(b, finish), stopped):
            total += y - x
    return total


def business_minutes(
    calendar: Calendar, start: datetime, end: datetime, pauses: Iterable[Pause] = ()
) -> int:
    """Whole minutes of business time in [start, end), pauses not counted."""
    return business_seconds(calendar, start, end, pauses) // 60


def add_business_seconds(
    calendar: Calendar, start: datetime, seconds: int, pauses: Iterable[Pause] = ()
) -> datetime | None:
    """The earliest instant at which `seconds` of business time have passed since `start`;
    None when a pause still running stops the clock before then. Raises `NoBusinessTime` when
    the calendar has no working time within `HORIZON_DAYS`."""
    if seconds < 0:
        raise ValueError("business time to add must not be negative")
    begin = _epoch(start)
    if seconds == 0:
        return start
    stopped = _pauses(pauses)
    endless = stopped[-1][0] if stopped and stopped[-1][1] == math.inf else None
    left = seconds
    for a, b in _segments(calendar, begin, begin + HORIZON_DAYS * DAY):
        if endless is not None and a >= endless:
            return None
        for x, y in _unpaused(max(a, begin), b, stopped):
            if y - x >= left:
                return _instant(x + left, like=start)
            left -= y - x
    if endless is not None:
        return None
    raise NoBusinessTime(f"no business time within {HORIZON_DAYS} days in zone {calendar.zone}")


def add_business_minutes(
    calendar: Calendar, start: datetime, minutes: int, pauses: Iterable[Pause] = ()
) -> datetime | None:
    """The instant `minutes` business minutes after `start` (see `add_business_seconds`)."""
    return add_business_seconds(calendar, start, minutes * 60, pauses)


class Ledger:
    """Business time over a fixed stretch, answered by lookup: the calendar's working spans
    from `start` to `end` laid end to end with the business seconds before each, so the
    business minutes between two instants of the stretch are a difference of two lookups
    (`business_minutes` walks the days each time). For bulk work, such as the demo's
    verdicts; the same spans, so the same answers; outside the stretch it asks
    `business_minutes`."""

    def __init__(self, calendar: Calendar, start: datetime, end: datetime) -> None:
        self.calendar = calendar
        self.begin, self.finish = _seconds(start), _seconds(end)
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.before: list[int] = []
        self.worked_by_end: list[int] = []
        total = 0
        for a, b in _segments(calendar, self.begin, self.finish):
            a, b = max(a, self.begin), min(b, self.finish)
            if a < b:
                self.starts.append(a)
                self.ends.append(b)
                self.before.append(total)
                total += b - a
        self.worked_by_end = [
            w + b - a for w, a, b in zip(self.before, self.starts, self.ends, strict=True)
        ]

    def minutes(self, start: datetime, end: datetime) -> int:
        """Whole minutes of business time in [start, end), as `business_minutes`."""
        return self.seconds(start, end) // 60

    def seconds(self, start: datetime, end: datetime) -> int:
        """Seconds of business time in [start, end), as `business_seconds`."""
        a, b = _seconds(start), _seconds(end)
        if not self.begin <= a <= self.finish or not self.begin <= b <= self.finish:
            return business_seconds(self.calendar, start, end)
        return max(0, self._worked(b) - self._worked(a))

    def after(self, start: datetime, seconds: int) -> datetime:
        """When `seconds` of business time have passed since `start`, as
        `add_business_seconds` without pauses."""
        begin = _seconds(start)
        wanted = self._worked(begin) + seconds if self.begin <= begin <= self.finish else -1
        i = bisect.bisect_left(self.worked_by_end, wanted)
        if seconds <= 0 or wanted < 0 or i == len(self.starts):
            found = add_business_seconds(self.calendar, start, seconds)
            assert found is not None  # no pauses: only a calendar without hours has none
            return found
        return _instant(self.starts[i] + wanted - self.before[i], like=start)

    def _worked(self, instant: int) -> int:
        """Business seconds from the stretch's start to `instant`."""
        i = bisect.bisect_right(self.starts, instant) - 1
        if i < 0:
            return 0
        return self.before[i] + min(instant, self.ends[i]) - self.starts[i]


def _segments(calendar: Calendar, begin: int, end: int) -> Iterator[Span]:
    """Business spans in real time, ascending and disjoint, that end after `begin` and start
    before `end` (the first and last may reach beyond them). Each span lies within one stretch
    of constant UTC offset, where the wall clock is real time shifted, so a wall interval maps
    to real time by one subtraction."""
    for day in range(begin // DAY, (end - 1) // DAY + 1):
        for a, b, offset in _offset_pieces(calendar.zone, day):
            low, high = a + offset, b + offset
            for wall_day in range(low // DAY, (high - 1) // DAY + 1):
                for x, y in _wall_spans(calendar, wall_day):
                    x, y = max(x, low), min(y, high)
                    if x < y and x - offset < end and y - offset > begin:
                        yield x - offset, y - offset


@functools.lru_cache(maxsize=4096)
def _offset_pieces(zone: str, day: int) -> tuple[tuple[int, int, int], ...]:
    """The UTC day `day` (days since the epoch) cut where the zone's UTC offset changes:
    (start, end, offset) in seconds."""
    tz = ZoneInfo(zone)
    start = day * DAY
    step = DAY // _SAMPLES
    pieces: list[tuple[int, int, int]] = []
    piece_start, offset = start, _offset(tz, start)
    for sample in range(start + step, start + DAY + 1, step):
        later = _offset(tz, sample)
        if later == offset:
            continue
        low, high = sample - step, sample  # offset(low) == offset, offset(high) != offset
        while high - low > 1:
            middle = (low + high) // 2
            if _offset(tz, middle) == offset:
                low = middle
            else:
                high = middle
        pieces.append((piece_start, high, offset))
        piece_start, offset = high, later
    pieces.append((piece_start, start + DAY, offset))
    return tuple(pieces)


def _offset(tz: ZoneInfo, instant: int) -> int:
    utcoffset = datetime.fromtimestamp(instant, tz).utcoffset()
    return int(utcoffset.total_seconds()) if utcoffset is not None else 0


@functools.lru_cache(maxsize=8192)
def _wall_spans(calendar: Calendar, wall_day: int) -> tuple[Span, ...]:
    """The working wall-clock spans within one wall day (seconds on a clock that never
    changes), from its own shifts and the night shift of the day before; merged."""
    spans: list[Span] = []
    for day in (wall_day - 1, wall_day):
        when = date.fromordinal(day + _EPOCH_ORDINAL)
        if when in calendar.holidays:
            continue
        midnight = day * DAY
        for start, end in calendar.shifts[when.weekday()]:
            spans.append((midnight + start * 60, midnight + end * 60))
    low, high = wall_day * DAY, (wall_day + 1) * DAY
    clipped = ((max(a, low), min(b, high)) for a, b in spans)
    return tuple(_merged((a, b) for a, b in clipped if a < b))


def _merged(spans: Iterable[tuple[Number, Number]]) -> list[tuple[Number, Number]]:
    """Spans sorted, with those that overlap or touch joined."""
    merged: list[tuple[Number, Number]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _pauses(pauses: Iterable[Pause]) -> list[tuple[float, float]]:
    """Pauses as merged epoch spans; one still running ends at infinity."""
    spans = ((float(_epoch(a)), math.inf if b is None else float(_epoch(b))) for a, b in pauses)
    return _merged(s for s in spans if s[0] < s[1])


def _unpaused(a: int, b: int, stopped: list[tuple[float, float]]) -> Iterator[Span]:
    """[a, b) with the pauses taken out."""
    for pause_start, pause_end in stopped:
        if pause_end <= a:
            continue
        if pause_start >= b:
            break
        if pause_start > a:
            yield a, int(pause_start)
        if pause_end >= b:
            return
        a = int(pause_end)
    if a < b:
        yield a, b


_NAIVE_EPOCH = datetime(1970, 1, 1)
_SECOND = timedelta(seconds=1)


def _seconds(moment: datetime) -> int:
    """`_epoch`, quicker for the naive UTC instants of the store."""
    if moment.tzinfo is None:
        return (moment - _NAIVE_EPOCH) // _SECOND
    return _epoch(moment)


def _epoch(moment: datetime) -> int:
    """Whole seconds since the epoch; a naive datetime is UTC."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return math.floor(aware.timestamp())


def _instant(seconds: int, *, like: datetime) -> datetime:
    moment = datetime.fromtimestamp(seconds, UTC)
    if like.tzinfo is None:
        return moment.replace(tzinfo=None)
    return moment.astimezone(like.tzinfo)
