"""Whole workflows through the keyboard, checked through the gate afterwards."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console
from textual.widgets import Tree

from access import Gate, PermissionDenied
from access.catalogue import TICKETS_REPLY, TICKETS_TAKE
from access.demo import DEMO_NOW
from access.views import INBOX_DEFAULT, TicketQuery
from screens.inbox import InboxScreen
from screens.role_editor import RoleEditorScreen
from screens.ticket_detail import TicketDetailScreen
from tests.backends import connect
from tests.tui_support import make_app, press, row_under_cursor, settle, tick, tree_line
from ticketty.launch import build_app
from tui.app import TickettyApp
from tui.ticket_list import TicketList


@pytest.fixture
def demo(new_demo) -> str:
    return new_demo()


async def open_ticket(pilot, number: int) -> None:
    await pilot.press("slash")
    await press(pilot, *f"#{number}", "enter")
    await press(pilot, "enter")


async def type_message(pilot, key: str, text: str) -> None:
    await press(pilot, key)
    await pilot.press(*text)
    await press(pilot, "ctrl+s")


async def test_agent_replies_notes_takes_and_closes(demo: str) -> None:
    gate = Gate(connect(str(demo)), "ola")
    number = gate.inbox.list_tickets(TicketQuery(statuses=("new",), unassigned=True), limit=1)[
        0
    ].number
    app = make_app(demo, "ola")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await open_ticket(pilot, number)
        assert isinstance(app.screen, TicketDetailScreen)
        await type_message(pilot, "r", "Your refund is on its way")
        await type_message(pilot, "N", "Checked with accounting")
        await press(pilot, "t")
        await press(pilot, "c")
        await press(pilot, "y")
    detail = gate.tickets.get_ticket(number)
    kinds = [(m.kind, m.body) for m in detail.messages]
    assert ("reply", "Your refund is on its way") in kinds
    assert ("note", "Checked with accounting") in kinds
    assert detail.row.assignee == "ola"
    assert detail.row.status == "closed"


async def test_supervisor_reassigns_marked_tickets_in_one_action(demo: str) -> None:
    gate = Gate(connect(str(demo)), "sam")
    app = make_app(demo, "sam")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        tickets = app.screen.query_one(TicketList)
        first_three = [row_under_cursor(tickets).number]
        for _ in range(3):
            await press(pilot, "space")
        marked = set(tickets.marked)
        assert len(marked) == 3 and first_three[0] in marked
        await press(pilot, "a")
        await press(pilot, *"tom", "enter")
        await pilot.press("y")  # the preview: 3 will change
        await settle(pilot)
    for number in marked:
        assert gate.tickets.get_ticket(number).row.assignee == "tom"


async def test_admin_grants_a_permission_and_the_other_person_sees_the_action(
    demo: str,
) -> None:
    vic_app = make_app(demo, "vic")
    async with vic_app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert not vic_app.screen.check_action("take", ())
        footer_keys = {b.action for _, b, on, _ in vic_app.screen.active_bindings.values() if on}
        assert "take" not in footer_keys
        with pytest.raises(PermissionDenied):
            vic_app.gate.changes.take(row_under_cursor(vic_app.screen.query_one(TicketList)).number)

    app = make_app(demo, "ada")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "R")
        assert isinstance(app.screen, RoleEditorScreen)
        roles = [r.name for r in app.screen.roles]
        for _ in range(roles.index("Viewer")):
            await press(pilot, "down")
        assert app.screen.current is not None and app.screen.current.name == "Viewer"
        await pilot.press("tab")  # to the permission tree
        await tick(pilot, app.screen, TICKETS_TAKE)
        tree = app.screen.query_one(Tree)  # its group is open now: taking needs a reply too
        tree.cursor_line = tree_line(tree, TICKETS_REPLY)
        await pilot.press("space")
        await press(pilot, "ctrl+s")

    vic_app = make_app(demo, "vic")
    async with vic_app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert vic_app.screen.check_action("take", ())
        await press(pilot, "t")
        row = row_under_cursor(vic_app.screen.query_one(TicketList))
    assert Gate(connect(str(demo)), "vic").tickets.get_ticket(row.number).row.assignee == "vic"


HOSTILE_SUBJECT = (
    "\x1b[2J\x1b[10;10H\x1b]0;pwned\x07\x1b]52;c;aGVsbG8=\x07"
    "\x1b]8;;http://evil.example\x07link\x1b]8;;\x07 \x9b31m \x9d "
    "[@click=app.quit]x[/] [/] [link=file:///etc/passwd]y[/link] \u202eevil"
)
SGR = re.compile(r"\x1b\[[0-9;]*m")
MOVE = re.compile(r"\x1b\[\d+;\d+H")


def frame(app: TickettyApp) -> str:
    """The screen exactly as Textual would write it to the terminal."""
    written = io.StringIO()
    console = Console(
        file=written,
        force_terminal=True,
        color_system="256",
        width=app.size.width,
        height=app.size.height,
    )
    console.print(app.screen._compositor.render_update(full=True), end="")
    return written.getvalue()


def assert_only_textual_sequences(output: str, height: int) -> None:
    assert len(MOVE.findall(output)) == height  # one cursor move per line, all Textual's
    rest = MOVE.sub("", SGR.sub("", output))
    assert "\x1b" not in rest
    assert not re.search("[\x80-\x9f\x07]", rest)


async def test_hostile_ticket_text_is_shown_as_text(demo: str) -> None:
    gate = Gate(connect(str(demo)), "ada")
    number = gate.filing.create_ticket(HOSTILE_SUBJECT, HOSTILE_SUBJECT)
    app = make_app(demo, "ada")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert_only_textual_sequences(frame(app), 40)
        assert "␛[2J␛[10;10H␛]0;pwned␇" in SGR.sub("", frame(app))
        await open_ticket(pilot, number)
        assert isinstance(app.screen, TicketDetailScreen)
        output = frame(app)
        assert_only_textual_sequences(output, 40)
        plain = SGR.sub("", output)
        for literal in (
            "[@click=app.quit]x[/]",
            "[link=file:///etc/passwd]y[/link]",
            "␛]0;pwned␇",
            "<U+009B>",
            "<U+202E>evil",
        ):
            assert literal in plain
        await pilot.click(offset=(30, 2))
        await settle(pilot)
        assert app.is_running
    assert "pwned" not in (app.title or "") + (app.sub_title or "")


async def test_inbox_refuses_an_unknown_action_quietly(demo: str) -> None:
    app = make_app(demo, "vic")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        for key in ("t", "a", "m", "s", "c", "n"):
            await press(pilot, key)
        assert isinstance(app.screen, InboxScreen)
    assert Gate(connect(str(demo)), "ada").inbox.count_tickets(TicketQuery(mine=False)) >= 300


async def test_inbox_shows_changes_made_since_it_was_read(demo: str) -> None:
    """A change made between the inbox's opening read and its start, and one made while it
    runs, both reach the list by polling."""
    app = build_app(Gate(connect(str(demo)), "ada", clock=lambda: DEMO_NOW), refresh_seconds=0.05)
    other = Gate(connect(str(demo)), "sam")
    rows = other.inbox.list_tickets(INBOX_DEFAULT, limit=50)
    first, second = rows[-1].number, rows[-2].number
    other.messages.reply(first, "Sent again today.")

    async def top_becomes(number: int) -> None:
        tickets = app.screen.query_one(TicketList)
        for _ in range(200):  # not settle(): each poll cancels the last, which it waits on
            await pilot.pause(0.05)
            # The top row, not the cursor's: the cursor follows the ticket it was on.
            top = tickets._page_for(0)
            if top and top[0].number == number:
                return
        raise AssertionError(f"#{number} never came to the top")

    async with app.run_test(size=(120, 40)) as pilot:
        await top_becomes(first)
        other.messages.reply(second, "And this one.")
        await top_becomes(second)


async def test_markup_people_type_is_shown_as_text(demo: str) -> None:
    """A search and a notification holding markup show it literally; the app keeps running."""
    app = make_app(demo, "ada")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "slash", *"[/] [b]x", "enter")
        status = app.screen.query_one("#status").render()
        assert "search “[/] [b]x”" in str(status)
        app.screen.notify("saved [/] role [b]")  # as screens notify: markup asked for
        await settle(pilot)
        assert app.is_running
        shown = list(app._notifications)[-1]
        assert (shown.message, shown.markup) == ("saved [/] role [b]", False)
