"""The paged table of a filtered listing keeps a window (`FilteredListing.KEEP` pages): walked
far down a long list of canned replies at 80x24, it never holds more than those pages, the
pages far behind the cursor dropped; walked back, they are read again from the matching
records; the cursor stays on its record and moves one row a key, and the rows stay where they
were on the screen when the window moves."""

from __future__ import annotations

import itertools
from typing import Any

from textual.widgets import DataTable

from access import Gate
from screens.canned_replies import CannedRepliesScreen
from tests.backends import connect
from tests.tui.test_long_listings import named, rows_said
from tests.tui.test_reply_macro_screens import go_to
from tests.tui_support import make_app, press

# Rows a page in this test: the window moves often in a short walk, and a page still fills
# the table's height on the screen.
PAGE = 12


def where(screen: Any) -> int:
    """Where the cursor is among every matching record."""
    return int(screen.start + screen.query_one(DataTable).cursor_row)


async def test_a_long_walk_keeps_a_window_of_pages_and_comes_back(demo_copy: str) -> None:
    ada = Gate(connect(demo_copy), "ada")
    for n in range(100):
        ada.replies.add_reply(f"Window {n:03d}", f"Reply {n} of the window.")
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await go_to(pilot, "Canned replies")
        assert isinstance(screen, CannedRepliesScreen)
        screen.AT_MOST = PAGE
        await press(pilot, "slash", *"window", "enter", "ctrl+r")
        every = [r.name for r in screen.matches]
        assert len(every) == 100 and len(screen.records) == PAGE
        table = screen.query_one(DataTable)
        held: set[int] = set()
        # Down a row at a time to the end: one row a key, never more than three pages held.
        for step in range(1, len(every)):
            await press(pilot, "j")
            assert where(screen) == step and named(screen) == every[step]
            assert len(screen.records) == table.row_count <= 3 * PAGE
            held.add(screen.start)
        assert named(screen) == every[-1] and screen.start + len(screen.records) == len(every)
        # The window moved all the way, by more than a page each time but at the end (a page is
        # kept behind the cursor, two lie ahead of it).
        starts = sorted(held)
        moves = [later - earlier for earlier, later in itertools.pairwise(starts)]
        assert len(moves) > 2 and min(moves[:-1]) > PAGE
        assert rows_said(screen) == "/ to filter · rows 65-100 of 100"
        # Back up: the row under the cursor stays where it was on the screen as pages rejoin.
        for step in range(len(every) - 2, -1, -1):
            on_screen = table.cursor_row - table.scroll_y
            start = screen.start
            await press(pilot, "k")
            assert where(screen) == step and named(screen) == every[step]
            assert len(screen.records) <= 3 * PAGE
            if screen.start != start:
                assert table.cursor_row - table.scroll_y == max(0, on_screen - 1)
        assert screen.start == 0 and [r.name for r in screen.records] == every[: 3 * PAGE]
        # Pages down and back up: each lands on the record of where the cursor is, farther.
        places = [0]
        for _ in range(6):
            await press(pilot, "pagedown")
            assert named(screen) == every[where(screen)] and len(screen.records) <= 3 * PAGE
            places.append(where(screen))
        assert places == sorted(set(places)) and places[-1] > 3 * PAGE
        while where(screen) > 0:
            await press(pilot, "pageup")
            assert named(screen) == every[where(screen)] and len(screen.records) <= 3 * PAGE
            assert where(screen) < places[-1]
            places.append(where(screen))
