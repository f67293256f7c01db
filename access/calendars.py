"""Business calendars through the gate: working hours in a time zone, and holidays, which the
service-level clocks count in. Seen with `sla.list`, changed with `sla.edit`; versioned and
audited like roles."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any, Protocol

from access.audit_actions import CALENDAR_CHANGE, CALENDAR_CREATE, CALENDAR_DELETE
from access.business_time import Calendar, CalendarError
from access.calendar_reads import CalendarView, read_calendar, read_calendars
from access.calendar_text import HOLIDAYS_LIMIT, parse_hours
from access.catalogue import SLA_EDIT, SLA_LIST
from access.errors import InvalidInput, NoChange, NotFound
from access.lookup import require_free_name
from access.request import Part
from access.validation import checked_name
from access.versions import bump, check_fresh
from store.models import BusinessCalendar, CalendarHoliday, SlaPolicy


@contextmanager
def _readable() -> Iterator[None]:
    """A calendar that cannot be (unknown zone, unreadable hours) is bad input, in one line."""
    try:
        yield
    except CalendarError as exc:
        raise InvalidInput(str(exc)) from None


def _checked(zone: str, hours: str, holidays: Iterable[date]) -> Calendar:
    days = frozenset(holidays)
    if len(days) > HOLIDAYS_LIMIT:
        raise InvalidInput(f"a calendar keeps up to {HOLIDAYS_LIMIT} holidays")
    with _readable():
        return Calendar(zone.strip(), parse_hours(hours), days)


class CalendarAdmin(Part):
    """Business calendars (`gate.calendars`): working hours, time zone and holidays, which
    service levels count time by."""

    def list_calendars(self) -> list[CalendarView]:
        request = self._open()
        request.require(SLA_LIST)
        return [view for _id, view in read_calendars()]

    def get_calendar(self, name: str) -> CalendarView:
        request = self._open()
        request.require(SLA_LIST)
        return read_calendar(calendar_named(name))

    def create_calendar(
        self, name: str, *, zone: str, hours: str, holidays: Iterable[date] = ()
    ) -> CalendarView:
        request = self._open()
        request.require(SLA_EDIT)
        name = checked_name(name, "calendar name")
        calendar = _checked(zone, hours, holidays)
        with request.writing():
            require_free_name(BusinessCalendar.name, name, "calendar")
            row = BusinessCalendar.create(
                name=name, zone=calendar.zone, shifts=json.dumps(calendar.shifts)
            )
            _add_holidays(row.id, calendar.holidays)
            view = read_calendar(row)
            request.record(CALENDAR_CREATE, "calendar", row.id, after=view.logged())
        return view

    def change_calendar(
        self,
        name: str,
        *,
        new_name: str | None = None,
        zone: str | None = None,
        hours: str | None = None,
        add_holidays: Iterable[date] = (),
        remove_holidays: Iterable[date] = (),
        expected_version: int | None = None,
    ) -> CalendarView:
        """Change what is given of a calendar; the rest stays. Returns it as it now is."""
        request = self._open()
        request.require(SLA_EDIT)
        new_name = None if new_name is None else checked_name(new_name, "calendar name")
        added, removed = frozenset(add_holidays), frozenset(remove_holidays)
        if added & removed:
            raise InvalidInput(f"{min(added & removed)} is both added and removed")
        with request.writing():
            row = calendar_named(name)
            check_fresh(row, expected_version, f"calendar {name}")
            before = read_calendar(row)
            holidays = (set(before.holidays) | added) - removed
            calendar = _checked(
                before.zone if zone is None else zone,
                before.hours if hours is None else hours,
                holidays,
            )
            if new_name is not None and new_name != row.name:
                require_free_name(BusinessCalendar.name, new_name, "calendar")
            BusinessCalendar.update(
                name=new_name or row.name,
                zone=calendar.zone,
                shifts=json.dumps(calendar.shifts),
            ).where(BusinessCalendar.id == row.id).execute()
            CalendarHoliday.delete().where(
                (CalendarHoliday.calendar == row.id) & CalendarHoliday.day.in_(sorted(removed))
            ).execute()
            _add_holidays(row.id, added - set(before.holidays))
            after = read_calendar(BusinessCalendar.get_by_id(row.id))
            if after.logged() == before.logged():
                raise NoChange(f"calendar {name} is already so; nothing changed")
            version = bump(row, expected_version, f"calendar {name}")
            request.record(CALENDAR_CHANGE, "calendar", row.id, **difference(before, after))
        from access.due_times import recompute_open  # the edit's alone: the start reads calendars

        recompute_open(request)  # the open tickets measured by the edit, in chunks
        return after._replace(version=version)

    def delete_calendar(self, name: str, *, expected_version: int | None = None) -> None:
        request = self._open()
        request.require(SLA_EDIT)
        with request.writing():
            row = calendar_named(name)
            check_fresh(row, expected_version, f"calendar {name}")
            before = read_calendar(row)
            users = [
                p.name for p in SlaPolicy.select(SlaPolicy.name).where(SlaPolicy.calendar == row.id)
            ]
            if users:
                raise InvalidInput(
                    f"calendar {name} is used by the policy {', '.join(sorted(users))}; "
                    "give it another calendar or delete it first"
                )
            BusinessCalendar.delete().where(BusinessCalendar.id == row.id).execute()
            request.record(CALENDAR_DELETE, "calendar", row.id, before=before.logged())


def calendar_named(name: str) -> BusinessCalendar:
    row = BusinessCalendar.get_or_none(BusinessCalendar.name == name)
    if row is None:
        raise NotFound(f"no calendar named {name!r}")
    return row


def _add_holidays(calendar_id: int, days: Iterable[date]) -> None:
    rows = [{"calendar": calendar_id, "day": day} for day in sorted(days)]
    if rows:
        CalendarHoliday.insert_many(rows).execute()


class Logged(Protocol):
    def logged(self) -> dict[str, Any]: ...


def difference(before: Logged, after: Logged) -> dict[str, dict[str, Any]]:
    """The audit's before and after: only the fields that changed."""
    old, new = before.logged(), after.logged()
    changed = [key for key in old if old[key] != new[key]]
    return {"before": {k: old[k] for k in changed}, "after": {k: new[k] for k in changed}}
