"""The admin screens at 80x24 and 120x40, for the administrator and the view-only persona:
vic sees the lists but no key that changes them."""

from __future__ import annotations

import pytest

from tests.backends import Locations
from tests.tui_support import demo_database, make_app, settle

SIZES = [(80, 24), (120, 40)]


@pytest.fixture(scope="module")
def demo(locations: Locations) -> str:
    location = locations.new("demo.db")
    demo_database(location, tickets=100)
    return location


def opening(label: str):  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        await pilot.press(*label, "enter")
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("persona", ["ada", "vic"])
@pytest.mark.parametrize("screen", ["Usergroups", "People", "Sources", "Custom fields"])
def test_admin_screen(snap_compare, demo: str, screen: str, persona: str, size) -> None:
    assert snap_compare(make_app(demo, persona), terminal_size=size, run_before=opening(screen))


@pytest.mark.parametrize("size", SIZES)
def test_audit_log(snap_compare, demo: str, size) -> None:
    """Only ada holds audit.view; the log's times are the demo's fixed clock."""
    assert snap_compare(make_app(demo, "ada"), terminal_size=size, run_before=opening("Audit log"))
