"""What each screen shows, at 80x24 and 120x40, for the administrator and the view-only
persona: vic's footers must carry no action that changes anything."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.pilot import Pilot

from access import Gate
from store.models import Presence
from tests.backends import Locations, connect
from tests.tui_support import make_app, press, settle

SIZES = [(80, 24), (120, 40)]
PERSONAS = ["ada", "vic"]


@pytest.fixture(scope="module")
def demo(locations: Locations) -> Iterator[str]:
    location = locations.copy(locations.demo(200), "demo.db")
    yield location
    locations.drop([location])


@pytest.fixture(autouse=True)
def nobody_else_on_tickets(demo: str) -> None:
    """The harness ends each app without `q`, so a ticket opened by one test's app would show
    as open by that person (for the presence's few minutes) in the next test's picture."""
    connect(demo)
    Presence.delete().execute()


def shared_ticket(demo: str) -> int:
    """A ticket with a note that both personas see (vic sees no archived source)."""
    gate = Gate(connect(demo), "vic")
    return next(r.number for r in gate.inbox.list_tickets(limit=50) if r.number > 3)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_inbox(snap_compare, demo: str, persona: str, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(demo, persona), terminal_size=size, run_before=settle)


def test_inbox_after_moving_and_marking(snap_compare, demo: str) -> None:
    """Moving repaints only the rows it leaves and enters (scrolling repaints the view): after
    paging down and back, the second row marked, the cursor on the fourth, no other row left
    highlighted behind."""

    async def run_before(pilot: Pilot[int]) -> None:
        await settle(pilot)
        await press(pilot, "pagedown", "pageup", "g", "j", "space", "j")

    assert snap_compare(make_app(demo, "ada"), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_ticket_detail(snap_compare, demo: str, persona: str, size: tuple[int, int]) -> None:
    number = shared_ticket(demo)

    async def open_it(pilot) -> None:
        await settle(pilot)
        await press(pilot, "slash", *f"#{number}", "enter")
        await press(pilot, "enter")

    assert snap_compare(make_app(demo, persona), terminal_size=size, run_before=open_it)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_group_filter(snap_compare, demo: str, persona: str, size: tuple[int, int]) -> None:
    async def open_it(pilot) -> None:
        await settle(pilot)
        await press(pilot, "F")

    assert snap_compare(make_app(demo, persona), terminal_size=size, run_before=open_it)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_role_editor(snap_compare, demo: str, persona: str, size: tuple[int, int]) -> None:
    async def open_it(pilot) -> None:
        await settle(pilot)
        await press(pilot, "R")

    assert snap_compare(make_app(demo, persona), terminal_size=size, run_before=open_it)


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, demo: str, size: tuple[int, int]) -> None:
    """The inbox's keys for ada, in a box that scrolls at 80x24."""

    async def open_it(pilot: Pilot[int]) -> None:
        await settle(pilot)
        await press(pilot, "question_mark")

    assert snap_compare(make_app(demo, "ada"), terminal_size=size, run_before=open_it)
