"""`ticketty calendars`: business calendars (working hours in a time zone, holidays) that
service levels count in."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from access.business_time import CalendarError
from access.calendar_reads import CalendarView
from access.calendar_text import ICS_LIMIT, holidays_from_ics, parse_dates
from access.errors import InvalidInput
from cli.command import Arguments, Commands, open_gate
from cli.output import print_json, print_listing
from wording.safe_text import one_line

YEARS_AHEAD = 2


def register(commands: Commands) -> None:
    calendars = commands.noun("calendars")
    p = calendars.add("add", add_calendar, help="add a business calendar")
    p.add_argument("name")
    p.add_argument("--timezone", required=True, help="e.g. Europe/Warsaw")
    p.add_argument("--hours", required=True, help='e.g. "mon-fri 08:00-16:00; sat 09:00-13:00"')
    holiday_options(p, "a holiday (2026-12-24); repeat for more")
    calendars.add("list", list_calendars).add_argument("--json", action="store_true")
    p = calendars.add("show", show_calendar)
    p.add_argument("name")
    p.add_argument("--json", action="store_true")
    p = calendars.add("edit", edit_calendar, help="change what is given; the rest stays")
    p.add_argument("name")
    p.add_argument("--name", dest="new_name")
    p.add_argument("--timezone")
    p.add_argument("--hours")
    holiday_options(p, "add a holiday; repeat for more")
    p.add_argument("--no-holiday", action="append", default=[], help="remove a holiday")
    p = calendars.add("delete", delete_calendar)
    p.add_argument("name")


def holiday_options(parser: Arguments, what: str) -> None:
    parser.add_argument("--holiday", action="append", default=[], help=what)
    parser.add_argument("--holidays-ics", help="the all-day events of an iCalendar file")
    parser.add_argument(
        "--years",
        help=f"which years of the .ics to take, e.g. 2026-2030 (this year and {YEARS_AHEAD} more)",
    )


@contextmanager
def bad_input() -> Iterator[None]:
    """A date or a file that cannot be read is bad input, in one line, like the gate's."""
    try:
        yield
    except CalendarError as exc:
        raise InvalidInput(str(exc)) from None


def holidays(args: argparse.Namespace) -> frozenset[date]:
    """The holidays given one by one and those of the .ics file."""
    with bad_input():
        given = parse_dates(args.holiday)
        if not args.holidays_ics:
            return given
        first, last = years(args.years)
        return given | holidays_from_ics(read_ics(Path(args.holidays_ics)), first, last)


def years(text: str | None) -> tuple[date, date]:
    if text is None:
        this_year = date.today().year
        return date(this_year, 1, 1), date(this_year + YEARS_AHEAD, 12, 31)
    first, _, last = text.partition("-")
    try:
        return date(int(first), 1, 1), date(int(last or first), 12, 31)
    except ValueError:
        raise CalendarError(f"--years {text!r}: write 2026 or 2026-2030") from None


def read_ics(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            return file.read(ICS_LIMIT + 1)
    except OSError as exc:
        raise CalendarError(f"cannot read {path}: {exc.strerror or exc}") from None


def add_calendar(args: argparse.Namespace) -> int:
    view = open_gate(args).calendars.create_calendar(
        args.name, zone=args.timezone, hours=args.hours, holidays=holidays(args)
    )
    print(f"added calendar {one_line(view.name)}: {describe(view)}")
    return 0


def list_calendars(args: argparse.Namespace) -> int:
    return print_listing(
        args.json,
        open_gate(args).calendars.list_calendars(),
        ["calendar", "time zone", "hours", "holidays"],
        lambda c: [c.name, c.zone, c.hours, str(len(c.holidays))],
        calendar_json,
    )


def show_calendar(args: argparse.Namespace) -> int:
    view = open_gate(args).calendars.get_calendar(args.name)
    if args.json:
        print_json(calendar_json(view))
        return 0
    print(f"calendar {one_line(view.name)}: {describe(view)}")
    for day in view.holidays:
        print(f"  {day.isoformat()} {day:%a}")
    return 0


def edit_calendar(args: argparse.Namespace) -> int:
    view = open_gate(args).calendars.change_calendar(
        args.name,
        new_name=args.new_name,
        zone=args.timezone,
        hours=args.hours,
        add_holidays=holidays(args),
        remove_holidays=removed(args),
    )
    print(f"changed calendar {one_line(view.name)}: {describe(view)}")
    return 0


def removed(args: argparse.Namespace) -> frozenset[date]:
    with bad_input():
        return parse_dates(args.no_holiday)


def delete_calendar(args: argparse.Namespace) -> int:
    open_gate(args).calendars.delete_calendar(args.name)
    print(f"deleted calendar {one_line(args.name)}")
    return 0


def describe(view: CalendarView) -> str:
    count = len(view.holidays)
    return f"{view.zone}, {view.hours}, {count} holiday{'' if count == 1 else 's'}"


def calendar_json(view: CalendarView) -> dict[str, Any]:
    return {
        "name": view.name,
        "timezone": view.zone,
        "hours": view.hours,
        "holidays": [day.isoformat() for day in view.holidays],
        "version": view.version,
    }
