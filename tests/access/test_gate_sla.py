"""Service-level policies at the gate: seen with `sla.list`, changed with `sla.edit`; kept in
match order, versioned and audited; bad input is one line and changes nothing; a calendar a
policy counts in cannot be deleted; the clock reads them as they are kept."""

from __future__ import annotations

from datetime import datetime

import peewee
import pytest

from access import Conflict, Gate, InvalidInput, NoChange, NotFound, PermissionDenied
from access.sla import policies_in_order
from access.sla_clock import History, clock
from access.sla_rules import Attributes
from store.models import AuditEvent, SchemaVersion, SlaPolicy, Source, Usergroup
from store.schema import migrate


@pytest.fixture
def ada(demo_db: peewee.Database) -> Gate:
    gate = Gate(demo_db, "ada")
    gate.calendars.create_calendar("PL office", zone="Europe/Warsaw", hours="mon-fri 08:00-16:00")
    gate.sla.create_policy(
        "Standard",
        calendar="PL office",
        targets={"first_response": ["4h"], "next_response": ["8h"], "resolution": ["3d"]},
    )
    return gate


def group_name() -> str:
    return Usergroup.select().order_by(Usergroup.id).first().name


def source_name() -> str:
    return Source.select().order_by(Source.id).first().name


def actions() -> list[str]:
    query = AuditEvent.select().where(AuditEvent.target_kind == "policy")
    return [e.action for e in query.order_by(AuditEvent.id)]


def test_a_policy_is_kept_as_given(ada: Gate) -> None:
    group, source = group_name(), source_name()
    urgent = ada.sla.create_policy(
        "Urgent",
        calendar="PL office",
        targets={"first_response": ["1h", "urgent=30m"], "resolution": ["1d"]},
        priorities=["high", "Urgent"],
        sources=[source],
        usergroups=[group],
        pause_on=["pending", "new"],
    )
    assert urgent == ada.sla.get_policy("Urgent")
    assert urgent.position == 2 and urgent.version == 1
    assert urgent.targets == {
        "first_response": {"": "1h", "urgent": "30m"},
        "resolution": {"": "1d"},
    }
    assert (urgent.priorities, urgent.sources, urgent.usergroups) == (
        ("high", "urgent"),
        (source,),
        (group,),
    )
    assert urgent.pause_on == ("new", "pending")
    assert [p.name for p in ada.sla.list_policies()] == ["Standard", "Urgent"]
    assert actions() == ["policy.create", "policy.create"]


def test_the_viewer_sees_policies_and_changes_none(ada: Gate, demo_db: peewee.Database) -> None:
    vic = Gate(demo_db, "vic")
    assert [p.name for p in vic.sla.list_policies()] == ["Standard"]
    with pytest.raises(PermissionDenied):
        vic.sla.change_policy("Standard", new_name="Mine")
    with pytest.raises(PermissionDenied):
        vic.sla.move_policy("Standard", 1)


def test_the_match_order_is_chosen_and_kept_without_gaps(ada: Gate) -> None:
    for name in ("Gold", "Silver"):
        ada.sla.create_policy(name, calendar="PL office", targets={"resolution": ["2d"]})
    moved = ada.sla.move_policy("Silver", 1)
    assert [(p.name, p.position) for p in moved] == [("Silver", 1), ("Standard", 2), ("Gold", 3)]
    assert [p.name for p in ada.sla.move_policy("Silver", 99)] == ["Standard", "Gold", "Silver"]
    with pytest.raises(NoChange):
        ada.sla.move_policy("Silver", 3)
    ada.sla.delete_policy("Standard")
    assert [(p.name, p.position) for p in ada.sla.list_policies()] == [("Gold", 1), ("Silver", 2)]
    assert actions()[-3:] == ["policy.move", "policy.move", "policy.delete"]


def test_a_change_keeps_the_rest_and_is_versioned(ada: Gate) -> None:
    changed = ada.sla.change_policy(
        "Standard",
        targets={"first_response": ["2h", "urgent=1h"], "next_response": []},
        priorities=["normal"],
        expected_version=1,
    )
    assert changed.version == 2
    assert changed.targets == {
        "first_response": {"": "2h", "urgent": "1h"},
        "resolution": {"": "3d"},
    }
    assert changed.priorities == ("normal",)
    with pytest.raises(Conflict, match="changed by someone else"):
        ada.sla.change_policy("Standard", pause_on=[], expected_version=1)
    with pytest.raises(NoChange):
        ada.sla.change_policy("Standard", priorities=["normal"])
    event = AuditEvent.select().where(AuditEvent.action == "policy.change").get()
    assert '"next_response"' in event.before and '"priorities"' in event.after
    assert '"calendar"' not in event.after


@pytest.mark.parametrize(
    ("change", "error", "says"),
    [
        ({"targets": {"first_response": ["soon"]}}, InvalidInput, "not a duration"),
        ({"targets": {"first_response": ["vip=1h"]}}, InvalidInput, "not a priority"),
        ({"targets": {m: [] for m in ("first_response", "next_response", "resolution")}},
         InvalidInput, "no target"),
        ({"priorities": ["asap"]}, InvalidInput, "not a priority"),
        ({"pause_on": ["resolved"]}, InvalidInput, "always stops"),
        ({"calendar": "Nowhere"}, NotFound, "no calendar named"),
        ({"sources": ["Carrier pigeon"]}, NotFound, "no source named"),
        ({"usergroups": ["Nobody"]}, NotFound, "no usergroup named"),
        ({"new_name": " "}, InvalidInput, "name"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_changes_nothing(
    ada: Gate, change: dict, error: type[Exception], says: str
) -> None:
    before = ada.sla.list_policies()
    with pytest.raises(error, match=says) as refusal:
        ada.sla.change_policy("Standard", **change)
    assert "\n" not in str(refusal.value)
    assert ada.sla.list_policies() == before


def test_names_are_unique_and_a_policy_needs_a_target(ada: Gate) -> None:
    with pytest.raises(InvalidInput, match="already exists"):
        ada.sla.create_policy("Standard", calendar="PL office", targets={"resolution": ["1d"]})
    with pytest.raises(InvalidInput, match="at least one target"):
        ada.sla.create_policy("Empty", calendar="PL office", targets={})
    with pytest.raises(NotFound, match="no policy named"):
        ada.sla.delete_policy("Gold")


def test_a_calendar_a_policy_counts_in_is_not_deleted(ada: Gate) -> None:
    with pytest.raises(InvalidInput, match="used by the policy Standard") as refusal:
        ada.calendars.delete_calendar("PL office")
    assert "\n" not in str(refusal.value)
    assert [c.name for c in ada.calendars.list_calendars()] == ["PL office"]
    ada.sla.delete_policy("Standard")
    ada.calendars.delete_calendar("PL office")


def test_a_deleted_usergroup_narrows_and_never_widens(ada: Gate) -> None:
    group = group_name()
    ada.sla.change_policy("Standard", usergroups=[group])
    group_id = Usergroup.get(Usergroup.name == group).id
    Usergroup.delete().where(Usergroup.id == group_id).execute()
    assert ada.sla.get_policy("Standard").usergroups == (f"(deleted usergroup {group_id})",)
    (rule,) = policies_in_order()
    assert not rule.matches(Attributes("normal", 1, None))


def test_the_clock_reads_the_policies_as_kept(ada: Gate) -> None:
    ada.sla.create_policy(
        "Urgent", calendar="PL office", targets={"first_response": ["1h"]}, priorities=["urgent"]
    )
    ada.sla.move_policy("Urgent", 1)
    monday = datetime(2026, 3, 2, 7, 0)  # 08:00 in Warsaw
    urgent = History(monday, "new", Attributes("urgent", 1, None))
    result = clock(urgent, policies_in_order(), monday)
    assert result.policy == "Urgent" and result.first_response is not None
    assert result.first_response.due == datetime(2026, 3, 2, 8, 0)
    assert result.resolution is None


def test_migration_14_adds_the_policies(demo_db: peewee.Database) -> None:
    demo_db.drop_tables([SlaPolicy])
    SchemaVersion.delete().where(SchemaVersion.version >= 14).execute()  # 15 runs after it
    migrate(demo_db)
    assert Gate(demo_db, "ada").sla.list_policies() == []


def test_the_due_columns_calendars_are_read_by_whoever_lists_tickets(
    ada: Gate, demo_db: peewee.Database
) -> None:
    ada.calendars.create_calendar("DE office", zone="Europe/Berlin", hours="mon-fri 09:00-17:00")
    ada.sla.create_policy("German", calendar="DE office", targets={"first_response": ["8h"]})
    ids = {row.name: row.id for row in SlaPolicy.select()}
    for username in ("ada", "sam", "vic", "ola"):  # sam lists his groups' as their supervisor
        calendars = Gate(demo_db, username).sla.due_calendars()
        assert calendars.keys() == set(ids.values())
        assert calendars[ids["Standard"]].zone == "Europe/Warsaw"
        assert calendars[ids["German"]].zone == "Europe/Berlin"
