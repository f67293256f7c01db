"""The inbox's views bar: always shown, the person's saved views with their live counts and
jump keys, fitted to the width (names cut, views left out counted), the view shown
highlighted; counted again when another person's change arrives, at most once a second."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from access import Gate
from access.live import Changes
from access.saved_views import ViewInfo
from access.views import TicketQuery
from screens.inbox import InboxScreen
from tests.backends import connect
from tests.tui_support import Handled, handled, make_app, press, settle
from tui.live import OthersChanged
from tui.views_bar import NO_VIEWS, ViewsBar, bar_text

SMALL = (80, 24)
FAST = 0.05  # the refresh interval of a session that follows others' changes


@pytest.fixture
def demo(new_demo: Callable[..., str]) -> str:
    return new_demo()


def test_the_bar_fits_its_width_cutting_names_then_counting_views_left_out() -> None:
    views = [("Refunds", "4,779"), ("Returns waiting", "6,592"), ("Urgent open", "5,000+")]
    assert bar_text(views, 80, None).plain == (
        "1 Refunds 4,779 │ 2 Returns waiting 6,592 │ 3 Urgent open 5,000+"
    )
    assert bar_text(views, 53, None).plain == "1 Refunds 4,779 │ 2 Return… 6,592 │ 3 Urgent… 5,000+"
    many = [(f"View number {n}", f"{n},000") for n in range(1, 12)]
    assert bar_text(many, 78, None).plain == (
        "1 View nu… 1,000 │ 2 View nu… 2,000 │ 3 View nu… 3,000 │ 4 View nu… 4,000 │ +7"
    )
    assert bar_text([], 80, None).plain == NO_VIEWS
    shown = bar_text([("[b]x[/b] \x1b]0;pwn", "3")], 80, 1)
    assert shown.plain.startswith("1 [b]x[/b] ") and "\x1b" not in shown.plain
    assert any("reverse" in str(span.style) for span in shown.spans)


async def script(demo: str, user: str, *args: str) -> None:
    """The command line, in its own process, as `user`: another agent."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ticketty", "--db", str(demo), "--user", user, *args
    )
    assert await process.wait() == 0


async def test_the_bar_shows_live_counts_and_the_view_jumped_to(demo: str) -> None:
    ola = Gate(connect(demo), "ola")
    views = ola.views.list_views()
    urgent = next(n for n, v in enumerate(views, 1) if v.name == "Urgent open")
    one = ola.inbox.list_tickets(views[urgent - 1].query, limit=1)[0].number
    app = make_app(demo, "ola", FAST)
    saw = Handled()
    async with app.run_test(size=SMALL, message_hook=saw.hook) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(ViewsBar)
        assert bar.views == [(v.name, f"{v.tickets:,}") for v in views] and bar.active is None
        assert bar.region.y == 1 and bar.region.height == 1  # under the header, one line
        await press(pilot, str(urgent))
        assert bar.active == urgent
        seen = saw.expect(OthersChanged, lambda m: one in m.changes.tickets)
        await script(demo, "ada", "tickets", "priority", str(one), "low")
        await handled(seen, pilot)
        # Read again at the end of the second since the last read (the app's clock stands).
        before = f"{views[urgent - 1].tickets:,}"
        await until(pilot, lambda: dict(bar.views)["Urgent open"] != before)
        counts = dict(bar.views)
        assert counts["Urgent open"] == f"{views[urgent - 1].tickets - 1:,}"
        assert isinstance(app.screen, InboxScreen)
        await pilot.press("x")  # the filters cleared: no view is shown any more
        await settle(pilot)
        assert bar.active is None


async def until(pilot: Pilot[Any], condition: Callable[[], bool]) -> None:
    """Settled, then waiting (at most 20 s) until `condition` holds."""
    deadline = time.monotonic() + 20
    await settle(pilot)
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        await pilot.pause(0.05)
        await settle(pilot)


async def test_the_bar_counts_at_most_once_a_second_as_others_change_tickets(demo: str) -> None:
    """Five changes by others within one second (the app's clock stands still): the bar's
    counts are read once more, when the second since the last read is over, not five times."""
    app = make_app(demo, "ola")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        reads: list[int] = []
        listed = app.gate.views.list_views

        def counted() -> list[ViewInfo]:
            reads.append(1)
            return listed()

        app.gate.views.list_views = counted  # type: ignore[method-assign]
        changed = Changes(frozenset({1}), frozenset({"ticket"}), frozenset())
        for _ in range(5):
            app.screen.post_message(OthersChanged(changed, permissions_changed=False))
        await settle(pilot)
        assert reads == []  # within the second of the first read
        await until(pilot, lambda: bool(reads))
        await settle(pilot)
        assert reads == [1]


async def test_a_person_without_views_is_told_how_to_save_one(demo: str) -> None:
    Gate(connect(demo), "ada").views.save_view("Only ada's", TicketQuery(mine=True))
    app = make_app(demo, "vic")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        bar = pilot.app.screen.query_one(ViewsBar)
        assert bar.views == [] and str(bar.render()) == NO_VIEWS
    # sam lists Returns' tickets as its supervisor: his views are read as the inbox is.
    Gate(connect(demo), "sam").views.save_view("Returns high", TicketQuery(priorities=("high",)))
    app = make_app(demo, "sam")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        bar = pilot.app.screen.query_one(ViewsBar)
        assert [name for name, _ in bar.views] == ["Returns high"]
        assert not [n for n in app._notifications if n.severity == "error"]
