"""At 80x24 the inbox's summary shows every active filter and the sort, and a list sorted by
priority shows the priority. Checked on the frame Textual draws, keys pressed as a person
would."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from rich.console import Console
from textual.pilot import Pilot

from screens.inbox import InboxScreen
from tests.tui_support import make_app, press, settle
from tui.app import TickettyApp
from tui.ticket_list import TicketList

SMALL = (80, 24)
SGR = re.compile(r"\x1b\[[0-9;]*m")
MOVE = re.compile(r"\x1b\[\d+;\d+H")


@pytest.fixture
def demo(new_demo: Callable[..., str]) -> str:
    return new_demo()


def screen_lines(app: TickettyApp) -> list[str]:
    """The lines of the screen as the terminal shows them."""
    written = io.StringIO()
    console = Console(
        file=written, force_terminal=True, width=app.size.width, height=app.size.height
    )
    console.print(app.screen._compositor.render_update(full=True), end="")
    return [line.rstrip() for line in MOVE.split(SGR.sub("", written.getvalue()))[1:]]


async def every_filter_on(pilot: Pilot[Any]) -> None:
    for keys in (
        ("P", "space", "down", "space", "enter"),  # urgent and high
        ("F", "space", "down", "space", "enter"),  # two groups
        ("S", *"Allegro", "enter"),
        ("M",),
        ("U",),
        ("slash", *"refund", "enter"),
        ("O", *"priority", "enter"),
    ):
        await press(pilot, *keys)
        assert isinstance(pilot.app.screen, InboxScreen)


async def test_every_active_filter_and_the_sort_are_on_the_screen_at_80x24(demo: str) -> None:
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await every_filter_on(pilot)
        inbox = app.screen
        assert isinstance(inbox, InboxScreen)
        groups = [inbox.group_names[g] for g in inbox.query_filter.usergroups]
        assert len(groups) == 2
        lines = screen_lines(app)
        assert len(lines) == 24 and all(len(line) <= 80 for line in lines)
        summary = " · ".join(line.strip() for line in lines[-4:-1])
        for shown in (
            "0 tickets",
            "status new,open,pending",
            "priority urgent,high",
            f"groups {groups[0]}, {groups[1]}",
            "source Allegro PL",
            "mine",
            "unassigned",
            "search “refund”",
            "sorted by priority",
        ):
            assert shown in summary, (shown, lines[-4:])


async def test_sorting_by_priority_shows_the_priority_at_80_columns(demo: str) -> None:
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert "sorted by newest activity" in screen_lines(app)[-2]
        await press(pilot, "O", *"priority", "enter")
        lines = screen_lines(app)
        at = next(i for i, line in enumerate(lines) if "Subject" in line.split())
        header, first = lines[at], lines[at + 1]  # under the title and the views bar
        assert "Prio" in header.split()
        assert "urgent" in first.split()
        first_row = app.screen.query_one(TicketList).current_row()
        assert first_row is not None and first_row.priority == "urgent"
        assert "sorted by priority" in lines[-2]
