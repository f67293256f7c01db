"""One way of moving everywhere: `j`/`k`/`g`/`G`/`pgup`/`pgdn` move in every list and tree,
and no screen, modal or list gives those keys another meaning."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from textual.dom import DOMNode
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, OptionList, Tree

import screens
from access import Gate
from tests.backends import connect
from tests.tui_support import make_app, press, settle
from tui import composer, moving, widgets
from tui.app import MOVES, TickettyApp
from tui.listing import ListingScreen
from tui.ticket_list import TicketList

MOVE_KEYS = ("j", "k", "g", "G", "pagedown", "pageup")
LIST_WIDGETS = (DataTable, OptionList, Tree, TicketList)


def defined_in(module: Any, kind: type[DOMNode]) -> Iterator[type[DOMNode]]:
    for _, value in inspect.getmembers(module, inspect.isclass):
        if issubclass(value, kind) and value.__module__ == module.__name__:
            yield value


def every_screen() -> list[type[DOMNode]]:
    """Each screen and modal of the app, found by walking `screens` and the shared modals (a
    new screen is checked without being listed here)."""
    modules = [
        importlib.import_module(f"screens.{info.name}")
        for info in pkgutil.iter_modules(screens.__path__)
    ]
    found = {cls for module in [*modules, widgets, composer] for cls in defined_in(module, Screen)}
    return sorted(found, key=lambda cls: cls.__qualname__)


def list_widgets() -> list[type[DOMNode]]:
    return [*defined_in(moving, Widget), TicketList]


def bound(node: type[DOMNode], key: str) -> list[str]:
    """The actions `node`'s own bindings run on `key`, base classes' included."""
    bindings = node._merged_bindings
    assert bindings is not None
    return [b.action.split("(")[0] for b in bindings.key_to_bindings.get(key, [])]


@pytest.mark.parametrize("node", [TickettyApp, *every_screen()], ids=lambda n: n.__qualname__)
def test_no_screen_gives_a_moving_key_another_meaning(node: type[DOMNode]) -> None:
    node._merged_bindings = node._merge_bindings()
    for key in MOVE_KEYS:
        others = [action for action in bound(node, key) if action not in MOVES]
        assert not others, f"{node.__qualname__} binds {key} to {others}"


@pytest.mark.parametrize("widget", list_widgets(), ids=lambda n: n.__qualname__)
def test_every_list_moves_with_the_moving_keys(widget: type[DOMNode]) -> None:
    widget._merged_bindings = widget._merge_bindings()
    for key in MOVE_KEYS:
        actions = bound(widget, key)
        assert actions and all(action in MOVES for action in actions), (key, actions)


def position(widget: Widget) -> tuple[int, int]:
    """Where a list's cursor is, and how many rows it has."""
    if isinstance(widget, DataTable):
        return widget.cursor_row, widget.row_count
    if isinstance(widget, TicketList):
        return widget.cursor, widget.total
    if isinstance(widget, OptionList):
        return widget.highlighted or 0, widget.option_count
    assert isinstance(widget, Tree)
    return widget.cursor_line, widget.last_line + 1


async def line_after(pilot: Pilot[int], key: str, widget: Widget) -> int:
    await press(pilot, key)
    return position(widget)[0]


async def assert_moves(pilot: Pilot[int]) -> None:
    """Every list on the top screen moves by the list's keys alone (screen keys included):
    the focused one is walked with them, and each is a list of `tui.moving`."""
    screen = pilot.app.screen
    lists = [w for w in screen.query("*") if isinstance(w, LIST_WIDGETS)]
    assert lists, f"no list on {screen!r}"
    for found in lists:
        assert isinstance(found, tuple(list_widgets())), f"{found!r} is not a moving list"
    widget = pilot.app.focused
    assert isinstance(widget, LIST_WIDGETS), f"the focus is on {widget!r}"
    assert await line_after(pilot, "g", widget) == 0
    _, rows = position(widget)
    assert rows >= 3, f"{widget!r} has {rows} rows: too few to show moving"
    assert await line_after(pilot, "j", widget) == 1
    assert await line_after(pilot, "j", widget) == 2
    assert await line_after(pilot, "k", widget) == 1
    assert await line_after(pilot, "G", widget) == rows - 1
    assert await line_after(pilot, "g", widget) == 0
    down = await line_after(pilot, "pagedown", widget)
    assert down > 1 or down == rows - 1
    assert await line_after(pilot, "pageup", widget) < down


def through(*keys: str) -> Callable[[Pilot[int]], Awaitable[None]]:
    async def open_it(pilot: Pilot[int]) -> None:
        await settle(pilot)
        for key in keys:
            await press(pilot, key)

    return open_it


def go_to(label: str, *then: str) -> Callable[[Pilot[int]], Awaitable[None]]:
    return through("o", *label, "enter", *then)


PLACES = {
    "inbox": through(),
    "usergroups": go_to("Usergroups"),
    "people": go_to("People"),
    "sources": go_to("Sources"),
    "custom fields": go_to("Custom fields"),
    "audit log": go_to("Audit log"),
    "workload report": go_to("Workload report"),
    "role list": go_to("Roles"),
    "permission tree": go_to("Roles", "tab"),
    "group filter": through("F"),
    "status checklist": through("f"),
    "picker": through("o", "down"),
}


@pytest.mark.parametrize("place", PLACES)
async def test_the_moving_keys_move(demo_copy: str, place: str) -> None:
    if place == "audit log":  # the demo's log holds one event: make a few more
        gate = Gate(connect(demo_copy), "ada")
        for name in ("Night shift", "Weekend", "Returns PL"):
            gate.groups.create_group(name)
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=(80, 24)) as pilot:
        await PLACES[place](pilot)
        if place == "permission tree":
            assert isinstance(app.focused, Tree)
        if isinstance(app.screen, ListingScreen):
            await press(pilot, "G")
            assert app.screen.current is app.screen.records[-1]  # the detail follows
        await assert_moves(pilot)


async def test_people_give_a_role_with_a_and_g_goes_to_the_first(demo_copy: str) -> None:
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=(80, 24)) as pilot:
        await go_to("People")(pilot)
        screen = app.screen
        assert isinstance(screen, ListingScreen)
        first = screen.records[0]
        username = first.username
        await press(pilot, "G", "g")
        assert screen.current is first
        await press(pilot, "a")
        assert isinstance(app.screen, widgets.PickerModal)
        assert app.screen.title_text == f"Give {username} the role"
