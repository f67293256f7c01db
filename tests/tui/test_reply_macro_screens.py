"""The canned replies and macros screens at 80x24, reached from the inbox's go-to (`o`): a list
filtered by typing (`/`), created, edited, copied and deleted with the keys a person presses; a
refused save (an unknown variable, a step that does not parse) says why in one line and keeps
what was typed; escape in an editor with changes asks first; a person without the right is not
offered the screen and the gate refuses its list; a scoped editor sees only theirs."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Label

from access import Gate, PermissionDenied
from screens.canned_replies import CannedRepliesScreen
from screens.macros import MacrosScreen
from store.models import Source
from tests import builders
from tests.access.test_macro_editing import scoped_editor
from tests.backends import connect
from tests.tui_support import make_app, press, settle
from tui.record_editor import RecordEditor
from tui.widgets import ConfirmModal, PickerModal, PromptModal

SMALL = (80, 24)


async def go_to(pilot: Pilot[Any], label: str) -> Any:
    await settle(pilot)
    await press(pilot, "o")
    await press(pilot, *label, "enter")
    return pilot.app.screen


def refusal_of(editor: RecordEditor) -> str:
    return str(editor.query_one(".editor-refusal", Label).render())


async def test_canned_replies_are_filtered_created_edited_copied_and_deleted(
    demo_copy: str,
) -> None:
    ada = Gate(connect(demo_copy), "ada")
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=SMALL) as pilot:
        screen = await go_to(pilot, "Canned replies")
        assert isinstance(screen, CannedRepliesScreen)
        assert [r.name for r in screen.records] == [r.name for r in ada.replies.list_replies()]
        await press(pilot, "slash", *"refund app", "enter")
        assert [r.name for r in screen.records] == ["Refund approved"]
        await press(pilot, "slash", "escape")  # the filter emptied: every reply again
        assert len(screen.records) == len(ada.replies.list_replies())
        # Thousands are listed a few hundred rows at a time (`tests/tui/test_long_listings`),
        # the page of the record under the cursor; the filter line says which rows.
        screen.AT_MOST = 3
        await press(pilot, "escape", "ctrl+r")
        assert len(screen.records) == 3
        assert screen.current is not None and screen.current.name == "Refund approved"
        await press(pilot, "g")
        every = len(ada.replies.list_replies())
        line = screen.query_one("#listing-filter", Input)
        assert line.placeholder == f"/ to filter · rows 1-3 of {every}"
        await press(pilot, "slash", *"dobry", "enter")
        polish = [r for r in ada.replies.list_replies() if "dobry" in r.body]
        assert screen.matched == len(polish) > 3 and len(screen.records) == 3
        screen.AT_MOST = 200
        await press(pilot, "slash", "escape")

        # A new reply naming an unknown variable: refused in one line, the text kept.
        await press(pilot, "escape", "n")
        assert isinstance(app.screen, RecordEditor)
        await press(pilot, *"Thanks", "tab", *"Allegro PL", "tab", "tab", *"Hi {{nme}}")
        await press(pilot, "ctrl+s")
        editor = app.screen
        assert isinstance(editor, RecordEditor)
        assert "unknown variable {{nme}}" in refusal_of(editor)
        assert editor.typed() == {
            "name": "Thanks",
            "sources": "Allegro PL",
            "groups": "",
            "text": "Hi {{nme}}",
        }
        await press(pilot, *["backspace"] * 7, *"{{agent.name}}", "ctrl+s")
        assert not isinstance(app.screen, RecordEditor)
        saved = {r.name: r for r in ada.replies.list_replies()}["Thanks"]
        assert saved.body == "Hi {{agent.name}}" and saved.sources == ("Allegro PL",)
        assert screen.current is not None and screen.current.name == "Thanks"

        # Escape with a change asks; No keeps the editor and the text, Yes drops it.
        await press(pilot, "e", *" and more")
        await press(pilot, "escape")
        assert isinstance(app.screen, ConfirmModal)
        await press(pilot, "n")
        assert isinstance(app.screen, RecordEditor)
        assert app.screen.typed()["text"] == "Hi {{agent.name}} and more"
        await press(pilot, "escape", "y")
        assert app.screen is screen
        assert {r.name: r for r in ada.replies.list_replies()}["Thanks"].version == 1
        # Escape without a change asks nothing.
        await press(pilot, "e", "escape")
        assert app.screen is screen

        await press(pilot, "c")
        assert isinstance(app.screen, PromptModal)
        await press(pilot, "enter")
        copy = {r.name: r for r in ada.replies.list_replies()}["Thanks (copy)"]
        assert copy.body == "Hi {{agent.name}}"
        assert screen.current is not None and screen.current.name == "Thanks (copy)"
        await press(pilot, "d")
        assert isinstance(app.screen, ConfirmModal)
        await press(pilot, "y")
        names = {r.name for r in ada.replies.list_replies()}
        assert "Thanks (copy)" not in names and "Thanks" in names


async def test_macros_are_created_edited_copied_and_deleted(demo_copy: str) -> None:
    ada = Gate(connect(demo_copy), "ada")
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=SMALL) as pilot:
        screen = await go_to(pilot, "Macros")
        assert isinstance(screen, MacrosScreen)
        assert [m.name for m in screen.records] == [m.name for m in ada.macros.list_macros()]
        await press(pilot, "n", *"Park it", "tab", "tab", "tab")
        await press(pilot, *"priority:low", "enter", *"status:parked", "ctrl+s")
        editor = app.screen
        assert isinstance(editor, RecordEditor)
        assert "unknown status 'parked'" in refusal_of(editor)
        assert editor.typed()["text"] == "priority:low\nstatus:parked"
        # Opened again on refused text, escape asks before dropping it too.
        await press(pilot, "escape")
        assert isinstance(app.screen, ConfirmModal)
        await press(pilot, "n")
        assert app.screen is editor
        await press(pilot, *["backspace"] * 6, *"pending", "ctrl+s")
        made = {m.name: m for m in ada.macros.list_macros()}["Park it"]
        assert made.steps == ("priority:low", "status:pending") and made.sources == ()

        # The editor opens on the steps' end; tab goes round to the name, then on.
        await press(pilot, "e", "tab", "tab", "tab", *"Returns", "ctrl+s")
        changed = {m.name: m for m in ada.macros.list_macros()}["Park it"]
        assert changed.usergroups == ("Returns",) and changed.version == 2
        await press(pilot, "slash", *"park", "enter")
        assert [m.name for m in screen.records] == ["Park it"]
        await press(pilot, "c", "enter", "slash", "escape", "escape")
        assert {"Park it", "Park it (copy)"} <= {m.name for m in ada.macros.list_macros()}
        await press(pilot, "d", "y")
        assert len(screen.records) == len(ada.macros.list_macros())


async def offered_by_go_to(pilot: Pilot[Any]) -> set[str]:
    """The screens `o` offers (the picker closed again)."""
    await settle(pilot)
    await press(pilot, "o")
    picker = pilot.app.screen
    assert isinstance(picker, PickerModal)
    await press(pilot, "escape")
    return {label for _, label in picker.choices}


async def test_a_person_without_the_right_is_refused(demo_copy: str) -> None:
    """tom (an agent) lists macros but not canned replies: go-to offers him the one, and the
    gate refuses the other's list; he sees no key that changes a macro."""
    app = make_app(demo_copy, "tom")
    async with app.run_test(size=SMALL) as pilot:
        offered = await offered_by_go_to(pilot)
        assert "Macros" in offered and "Canned replies" not in offered
        app.push_screen(CannedRepliesScreen())
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CannedRepliesScreen) and screen.records == []
        assert any("lacks replies.list" in str(n.message) for n in app._notifications)
        await press(pilot, "escape")
        macros = await go_to(pilot, "Macros")
        assert isinstance(macros, MacrosScreen) and macros.records
        for action in ("new", "edit", "copy", "delete"):
            assert not macros.check_action(action, ())
        await press(pilot, "n")
        assert app.screen is macros


async def test_a_scoped_editor_sees_and_edits_only_theirs(demo_copy: str) -> None:
    db = connect(demo_copy)
    scoped_editor(db, "pia", sources=["Allegro PL"], groups=[])
    ada = Gate(db, "ada")
    theirs = [r.name for r in ada.replies.list_replies() if r.sources == ("Allegro PL",)]
    app = make_app(demo_copy, "pia")
    async with app.run_test(size=SMALL) as pilot:
        screen = await go_to(pilot, "Canned replies")
        assert isinstance(screen, CannedRepliesScreen)
        assert [r.name for r in screen.records] == theirs
        # A new one offered everywhere is beyond pia's scope: refused, the text kept.
        await press(pilot, "n", *"Hello all", "tab", "tab", "tab", *"Hello!", "ctrl+s")
        editor = app.screen
        assert isinstance(editor, RecordEditor)
        assert "beyond your sources or usergroups" in refusal_of(editor)
        await press(pilot, "shift+tab", "shift+tab", *"Allegro PL", "ctrl+s")
        assert not isinstance(app.screen, RecordEditor)
        assert "Hello all" in [r.name for r in ada.replies.list_replies(editable=True)]
        assert "Hello all" in [r.name for r in screen.records]


async def test_an_editor_who_may_not_list_them_all_is_offered_the_screens(
    demo_copy: str,
) -> None:
    """pia edits the canned replies and macros of Allegro PL, without the rights to list them
    all: `o` offers her both screens, on those she may edit; the gate lists her those and
    refuses her (and tom, who holds neither right to replies) every canned reply."""
    db = connect(demo_copy)
    pia = builders.person("pia")
    allegro = Source.get(Source.name == "Allegro PL").id
    editing = {"replies.edit", "macros.edit", "tickets.view"}
    builders.role("Allegro editors", editing, sources=[allegro], holders=[pia])
    ada, pia_gate, tom = Gate(db, "ada"), Gate(db, "pia"), Gate(db, "tom")
    theirs = [r.name for r in ada.replies.list_replies() if r.sources == ("Allegro PL",)]
    their_macros = [m.name for m in ada.macros.list_macros() if m.sources == ("Allegro PL",)]
    assert theirs and their_macros
    assert [r.name for r in pia_gate.replies.list_replies(editable=True)] == theirs
    for refused in (
        pia_gate.replies.list_replies,
        pia_gate.macros.list_macros,
        tom.replies.list_replies,
        lambda: tom.replies.list_replies(editable=True),
    ):
        with pytest.raises(PermissionDenied):
            refused()
    app = make_app(demo_copy, "pia")
    async with app.run_test(size=SMALL) as pilot:
        assert {"Canned replies", "Macros"} <= await offered_by_go_to(pilot)
        screen = await go_to(pilot, "Canned replies")
        assert isinstance(screen, CannedRepliesScreen)
        assert [r.name for r in screen.records] == theirs
        assert screen.check_action("new", ())
        await press(pilot, "escape")
        macros = await go_to(pilot, "Macros")
        assert isinstance(macros, MacrosScreen)
        assert [m.name for m in macros.records] == their_macros
