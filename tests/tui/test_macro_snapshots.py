"""The macro key's preview as it draws, at 80x24 and 120x40: the demo's "Refund done" on one
ticket of the administrator's, over the ticket screen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.pilot import Pilot

from access import Gate
from store.models import Presence
from tests.backends import Locations, connect
from tests.tui_support import demo_database, make_app, open_ticket, press

SIZES = [(80, 24), (120, 40)]


@pytest.fixture(scope="module")
def demo(locations: Locations) -> Iterator[str]:
    location = locations.new("demo.db")
    demo_database(location, tickets=200)
    yield location
    locations.drop([location])


@pytest.mark.parametrize("size", SIZES)
def test_macro_preview(snap_compare, demo: str, size: tuple[int, int]) -> None:
    connect(demo)
    Presence.delete().execute()
    gate = Gate(connect(demo), "ada")
    number = next(r.number for r in gate.inbox.list_tickets(limit=50) if r.status == "open")

    async def open_it(pilot: Pilot[int]) -> None:
        await open_ticket(pilot, number)
        await press(pilot, "z", *"refund", "enter")

    assert snap_compare(make_app(demo, "ada"), terminal_size=size, run_before=open_it)
