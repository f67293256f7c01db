"""Working hours as people write them, and holidays from an iCalendar file: a public holidays
calendar (yearly RRULEs and one-off movable feasts), and hostile files that end in one line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from access.business_time import CalendarError
from access.calendar_text import format_hours, holidays_from_ics, parse_dates, parse_hours

POLAND = Path(__file__).parent / "calendars" / "poland.ics"


def test_office_hours_with_a_lunch_break_and_a_saturday() -> None:
    shifts = parse_hours("Mon-Fri 08:00-12:00, 13:00-17:00; sat 10:00-14:00")
    assert shifts[0] == ((480, 720), (780, 1020))
    assert shifts[4] == shifts[0]
    assert shifts[5] == ((600, 840),)
    assert shifts[6] == ()
    assert format_hours(shifts) == "mon-fri 08:00-12:00,13:00-17:00; sat 10:00-14:00"


def test_a_night_shift_runs_past_midnight_and_a_range_may_wrap_the_week() -> None:
    shifts = parse_hours("fri-mon 22:00-06:00; wed 00:00-24:00")
    assert [bool(day) for day in shifts] == [True, False, True, False, True, True, True]
    assert shifts[4] == ((1320, 1800),)
    assert shifts[2] == ((0, 1440),)
    assert parse_hours(format_hours(shifts)) == shifts


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "no working hours"),
        ("weekdays 9-5", "cannot read hours"),
        ("mon-fry 08:00-16:00", "not a weekday"),
        ("mon 8-16", "cannot read the shift"),
        ("mon 25:00-26:00", "not a time of day"),
        ("mon 08:00-24:30", "not a time of day"),
    ],
)
def test_hours_that_cannot_be_read_say_so(text: str, says: str) -> None:
    with pytest.raises(CalendarError, match=says):
        parse_hours(text)


def test_dates_are_iso_dates() -> None:
    assert parse_dates([" 2026-12-24", "2026-12-24"]) == {date(2026, 12, 24)}
    with pytest.raises(CalendarError, match="not a date"):
        parse_dates(["24.12.2026"])


def test_polish_holidays_repeat_yearly_and_movable_feasts_come_once() -> None:
    dates = holidays_from_ics(POLAND.read_bytes(), date(2026, 1, 1), date(2027, 12, 31))
    in_2026 = sorted(d for d in dates if d.year == 2026)
    assert date(2026, 12, 24) in in_2026  # a yearly RRULE from 2025 on
    assert date(2026, 6, 4) in in_2026  # Corpus Christi, a one-off event
    assert date(2026, 1, 12) not in dates  # the weekly team meeting has a time: no holiday
    assert len(in_2026) == 14
    assert len(dates) == 28


def test_only_the_range_asked_for_is_read() -> None:
    dates = holidays_from_ics(POLAND.read_bytes(), date(2024, 12, 1), date(2024, 12, 31))
    assert dates == {date(2024, 12, 25), date(2024, 12, 26)}  # Christmas Eve only from 2025


def event(lines: str) -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:1@x\r\nDTSTAMP:20260101T000000Z\r\n{lines}END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def test_a_holiday_of_several_days_gives_each_day() -> None:
    data = event("DTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261227\r\n")
    dates = holidays_from_ics(data, date(2026, 1, 1), date(2026, 12, 31))
    assert dates == {date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26)}


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "cannot read the holidays file"),
        (b"\x00\xff garbage", "cannot read the holidays file"),
        (b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "no all-day events"),
        (event("DTSTART:20260101T100000Z\r\n"), "no all-day events"),
        (event("DTSTART;VALUE=DATE:2026zz01\r\n"), "cannot read the holidays file"),
        (event("DTSTART;VALUE=DATE:20260101\r\nRRULE:FREQ=SOMETIMES\r\n"), "cannot read"),
        (event("DTSTART;VALUE=DATE:20200101\r\nDTEND;VALUE=DATE:20200102\r\n"), "no holidays"),
        (b"BEGIN:VCALENDAR\r\n" * 20000, "cannot read the holidays file"),
        (b"X" * (3 * 2**20), "over 2 MiB"),
    ],
    ids=[
        "empty",
        "binary",
        "no-events",
        "timed-only",
        "bad-date",
        "bad-rule",
        "out-of-range",
        "nested",
        "huge",
    ],
)
def test_hostile_holiday_files_end_in_one_line(data: bytes, says: str) -> None:
    with pytest.raises(CalendarError, match=says) as refusal:
        holidays_from_ics(data, date(2026, 1, 1), date(2026, 12, 31))
    assert "\n" not in str(refusal.value)


def test_every_day_a_holiday_for_twenty_years_is_refused() -> None:
    data = event("DTSTART;VALUE=DATE:20200101\r\nRRULE:FREQ=DAILY\r\n")
    with pytest.raises(CalendarError, match="over 5000 holidays"):
        holidays_from_ics(data, date(2020, 1, 1), date(2039, 12, 31))
    with pytest.raises(CalendarError, match="up to 20 years"):
        holidays_from_ics(data, date(2020, 1, 1), date(2199, 12, 31))
