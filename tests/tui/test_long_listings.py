"""Canned replies and macros past a page at 80x24: the table holds a page of them and the next
joins as the cursor nears its end, so the keys reach every one (the last by pagedown, or by
`G` at once), the previous page joining as the cursor goes back up; the filter line says which
rows of how many the table holds."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from access import Gate
from screens.canned_replies import CannedRepliesScreen
from screens.macros import MacrosScreen
from tests.backends import connect
from tests.tui.test_reply_macro_screens import go_to
from tests.tui_support import make_app, press

REPLIES = 460


def named(screen: Any) -> str:
    """The name of the record under the cursor."""
    assert screen.current is not None
    return str(screen.current.name)


def rows_said(screen: Any) -> str:
    return str(screen.query_one("#listing-filter", Input).placeholder)


async def press_until(pilot: Pilot[Any], screen: Any, key: str, first: bool = False) -> int:
    """Press `key` until the cursor is on the last matching record (the first with `first`),
    one press a row at most; how many presses it took."""
    for pressed in range(1, screen.matched + 1):
        await press(pilot, key)
        if screen.current is screen.matches[0 if first else -1]:
            return pressed
    raise AssertionError(f"the cursor is on {screen.current} after {screen.matched} {key}")


async def test_the_cursor_reaches_every_one_of_460_canned_replies(demo_copy: str) -> None:
    db = connect(demo_copy)
    ada = Gate(db, "ada")
    with db.atomic():  # one write of them all, each add a savepoint of it
        for n in range(REPLIES):
            ada.replies.add_reply(f"Long list {n:03d}", f"Reply number {n} of the long list.")
    every = [r.name for r in ada.replies.list_replies()]
    assert len(every) > REPLIES
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await go_to(pilot, "Canned replies")
        assert isinstance(screen, CannedRepliesScreen)
        assert [r.name for r in screen.records] == every[:200]
        assert rows_said(screen) == f"/ to filter · rows 1-200 of {len(every)}"
        # Down a page at a time: the table grows a page as the cursor nears its end.
        assert await press_until(pilot, screen, "pagedown") > 20
        assert [r.name for r in screen.records] == every
        assert rows_said(screen) == "/ to filter"
        assert named(screen) == every[-1]

        # Filtered to the long list, then `G`: its last at once, its page alone in the table.
        await press(pilot, "slash", *"long list", "enter", "g")
        assert screen.matched == REPLIES and len(screen.records) == 200
        assert named(screen) == "Long list 000"
        await press(pilot, "G")
        assert named(screen) == f"Long list {REPLIES - 1:03d}"
        assert rows_said(screen) == f"/ to filter · rows {REPLIES - 199}-{REPLIES} of {REPLIES}"
        # Up again: as the cursor nears the table's start the window moves to hold two pages
        # ahead of it (here every row before), the rows staying where they were on the screen.
        table = screen.query_one(DataTable)
        while screen.start == REPLIES - 200:
            on_screen = table.cursor_row - table.scroll_y
            await press(pilot, "k")
        assert screen.start == 0 and len(screen.records) == REPLIES
        assert table.cursor_row - table.scroll_y == max(0, on_screen - 1)
        await press_until(pilot, screen, "pageup", first=True)
        assert named(screen) == "Long list 000"
        assert [r.name for r in screen.records] == [f"Long list {n:03d}" for n in range(REPLIES)]
        await press(pilot, "G", "g")
        assert named(screen) == "Long list 000"


async def test_the_cursor_reaches_the_last_macro_past_a_page(demo_copy: str) -> None:
    ada = Gate(connect(demo_copy), "ada")
    for n in range(30):
        ada.macros.add_macro(f"Zz macro {n:02d}", ["priority:low"])
    every = [m.name for m in ada.macros.list_macros()]
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await go_to(pilot, "Macros")
        assert isinstance(screen, MacrosScreen)
        screen.AT_MOST = 8
        await press(pilot, "ctrl+r")
        assert len(screen.records) == 8
        assert await press_until(pilot, screen, "j") == len(every) - 1
        assert named(screen) == every[-1] == "Zz macro 29"
        # The window of three pages at most, the first ones dropped.
        assert [m.name for m in screen.records] == every[screen.start :]
        assert screen.start > 0 and len(screen.records) <= 3 * 8
