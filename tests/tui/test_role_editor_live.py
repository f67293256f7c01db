"""The role editor keeps the admin's place when others change things: a live reload moves no
focus and drops no tick; and every question that would throw work away or change something for
good answers No to a stray enter."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Tree

from access import Gate
from screens.role_editor import RoleEditorScreen
from tests.backends import connect
from tests.tui_support import Handled, handled, make_app, open_role, press, settle, tick
from tui.listing import ListingScreen
from tui.live import LiveChange
from tui.widgets import ConfirmModal

FAST = 0.05  # the refresh interval of the session under test


async def open_viewer(pilot: Pilot[int]) -> RoleEditorScreen:
    """The role editor on the role Viewer, with tickets.take ticked and not saved."""
    editor = await open_role(pilot, "Viewer")
    await tick(pilot, editor, "tickets.take")
    assert editor.unsaved == 1
    return editor


@pytest.mark.parametrize("change", ["a role given", "this role changed"])
async def test_a_live_reload_keeps_the_focus_and_the_ticks(demo_copy: str, change: str) -> None:
    other = Gate(connect(demo_copy), "ada")
    app, saw = make_app(demo_copy, "ada", FAST), Handled()
    async with app.run_test(size=(80, 24), message_hook=saw.hook) as pilot:
        editor = await open_viewer(pilot)
        tree = editor.query_one("#permission-tree", Tree)
        assert app.focused is tree
        line = tree.cursor_line
        reloaded = saw.expect(LiveChange)
        if change == "a role given":
            other.roles.grant_role("mia", "Viewer")
        else:
            viewer = other.roles.get_role("Viewer")
            other.roles.set_role_permissions("Viewer", viewer.permissions | {"tickets.close"})
        await handled(reloaded, pilot)
        assert app.focused is tree and tree.cursor_line == line
        assert editor.current is not None and editor.current.name == "Viewer"
        assert "tickets.take" in editor.pending and editor.unsaved == 1
        await pilot.press("down")  # the admin's next key moves in the tree, asks nothing
        await settle(pilot)
        assert app.screen is editor and app.focused is tree
        assert tree.cursor_line == line + 1
        assert editor.unsaved == 1


async def test_ticks_on_a_role_renamed_meanwhile_are_named_not_dropped(demo_copy: str) -> None:
    other = Gate(connect(demo_copy), "ada")
    app, saw = make_app(demo_copy, "ada", FAST), Handled()
    async with app.run_test(size=(80, 24), message_hook=saw.hook) as pilot:
        editor = await open_viewer(pilot)
        reloaded = saw.expect(LiveChange)
        other.roles.rename_role("Viewer", "Readers")
        await handled(reloaded, pilot)
        told = [str(n.message) for n in app._notifications]
        assert any(
            "Viewer was renamed or deleted" in text and "added tickets.take" in text
            for text in told
        ), told
        assert editor.current is not None and editor.unsaved == 0


async def test_a_live_reload_of_a_list_leaves_the_focus_on_its_detail(demo_copy: str) -> None:
    other = Gate(connect(demo_copy), "ada")
    app, saw = make_app(demo_copy, "ada", FAST), Handled()
    async with app.run_test(size=(80, 24), message_hook=saw.hook) as pilot:
        await go_to("Usergroups")(pilot)
        await pilot.press("tab")
        detail = app.screen.query_one("#listing-detail")
        assert app.focused is detail
        reloaded = saw.expect(LiveChange)
        other.groups.create_group("Night shift")
        await handled(reloaded, pilot)
        assert app.focused is detail


async def test_enter_on_the_discard_question_keeps_the_ticks(demo_copy: str) -> None:
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await open_viewer(pilot)
        await press(pilot, "shift+tab", "down")
        question = app.screen
        assert isinstance(question, ConfirmModal)
        assert app.focused is question.query_one("#no", Button)
        await press(pilot, "enter")
        assert app.screen is editor
        assert editor.current is not None and editor.current.name == "Viewer"
        assert editor.unsaved == 1


def go_to(label: str) -> Callable[[Pilot[int]], Awaitable[None]]:
    async def run(pilot: Pilot[int]) -> None:
        await settle(pilot)
        await press(pilot, "o", *label, "enter")

    return run


@pytest.mark.parametrize(
    ("label", "record", "key"),
    [("People", "vic", "d"), ("Sources", "Phone", "a"), ("Roles", "Viewer", "d")],
    ids=["deactivate a person", "archive a source", "delete a role"],
)
async def test_enter_answers_no_to_every_question(
    demo_copy: str, label: str, record: str, key: str
) -> None:
    """Enter on a question changes nothing: the audit log holds no new event. (Yes would
    change each of these records: the last test of the module says so.)"""
    admin = Gate(connect(demo_copy), "ada")
    before = len(admin.audit.list_audit(limit=1000))
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=(80, 24)) as pilot:
        await go_to(label)(pilot)
        screen = app.screen
        await put_cursor_on(pilot, record)
        await press(pilot, key)
        assert isinstance(app.screen, ConfirmModal), app.screen
        await press(pilot, "enter")
        assert app.screen is screen
        await pilot.press(key, "y")  # the same question answered yes changes the record
        await settle(pilot)
    assert len(admin.audit.list_audit(limit=1000)) == before + 1


async def put_cursor_on(pilot: Pilot[int], name: str) -> None:
    """The cursor on the record `name`: on a listing's row as a click puts it, on a role by
    `j` presses."""
    screen = pilot.app.screen
    if isinstance(screen, ListingScreen):
        keys = [screen.key_of(record) for record in screen.records]
        screen.query_one(DataTable).move_cursor(row=keys.index(name))
        await settle(pilot)
        return
    assert isinstance(screen, RoleEditorScreen)
    for _ in range(len(screen.roles)):
        if screen.current is not None and screen.current.name == name:
            return
        await press(pilot, "j")
    raise AssertionError(f"no role {name}")
