"""Business-time arithmetic against a slow, obvious oracle that walks minute by minute: at each
real minute it reads the calendar's wall clock and asks whether that reading lies in a shift of
a non-holiday day (the day the shift started), and whether a pause holds the minute. Random
calendars in zones whose clocks change (by an hour, or by half an hour on Lord Howe Island),
shifts across midnight, holidays and pauses, around the days the clocks change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from access.business_time import (
    Calendar,
    CalendarError,
    Ledger,
    NoBusinessTime,
    Pause,
    add_business_minutes,
    business_minutes,
    business_seconds,
)

# Each zone with the days of 2026 its clocks change (none for the last two).
CHANGES = {
    "Europe/Warsaw": [date(2026, 3, 29), date(2026, 10, 25)],
    "America/New_York": [date(2026, 3, 8), date(2026, 11, 1)],
    "Australia/Lord_Howe": [date(2026, 4, 5), date(2026, 10, 4)],
    "America/St_Johns": [date(2026, 3, 8), date(2026, 11, 1)],
    "Asia/Kolkata": [date(2026, 6, 1)],
    "UTC": [date(2026, 6, 1)],
}
MINUTE = timedelta(minutes=1)


def working(calendar: Calendar, moment: datetime) -> bool:
    """Whether the wall clock at `moment` (naive UTC) reads working time."""
    wall = moment.replace(tzinfo=UTC).astimezone(ZoneInfo(calendar.zone)).replace(tzinfo=None)
    for day in (wall.date() - timedelta(days=1), wall.date()):
        if day in calendar.holidays:
            continue
        midnight = datetime.combine(day, datetime.min.time())
        for start, end in calendar.shifts[day.weekday()]:
            if midnight + timedelta(minutes=start) <= wall < midnight + timedelta(minutes=end):
                return True
    return False


def paused(pauses: list[Pause], moment: datetime) -> bool:
    return any(a <= moment and (b is None or moment < b) for a, b in pauses)


def counts(calendar: Calendar, pauses: list[Pause], moment: datetime) -> bool:
    return working(calendar, moment) and not paused(pauses, moment)


def oracle_minutes(calendar: Calendar, start: datetime, end: datetime, pauses: list[Pause]) -> int:
    total, moment = 0, start
    while moment < end:
        total += counts(calendar, pauses, moment)
        moment += MINUTE
    return total


def oracle_after(
    calendar: Calendar, start: datetime, minutes: int, pauses: list[Pause], limit: datetime
) -> datetime | None:
    """The first instant with `minutes` counted since `start`; None if not by `limit`."""
    if minutes == 0:
        return start
    moment = start
    while moment < limit:
        minutes -= counts(calendar, pauses, moment)
        moment += MINUTE
        if minutes == 0:
            return moment
    return None


@st.composite
def shifts(draw: st.DrawFn) -> tuple[int, int]:
    start = draw(st.integers(0, 47)) * 30 + draw(st.sampled_from([0, 0, 15, 7]))
    length = draw(st.integers(1, 48)) * 30 - draw(st.sampled_from([0, 0, 20]))
    return start, start + max(length, 1)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Calendar, datetime, datetime, list[Pause]]:
    zone = draw(st.sampled_from(sorted(CHANGES)))
    change = draw(st.sampled_from(CHANGES[zone]))
    days = [draw(st.lists(shifts(), max_size=3)) for _ in range(7)]
    around = [change + timedelta(days=d) for d in range(-3, 4)]
    holidays = draw(st.frozensets(st.sampled_from(around), max_size=3))
    calendar = Calendar(zone, tuple(tuple(d) for d in days), holidays)
    base = datetime.combine(change, datetime.min.time()) - timedelta(days=2)
    start = base + timedelta(minutes=draw(st.integers(0, 4 * 1440)))
    end = start + timedelta(minutes=draw(st.integers(0, 3 * 1440)))
    pauses: list[Pause] = []
    for _ in range(draw(st.integers(0, 3))):
        pause_start = base + timedelta(minutes=draw(st.integers(0, 6 * 1440)))
        length = draw(st.one_of(st.none(), st.integers(1, 1440)))
        pauses.append(
            (pause_start, None if length is None else pause_start + timedelta(minutes=length))
        )
    return calendar, start, end, pauses


FEW_SECONDS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@FEW_SECONDS
@given(cases())
def test_business_minutes_agree_with_the_minute_walk(case) -> None:
    calendar, start, end, pauses = case
    assert business_minutes(calendar, start, end, pauses) == oracle_minutes(
        calendar, start, end, pauses
    )


@FEW_SECONDS
@given(cases(), st.integers(-1440, 1440), st.integers(0, 1440))
def test_the_ledger_agrees_with_the_minute_walk(case, before: int, after: int) -> None:
    """Over its stretch, and past either end of it."""
    calendar, start, end, _pauses = case
    ledger = Ledger(calendar, start + timedelta(minutes=before), end - timedelta(minutes=after))
    assert ledger.minutes(start, end) == oracle_minutes(calendar, start, end, [])


@FEW_SECONDS
@given(cases(), st.integers(0, 2000), st.integers(0, 6 * 1440))
def test_the_ledger_adds_as_the_minute_walk(case, minutes: int, length: int) -> None:
    """Within its stretch, and past its end (where it asks `add_business_minutes`)."""
    calendar, start, _end, _pauses = case
    ledger = Ledger(calendar, start - timedelta(days=1), start + timedelta(minutes=length))
    expected = oracle_after(calendar, start, minutes, [], start + timedelta(days=9))
    if expected is None:  # a calendar with little or no working time
        return
    assert ledger.after(start, minutes * 60) == expected


@FEW_SECONDS
@given(cases(), st.integers(0, 2000))
def test_adding_business_minutes_agrees_with_the_minute_walk(case, minutes) -> None:
    calendar, start, _end, pauses = case
    limit = start + timedelta(days=9)
    expected = oracle_after(calendar, start, minutes, pauses, limit)
    try:
        got = add_business_minutes(calendar, start, minutes, pauses)
    except NoBusinessTime:
        got = None
        assert calendar.weekly_minutes() == 0
    if expected is not None:
        assert got == expected
    else:
        assert got is None or got >= limit


WARSAW_OFFICE = Calendar(
    "Europe/Warsaw", (((8 * 60, 16 * 60),),) * 5 + ((), ()), frozenset({date(2026, 12, 24)})
)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second)


def test_an_office_day_and_a_holiday() -> None:
    monday = utc(2026, 12, 21, 6)  # 07:00 in Warsaw
    assert business_minutes(WARSAW_OFFICE, monday, monday + timedelta(days=1)) == 8 * 60
    # Thursday the 24th is a holiday: four hours from Wednesday 14:00 end on Friday 10:00.
    due = add_business_minutes(WARSAW_OFFICE, utc(2026, 12, 23, 13), 240)
    assert due == utc(2026, 12, 25, 9)


def test_the_short_night_when_clocks_go_forward_counts_its_real_length() -> None:
    night = Calendar("Europe/Warsaw", (((22 * 60, 30 * 60),),) * 7)
    # Saturday 22:00 to Sunday 06:00 wall time on 29 March 2026: the clock skips 02:00-03:00.
    assert business_minutes(night, utc(2026, 3, 28, 12), utc(2026, 3, 29, 12)) == 7 * 60


def test_the_long_night_when_clocks_go_back_counts_the_hour_twice() -> None:
    night = Calendar("Europe/Warsaw", (((22 * 60, 30 * 60),),) * 7)
    assert business_minutes(night, utc(2026, 10, 24, 12), utc(2026, 10, 25, 12)) == 9 * 60


def test_aware_instants_come_back_aware_in_their_zone() -> None:
    warsaw = ZoneInfo("Europe/Warsaw")
    start = datetime(2026, 12, 21, 15, 0, tzinfo=warsaw)
    due = add_business_minutes(WARSAW_OFFICE, start, 120)
    assert due == datetime(2026, 12, 22, 9, 0, tzinfo=warsaw)
    assert due is not None and due.tzinfo is warsaw


def test_seconds_are_counted_to_the_second() -> None:
    start = utc(2026, 12, 21, 8, 0, 30)
    assert business_seconds(WARSAW_OFFICE, start, utc(2026, 12, 21, 8, 1)) == 30


def test_a_running_pause_leaves_no_due_time() -> None:
    start = utc(2026, 12, 21, 8)
    assert add_business_minutes(WARSAW_OFFICE, start, 60, [(start, None)]) is None


def test_a_calendar_without_hours_has_no_due_time() -> None:
    with pytest.raises(NoBusinessTime):
        add_business_minutes(Calendar("UTC", ((),) * 7), utc(2026, 1, 1), 1)


@pytest.mark.parametrize(
    ("zone", "shift", "says"),
    [
        ("Mars/Olympus", (0, 60), "unknown time zone"),
        ("../etc/passwd", (0, 60), "unknown time zone"),
        ("UTC", (60, 60), "up to 24 hours"),
        ("UTC", (1440, 1500), "up to 24 hours"),
        ("UTC", (600, 600 + 1441), "up to 24 hours"),
    ],
)
def test_impossible_calendars_are_refused(zone: str, shift: tuple[int, int], says: str) -> None:
    with pytest.raises(CalendarError, match=says):
        Calendar(zone, ((shift,),) * 7)


def test_calendars_and_durations_are_values() -> None:
    """Equal when their parts are (a calendar's shifts sorted, its holidays a set), hashed
    alike, kept through pickling and copying, and shown by their parts."""
    import copy
    import pickle

    from access.durations import Duration

    shifts = (((540, 720), (480, 500)), *[((540, 1020),)] * 6)
    calendar = Calendar("Europe/Warsaw", shifts, frozenset({date(2026, 12, 24)}))
    again = Calendar(
        "Europe/Warsaw", (((480, 500), (540, 720)), *shifts[1:]), frozenset({date(2026, 12, 24)})
    )
    assert calendar == again and hash(calendar) == hash(again)
    assert calendar != Calendar("UTC", shifts) and calendar != "Europe/Warsaw"
    assert pickle.loads(pickle.dumps(calendar)) == calendar == copy.deepcopy(calendar)
    assert (
        repr(Calendar("UTC", ((),) * 7))
        == f"Calendar(zone='UTC', shifts={((),) * 7!r}, holidays=frozenset())"
    )
    assert Duration(0, 90) == Duration(minutes=90) and Duration(1) != Duration(0, 1)
    assert {Duration(2): "two days"}[Duration(2, 0)] == "two days"
    assert pickle.loads(pickle.dumps(Duration(1, 30))) == Duration(1, 30)
    assert (
        repr(Duration(1, 30)) == "Duration(days=1, minutes=30)" and str(Duration(1, 30)) == "1d30m"
    )
