"""A support agent's day by keyboard alone at 80x24: each test presses the keys a person
presses and checks the result through the gate."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Label

from access import Gate
from access.demo import DEMO_NOW
from screens.inbox import InboxScreen
from screens.ticket_detail import TicketDetailScreen
from store.db import connect
from tests.tui_support import demo_database, make_app, settle
from ticketty.launch import build_app
from tui.config import Config
from tui.ticket_list import TicketList
from tui.widgets import ComposeModal, ConfirmModal

SMALL = (80, 24)


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    path = tmp_path / "demo.db"
    demo_database(path)
    return path


async def open_ticket(pilot, number: int) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("slash", *f"#{number}", "enter")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def test_group_filter_is_applied_by_keyboard(demo: Path) -> None:
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("F")
        await settle(pilot)
        await pilot.press("down", "space", "enter")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        chosen = app.screen.query_filter.usergroups
        assert len(chosen) == 1
        rows = app.screen.query_one(TicketList)
        group = app.screen.group_names[chosen[0]]
        assert rows.current_row() is not None and rows.current_row().usergroup == group


async def test_ctrl_e_opens_the_editor_in_the_composer(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SSH_CONNECTION", "SSH_ORIGINAL_COMMAND", "SSH_TTY"):
        monkeypatch.delenv(name, raising=False)
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf "written in the editor" >> "$1"\n')
    editor.chmod(0o755)
    gate = Gate(connect(str(demo)), "ola")
    number = gate.list_tickets(limit=1)[0].number
    app = build_app(
        Gate(connect(str(demo)), "ola"),
        config=Config(editor=str(editor)),
        clock=lambda: DEMO_NOW,
        refresh_seconds=3600,
    )
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await open_ticket(pilot, number)
        assert isinstance(app.screen, TicketDetailScreen)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ComposeModal)
        await pilot.press(*"Hello. ")
        await pilot.press("ctrl+e")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
    bodies = [m.body for m in gate.get_ticket(number).messages]
    assert "Hello. written in the editor" in bodies


async def test_bulk_close_previews_what_will_change_and_what_is_skipped(demo: Path) -> None:
    gate = Gate(connect(str(demo)), "sam")
    rows = gate.list_tickets(limit=3)
    ada = Gate(connect(str(demo)), "ada")
    for row, status in zip(rows[::-1], ("open", "closed", "open"), strict=True):
        if row.status == status:  # a change that changes nothing is refused
            ada.set_status(row.number, "pending")
        ada.set_status(row.number, status)  # newest last: the inbox order stays
    app = make_app(demo, "sam")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "space", "c")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        question = str(app.screen.query_one(Label).render())
        assert "2 will change, 1 will be skipped: 1 already closed" in question
        await pilot.press("y")
        await settle(pilot)
        assert not app.screen.query_one(TicketList).marked
    assert [gate.get_ticket(r.number).row.status for r in rows] == ["closed"] * 3
