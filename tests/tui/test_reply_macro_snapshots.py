"""The canned replies and macros screens as they draw at 80x24: the list with the detail pane
below it for the administrator, the same list without the keys that change it for the
view-only persona, and the editor of a canned reply refused for an unknown variable."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator

import pytest
from textual.pilot import Pilot

from tests.backends import Locations
from tests.tui_support import make_app, press, settle


@pytest.fixture(scope="module")
def demo(locations: Locations) -> Iterator[str]:
    location = locations.copy(locations.demo(100), "demo.db")
    yield location
    locations.drop([location])


def opening(label: str, *keys: str) -> Callable[[Pilot[int]], Awaitable[None]]:
    async def run_before(pilot: Pilot[int]) -> None:
        await settle(pilot)
        await press(pilot, "o")
        await press(pilot, *label, "enter")
        for key in keys:
            await press(pilot, key)

    return run_before


@pytest.mark.parametrize("persona", ["ada", "vic"])
@pytest.mark.parametrize("screen", ["Canned replies", "Macros"])
def test_reply_and_macro_screens(snap_compare, demo: str, screen: str, persona: str) -> None:
    assert snap_compare(make_app(demo, persona), terminal_size=(80, 24), run_before=opening(screen))


def test_canned_reply_editor_refused(snap_compare, demo: str) -> None:
    keys = ("e", "left", "left", *"{{typo}}", "ctrl+s")
    assert snap_compare(
        make_app(demo, "ada"), terminal_size=(80, 24), run_before=opening("Canned replies", *keys)
    )
