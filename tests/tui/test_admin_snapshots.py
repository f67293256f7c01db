"""The admin screens at 80x24 and 120x40, for the administrator and the view-only persona:
vic sees the lists but no key that changes them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator

import pytest
from textual.pilot import Pilot

from screens.sources import SourcesScreen
from tests.backends import Locations
from tests.tui_support import make_app, press, settle

SIZES = [(80, 24), (120, 40)]


@pytest.fixture(scope="module")
def demo(locations: Locations) -> Iterator[str]:
    location = locations.copy(locations.demo(100), "demo.db")
    yield location
    locations.drop([location])


def opening(label: str) -> Callable[[Pilot[int]], Awaitable[None]]:
    async def run_before(pilot: Pilot[int]) -> None:
        await settle(pilot)
        await press(pilot, "o")
        await press(pilot, *label, "enter")

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


def on_mail_source(key: str) -> Callable[[Pilot], Awaitable[None]]:
    """The sources screen on the demo's e-mail source, then `key` pressed."""
    open_sources = opening("Sources")

    async def run_before(pilot: Pilot) -> None:
        await open_sources(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, SourcesScreen)
        while getattr(screen.current, "kind", None) != "email":
            await pilot.press("j")
        await press(pilot, key)

    return run_before


@pytest.mark.parametrize("key", ["e", "Q"])
def test_mail_source_screens(
    snap_compare, demo: str, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The mail account form (no password field; the hint names where passwords live) and
    the source's quarantine, at 80x24."""
    monkeypatch.setenv("TICKETTY_MAIL_SECRETS", "/etc/ticketty/mail-secrets")
    assert snap_compare(
        make_app(demo, "ada"), terminal_size=(80, 24), run_before=on_mail_source(key)
    )
