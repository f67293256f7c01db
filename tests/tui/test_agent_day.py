"""A support agent's day by keyboard alone at 80x24: each test presses the keys a person
presses and checks the result through the gate."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Label, OptionList

from access import Gate
from access.demo import DEMO_NOW
from access.views import INBOX_DEFAULT, TicketQuery
from screens.inbox import InboxScreen
from screens.new_ticket import NewTicketScreen
from screens.reports import ReportsScreen
from screens.role_editor import RoleEditorScreen
from screens.ticket_detail import TicketDetailScreen
from settings.layers import Settings
from tests.backends import connect
from tests.tui_support import first_page, make_app, press, row_under_cursor, settle
from ticketty.launch import build_app
from tui.app import TickettyApp
from tui.ticket_list import TicketList, layout
from tui.widgets import ChecklistModal, ConfirmModal, PickerModal, TextModal

SMALL = (80, 24)


@pytest.fixture
def demo(new_demo: Callable[..., str]) -> str:
    return new_demo()


async def open_ticket(pilot: Pilot[Any], number: int) -> None:
    await press(pilot, "slash", *f"#{number}", "enter")
    await press(pilot, "enter")


async def test_group_filter_is_applied_by_keyboard(demo: str) -> None:
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "F")
        await press(pilot, "down", "space", "enter")
        assert isinstance(app.screen, InboxScreen)
        chosen = app.screen.query_filter.usergroups
        assert len(chosen) == 1
        rows = app.screen.query_one(TicketList)
        group = app.screen.group_names[chosen[0]]
        assert row_under_cursor(rows).usergroup == group


async def test_ctrl_e_opens_the_editor_in_the_composer(
    demo: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SSH_CONNECTION", "SSH_ORIGINAL_COMMAND", "SSH_TTY"):
        monkeypatch.delenv(name, raising=False)
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf "written in the editor" >> "$1"\n')
    editor.chmod(0o755)
    gate = Gate(connect(str(demo)), "ola")
    number = gate.inbox.list_tickets(limit=1)[0].number
    app = build_app(
        Gate(connect(str(demo)), "ola", clock=lambda: DEMO_NOW),
        settings=Settings(editor=str(editor)),
        refresh_seconds=3600,
    )
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await open_ticket(pilot, number)
        assert isinstance(app.screen, TicketDetailScreen)
        await press(pilot, "r")
        assert isinstance(app.screen, TicketDetailScreen) and app.screen.composer.is_open
        await pilot.press(*"Hello. ")
        await press(pilot, "ctrl+e")
        await press(pilot, "ctrl+s")
    bodies = [m.body for m in gate.tickets.get_ticket(number).messages]
    assert "Hello. written in the editor" in bodies


async def test_bulk_change_previews_what_will_change_and_what_is_skipped(demo: str) -> None:
    ada = Gate(connect(str(demo)), "ada")
    rows = ada.inbox.list_tickets(INBOX_DEFAULT, limit=3)
    for row, status in zip(rows[::-1], ("open", "pending", "open"), strict=True):
        if row.status == status:  # a change that changes nothing is refused
            ada.changes.set_status(row.number, "new")
        ada.changes.set_status(row.number, status)  # newest last: the inbox order stays
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space", "space")
        assert "3 marked" in str(app.screen.query_one("#status").render())
        await press(pilot, "s")
        await press(pilot, *"pending", "enter")
        assert isinstance(app.screen, ConfirmModal)
        question = str(app.screen.query_one(Label).render())
        assert "2 will change, 1 will be skipped:" in question
        assert f"  #{rows[1].number} — already pending" in question.splitlines()
        await press(pilot, "y")
        assert not app.screen.query_one(TicketList).marked
    assert [ada.tickets.get_ticket(r.number).row.status for r in rows] == ["pending"] * 3


def statuses_shown(app: TickettyApp) -> set[str]:
    return {row.status for row in first_page(app.screen.query_one(TicketList))}


async def test_inbox_opens_on_open_work_and_filters_several_statuses(demo: str) -> None:
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert statuses_shown(app) <= {"new", "open", "pending"}
        await press(pilot, "f")
        # Ticked: new, open, pending. Untick new and open, tick resolved and closed.
        await pilot.press("space", "down", "space", "down", "down", "space", "down", "space")
        await press(pilot, "enter")
        assert isinstance(app.screen, InboxScreen)
        assert app.screen.query_filter.statuses == ("pending", "resolved", "closed")
        assert statuses_shown(app) == {"pending", "resolved", "closed"}
        assert "status pending,resolved,closed" in str(app.screen.query_one("#status").render())
        await press(pilot, "x")
        assert statuses_shown(app) <= {"new", "open", "pending"}


async def test_priority_filter_and_sort_by_priority(demo: str) -> None:
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "O")
        await press(pilot, *"priority", "enter")
        tickets = app.screen.query_one(TicketList)
        assert row_under_cursor(tickets).priority == "urgent"
        await press(pilot, "P")
        await pilot.press("down", "space", "enter")  # urgent, high, ...: tick high
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert app.screen.query_filter.priorities == ("high",)
        assert row_under_cursor(tickets).priority == "high"
        assert tickets.total == Gate(connect(str(demo)), "ada").inbox.count_tickets(
            INBOX_DEFAULT._replace(priorities=("high",))
        )


async def test_priority_is_changed_from_the_ticket_screen(demo: str) -> None:
    gate = Gate(connect(str(demo)), "ola")
    row = next(
        r for r in gate.inbox.list_tickets(INBOX_DEFAULT, limit=50) if r.priority != "urgent"
    )
    app = make_app(demo, "ola")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await open_ticket(pilot, row.number)
        await press(pilot, "p")
        await press(pilot, *"urgent", "enter")
    assert gate.tickets.get_ticket(row.number).row.priority == "urgent"


async def test_source_filter_names_the_source(demo: str) -> None:
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "S")
        await press(pilot, *"Allegro", "enter")
        assert "source Allegro PL" in str(app.screen.query_one("#status").render())
        assert row_under_cursor(app.screen.query_one(TicketList)).source == "Allegro PL"


async def test_assign_picker_offers_only_people_who_may_work_on_the_ticket(demo: str) -> None:
    gate = Gate(connect(str(demo)), "sam")
    app = make_app(demo, "sam")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        number = row_under_cursor(app.screen.query_one(TicketList)).number
        await press(pilot, "a")
        assert isinstance(app.screen, PickerModal)
        offered = {value for value, _ in app.screen.choices}
        assert "tom" in offered and not any(v.startswith("c0") for v in offered)
        await press(pilot, *"tom")
        shown = app.screen.query_one(OptionList)
        assert shown.option_count == 1 and shown.get_option_at_index(0).id == "tom"
        await press(pilot, "enter")
    assert gate.tickets.get_ticket(number).row.assignee == "tom"


async def test_search_finds_a_requester_by_name(demo: str) -> None:
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "slash", *"weber", "enter")
        tickets = app.screen.query_one(TicketList)
        assert tickets.total > 0
        assert all("weber" in row.requester for row in first_page(tickets))


async def test_agent_files_a_ticket_for_a_new_customer(demo: str) -> None:
    app = make_app(demo, "ola")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        assert isinstance(app.screen, NewTicketScreen)
        await pilot.press(*"jan.kowal@phone.example", "tab", *"Jan Kowal", "tab")
        await pilot.press(*"Kettle leaks", "enter", *"He called about it.", "tab")
        await press(pilot, "enter", *"Phone", "enter", "tab", "enter", "down", "enter")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, InboxScreen)
    gate = Gate(connect(str(demo)), "ada")
    row = gate.inbox.list_tickets(TicketQuery(search="kettle leaks"), limit=1)[0]
    detail = gate.tickets.get_ticket(row.number)
    assert (detail.requester_name, detail.requester_email) == (
        "Jan Kowal",
        "jan.kowal@phone.example",
    )
    assert (row.source, row.priority) == ("Phone", "high")
    assert detail.messages[0].body == "He called about it."


async def test_workload_report_over_a_chosen_period(demo: str) -> None:
    gate = Gate(connect(str(demo)), "ada")
    week, year = gate.reports.workload(7), gate.reports.workload(365)
    assert sum(r.replies for r in week) < sum(r.replies for r in year)
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        await press(pilot, *"Workload", "enter")
        await press(pilot, "p")
        await press(pilot, *"365", "enter")
        assert isinstance(app.screen, ReportsScreen)
        assert [(r.username, r.replies) for r in app.screen.records] == [
            (r.username, r.replies) for r in year
        ]


async def test_ticket_history_and_the_requesters_other_tickets(demo: str) -> None:
    ada = Gate(connect(str(demo)), "ada")
    row = ada.inbox.list_tickets(INBOX_DEFAULT, limit=1)[0]
    others = {r.number for r in ada.inbox.list_tickets(TicketQuery(requester=row.requester))} - {
        row.number
    }
    ada.changes.set_priority(row.number, "urgent" if row.priority != "urgent" else "low")
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await open_ticket(pilot, row.number)
        fields = str(app.screen.query_one("#fields").render())
        assert "Created " in fields and "Changed " in fields
        assert len(fields.splitlines()) <= 4
        await press(pilot, "h")
        assert isinstance(app.screen, TextModal)
        assert "ada set the priority to" in str(app.screen.text)
        await press(pilot, "escape", "T")
        assert isinstance(app.screen, PickerModal)
        assert {int(value) for value, _ in app.screen.choices} == others
        if others:
            await press(pilot, "down", "enter")
            assert isinstance(app.screen, TicketDetailScreen)
            assert app.screen.number in others
    vic = make_app(demo, "vic")
    async with vic.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await open_ticket(pilot, row_under_cursor(vic.screen.query_one(TicketList)).number)
        assert not vic.screen.check_action("history", ())


async def test_help_lists_the_persons_keys_and_scrolls(demo: str) -> None:
    app = make_app(demo, "ali")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "question_mark")
        assert isinstance(app.screen, TextModal)
        text = str(app.screen.text)
        for shown in ("Search", "Mark", "Take", "Close", "Quit", "Go"):
            assert shown in text
        for hidden in ("Copy selected text", "Page Right", "Source filter", "Roles"):
            assert hidden not in text
        scroll = app.screen.query_one("#text-scroll")
        assert scroll.max_scroll_y > 0  # more keys than lines at 80x24
        await press(pilot, "G")
        assert scroll.scroll_y == scroll.max_scroll_y
        await press(pilot, "escape")
        assert isinstance(app.screen, InboxScreen)


async def test_palette_offers_each_action_once_with_its_key(demo: str) -> None:
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        commands = list(app.get_system_commands(app.screen))
        titles = [c.title for c in commands]
        assert len(titles) == len(set(titles))
        assert ("Assign", "key a") in [(c.title, c.help) for c in commands]
        assert "Down" not in titles


async def test_role_editor_by_keyboard(demo: str) -> None:
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "R")
        editor = app.screen
        assert isinstance(editor, RoleEditorScreen) and editor.current is not None
        first = editor.current.name
        await pilot.press("tab")
        assert app.focused is editor.query_one("#permission-tree")
        await pilot.press("down", "space")  # tick or untick the first group
        await settle(pilot)
        assert editor.unsaved
        await press(pilot, "shift+tab", "down")
        assert isinstance(app.screen, ConfirmModal)  # unsaved ticks are not dropped silently
        await press(pilot, "n")
        assert editor.current is not None
        assert editor.current.name == first and editor.unsaved
        await press(pilot, "escape")
        assert isinstance(app.screen, ConfirmModal)
        await press(pilot, "y")
        assert isinstance(app.screen, InboxScreen)


async def test_new_role_starts_with_nothing_and_scope_takes_several_sources(demo: str) -> None:
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "R")
        await press(pilot, "n", *"Marketplaces", "enter")
        role = Gate(connect(str(demo)), "ada").roles.get_role("Marketplaces")
        assert (role.permissions, role.all_sources, role.sources) == (frozenset(), False, ())
        assert isinstance(app.screen, RoleEditorScreen) and app.screen.current is not None
        assert app.screen.current.name == "Marketplaces"
        await press(pilot, "o", *"all tickets", "enter")
        assert isinstance(app.screen, ChecklistModal)
        names = [value for value, _ in app.screen.choices]
        await pilot.press("down", "space", "down", "space", "enter")  # the first two sources
        await settle(pilot)
    role = Gate(connect(str(demo)), "ada").roles.get_role("Marketplaces")
    assert (role.all_sources, set(role.sources)) == (False, set(names[1:3]))
    assert role.ticket_scope == "all"


async def test_end_goes_to_the_last_row_of_a_list_not_sideways(demo: str) -> None:
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "o", *"People", "enter")
        table = app.screen.query_one("#listing-table", DataTable)
        await press(pilot, "end")
        assert table.cursor_row == table.row_count - 1
        assert table.scroll_x == 0
        await pilot.press("home")
        assert table.cursor_row == 0


async def test_jumping_to_the_end_of_the_inbox_shows_the_last_ticket_at_once(demo: str) -> None:
    """The last page is read when the count arrives: `G` then shows the last ticket with the
    key press, with no page left to read."""
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        tickets = app.screen.query_one(TicketList)
        assert tickets.total > 100  # the last page is not the first
        read = tickets.pages_loaded
        await pilot.press("G")
        last = app.gate.inbox.list_tickets(INBOX_DEFAULT, offset=tickets.total - 1, limit=1)
        assert [tickets.current_row()] == last
        await settle(pilot)
        assert tickets.pages_loaded == read


async def test_group_filter_ticks_the_first_group_with_space_at_once(demo: str) -> None:
    app = make_app(demo, "sam")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "F")
        await press(pilot, "space", "enter")
        assert isinstance(app.screen, InboxScreen)
        assert len(app.screen.query_filter.usergroups) == 1
        assert "groups Returns" in str(app.screen.query_one("#status").render())


def test_inbox_columns_at_80_leave_the_subject_room() -> None:
    columns = {column.title: width for column, width in layout(80, 3)}
    assert columns["#"] == 3 and columns["Subject"] >= 30
    assert {"Status", "Assignee", "Age"} <= set(columns)


async def test_admin_lists_at_80_columns_show_every_column_whole(demo: str) -> None:
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "o", *"People", "enter")
        assert app.screen.has_class("-narrow")
        table = app.screen.query_one("#listing-table", DataTable)
        assert [str(c.label) for c in table.columns.values()] == [
            "Username",
            "Name",
            "Kind",
            "Active",
            "Roles",
        ]
        widths = [c.get_render_width(table) for c in table.columns.values()]
        assert sum(widths[:4]) + len(" Roles") <= table.size.width  # no header cut to "Acti"
