"""Business calendars at the gate: seen with `sla.list` (a view-only right the Viewer role
holds), changed with `sla.edit`; versioned, audited, and given in one line when wrong."""

from __future__ import annotations

from datetime import date, datetime

import peewee
import pytest

from access import Conflict, Gate, InvalidInput, NoChange, NotFound, PermissionDenied
from access.business_time import business_minutes
from access.catalogue import SLA_EDIT, SLA_LIST, VIEW_ONLY
from store.models import (
    AuditEvent,
    BusinessCalendar,
    CalendarHoliday,
    RolePermission,
    SchemaVersion,
    SlaPolicy,
)
from store.schema import migrate

CHRISTMAS_EVE = date(2026, 12, 24)


@pytest.fixture
def ada(demo_db: peewee.Database) -> Gate:
    gate = Gate(demo_db, "ada")
    gate.calendars.create_calendar(
        "PL office",
        zone="Europe/Warsaw",
        hours="mon-fri 08:00-16:00",
        holidays=[CHRISTMAS_EVE, date(2026, 12, 25)],
    )
    return gate


def actions() -> list[str]:
    return [e.action for e in AuditEvent.select().where(AuditEvent.target_kind == "calendar")]


def test_a_calendar_is_kept_as_given_and_counts_business_time(ada: Gate) -> None:
    (office,) = ada.calendars.list_calendars()
    assert office == ada.calendars.get_calendar("PL office")
    assert (office.zone, office.hours, office.version) == (
        "Europe/Warsaw",
        "mon-fri 08:00-16:00",
        1,
    )
    assert office.holidays == (CHRISTMAS_EVE, date(2026, 12, 25))
    # Monday 21 to Monday 28 December: three working days of eight hours.
    week = business_minutes(office.calendar(), datetime(2026, 12, 21), datetime(2026, 12, 28))
    assert week == 3 * 8 * 60
    assert actions() == ["calendar.create"]


def test_the_viewer_sees_calendars_and_changes_none(ada: Gate, demo_db: peewee.Database) -> None:
    assert SLA_LIST in VIEW_ONLY and SLA_EDIT not in VIEW_ONLY
    vic = Gate(demo_db, "vic")
    assert [c.name for c in vic.calendars.list_calendars()] == ["PL office"]
    with pytest.raises(PermissionDenied, match=r"lacks sla\.edit"):
        vic.calendars.change_calendar("PL office", zone="UTC")
    with pytest.raises(PermissionDenied, match=r"lacks sla\.list"):
        Gate(demo_db, "tom").calendars.get_calendar("PL office")
    assert ada.calendars.get_calendar("PL office").zone == "Europe/Warsaw"


def test_a_change_keeps_what_it_does_not_name_and_is_audited(ada: Gate) -> None:
    changed = ada.calendars.change_calendar(
        "PL office",
        new_name="PL team",
        hours="mon-thu 07:00-15:00; fri 07:00-13:00",
        add_holidays=[date(2026, 12, 31)],
        remove_holidays=[date(2026, 12, 25)],
        expected_version=1,
    )
    assert changed == ada.calendars.get_calendar("PL team")
    assert changed.zone == "Europe/Warsaw" and changed.version == 2
    assert changed.holidays == (CHRISTMAS_EVE, date(2026, 12, 31))
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    assert event.action == "calendar.change"
    assert "zone" not in event.after and "PL team" in event.after and "07:00" in event.after


def test_a_stale_change_names_the_change_it_missed(ada: Gate) -> None:
    ada.calendars.change_calendar("PL office", zone="Europe/Berlin")
    with pytest.raises(Conflict, match=r"ada .*calendar\.change"):
        ada.calendars.change_calendar("PL office", hours="mon 09:00-10:00", expected_version=1)
    with pytest.raises(Conflict):
        ada.calendars.delete_calendar("PL office", expected_version=1)
    assert ada.calendars.get_calendar("PL office").hours == "mon-fri 08:00-16:00"


def test_the_same_again_is_no_change_and_writes_nothing(ada: Gate) -> None:
    with pytest.raises(NoChange):
        ada.calendars.change_calendar(
            "PL office", hours="mon-fri 08:00-16:00", add_holidays=[CHRISTMAS_EVE]
        )
    assert ada.calendars.get_calendar("PL office").version == 1
    assert actions() == ["calendar.create"]


@pytest.mark.parametrize(
    ("change", "error", "says"),
    [
        ({"zone": "Europe/Atlantis"}, InvalidInput, "unknown time zone"),
        ({"hours": "mon-fri 8 to 4"}, InvalidInput, "cannot read"),
        ({"new_name": "  "}, InvalidInput, "empty"),
        ({"new_name": "DE\x1b[2Joffice"}, InvalidInput, "control characters"),
        ({"new_name": "DE office"}, InvalidInput, "already exists"),
        ({"add_holidays": [CHRISTMAS_EVE], "remove_holidays": [CHRISTMAS_EVE]}, InvalidInput,
         "both added and removed"),
        ({"add_holidays": [date.fromordinal(738000 + n) for n in range(5001)]}, InvalidInput,
         "up to 5000 holidays"),
    ],
)  # fmt: skip
def test_bad_changes_are_one_line_and_change_nothing(
    ada: Gate, change: dict, error: type[Exception], says: str
) -> None:
    ada.calendars.create_calendar("DE office", zone="Europe/Berlin", hours="mon-fri 09:00-17:00")
    before = ada.calendars.list_calendars()
    with pytest.raises(error, match=says) as refusal:
        ada.calendars.change_calendar("PL office", **change)
    assert "\n" not in str(refusal.value)
    assert ada.calendars.list_calendars() == before


def test_names_are_unique_and_deleting_takes_the_holidays(ada: Gate) -> None:
    with pytest.raises(InvalidInput, match="already exists"):
        ada.calendars.create_calendar("PL office", zone="UTC", hours="mon 08:00-09:00")
    ada.calendars.delete_calendar("PL office", expected_version=1)
    assert ada.calendars.list_calendars() == []
    with pytest.raises(NotFound, match="no calendar named 'PL office'"):
        ada.calendars.get_calendar("PL office")
    assert actions() == ["calendar.create", "calendar.delete"]


def test_migration_13_gives_the_new_rights_to_those_who_edit_roles(
    demo_db: peewee.Database,
) -> None:
    """A database of version 12: its role editors (the Administrator) get sla.list and
    sla.edit, since nobody could give them otherwise; the Viewer, who cannot edit roles,
    gets nothing from it."""
    RolePermission.delete().where(RolePermission.permission.startswith("sla.")).execute()
    demo_db.drop_tables([SlaPolicy, CalendarHoliday, BusinessCalendar])
    SchemaVersion.delete().where(SchemaVersion.version >= 13).execute()
    migrate(demo_db)
    assert Gate(demo_db, "ada").me.holds(SLA_EDIT)
    assert not Gate(demo_db, "vic").me.holds(SLA_LIST)
    assert Gate(demo_db, "ada").calendars.list_calendars() == []
