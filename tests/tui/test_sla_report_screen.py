"""The SLA report screen: reached through Go to or `s` on the workload report, it shows the
gate's figures for the app clock's month, `p` picks another month; one's own figures with
reports.own; names are shown as written, markup and all. Snapshots at 80x24 and 120x40."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from textual.pilot import Pilot

from access import Gate
from access.demo import DEMO_NOW
from screens.reports import ReportsScreen
from screens.sla_report import SlaReportScreen, months_back
from store import migration_chunks
from store.models import SchemaVersion, utcnow
from store.tag_models import DeskSetting
from tests.backends import Locations, connect
from tests.builders import judge_every_ticket
from tests.tui.test_inbox_due import SIZES
from tests.tui.test_inbox_due import with_a_policy as due_policy
from tests.tui_support import make_app, press, settle
from tui.widgets import PickerModal


def with_a_policy(location: str) -> str:
    """The inbox tests' policy (every hour of every day), and a usergroup named in markup."""
    due_policy(location)
    Gate(connect(location), "ada").groups.rename_group("Returns", "[red]Returns")
    judge_every_ticket(location)
    return location


@pytest.fixture(scope="module")
def demo(locations: Locations) -> Iterator[str]:
    location = locations.copy(locations.demo(100), "sla-report.db")
    yield with_a_policy(location)
    locations.drop([location])


async def open_report(pilot: Pilot[int]) -> None:
    await settle(pilot)
    await press(pilot, "o")
    await press(pilot, *"SLA report", "enter")


async def choose_october(pilot: Pilot[int]) -> None:
    await open_report(pilot)
    await press(pilot, "p")
    await press(pilot, *"2026-10", "enter")


def shown(app_screen: object) -> list[tuple[str, str, int]]:
    assert isinstance(app_screen, SlaReportScreen)
    return [(r.by, r.name, r.first_response_met) for r in app_screen.records]


async def test_the_month_of_the_clock_then_a_chosen_one(new_demo) -> None:
    location = with_a_policy(new_demo())
    ada = Gate(connect(location), "ada")
    october = [(r.by, r.name, r.first_response_met) for r in ada.reports.sla("2026-10").rows]
    november = [(r.by, r.name, r.first_response_met) for r in ada.reports.sla("2026-11").rows]
    assert october != november and ("usergroup", "[red]Returns") in [r[:2] for r in october]
    app = make_app(location, "ada")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_report(pilot)
        assert shown(app.screen) == november
        assert "verdicts given in 2026-11" in str(app.screen.sub_title)
        await press(pilot, "p")
        assert isinstance(app.screen, PickerModal)
        await press(pilot, *"2026-10", "enter")
        assert shown(app.screen) == october
        assert "verdicts given in 2026-10" in str(app.screen.sub_title)
        await press(pilot, "escape")
        await press(pilot, "o")
        await press(pilot, *"Workload", "enter")
        assert isinstance(app.screen, ReportsScreen)
        await press(pilot, "s")
        assert isinstance(app.screen, SlaReportScreen)


async def test_a_month_the_backfill_has_not_reached_says_it_is_incomplete(new_demo) -> None:
    """While migration 32 gives verdicts to clocks that ended before schema 21 (held by
    another process here), a month before then is shown with INCOMPLETE; a later one is not."""
    location = with_a_policy(new_demo())
    later = DEMO_NOW.replace(month=10, day=15)  # schema 21 applied mid-October
    SchemaVersion.update(applied_at=later).where(SchemaVersion.version == 21).execute()
    held = f"0 another {(utcnow() + timedelta(hours=1)).isoformat()}"
    DeskSetting.insert(key=migration_chunks.MARKER, value=held).execute()
    app = make_app(location, "ada")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_report(pilot)
        assert "verdicts given in 2026-11" in str(app.screen.sub_title)
        assert "INCOMPLETE" not in str(app.screen.sub_title)
        await press(pilot, "p")
        await press(pilot, *"2026-10", "enter")
        assert "INCOMPLETE" in str(app.screen.sub_title)


async def test_own_figures_for_reports_own(demo: str) -> None:
    app = make_app(demo, "ali")
    async with app.run_test(size=(120, 40)) as pilot:
        await choose_october(pilot)
        agents = [name for by, name, _ in shown(app.screen) if by == "agent"]
        assert agents == ["ali"]


def test_months_offered_count_back_across_the_year() -> None:
    from datetime import datetime

    assert months_back(datetime(2026, 2, 3), 4) == ["2026-02", "2026-01", "2025-12", "2025-11"]


@pytest.mark.parametrize("size", SIZES)
def test_sla_report_snapshot(snap_compare, demo: str, size) -> None:
    assert snap_compare(make_app(demo, "ada"), terminal_size=size, run_before=choose_october)
