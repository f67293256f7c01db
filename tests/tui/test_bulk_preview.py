"""The bulk preview names the tickets it will skip and why, in plain sentences; the skipped
ones stay marked after the change; `*` marks every ticket in the view (a big view up to a
bound, as said). Keys pressed at 80x24; results checked through the gate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Label

from access import Gate
from access.views import INBOX_DEFAULT, TicketQuery
from screens.inbox import InboxScreen
from tests.backends import connect
from tests.tui_support import make_app, press, settle
from tui import ticket_list
from tui.app import TickettyApp
from tui.ticket_list import TicketList
from tui.widgets import ConfirmModal

SMALL = (80, 24)
GROUP = "B2B: Acme Sp. z o.o."  # a name with capitals and a full stop of its own


@pytest.fixture
def demo(new_demo: Callable[..., str]) -> str:
    return new_demo()


def marks(app: TickettyApp) -> set[int]:
    return app.screen.query_one(TicketList).marked


async def mark_rows(pilot: Pilot[Any], wanted: set[int]) -> None:
    """Mark the tickets `wanted` among the first rows of the inbox, with j and space."""
    tickets = pilot.app.screen.query_one(TicketList)
    for _ in range(60):
        row = tickets.current_row()
        assert row is not None
        await press(pilot, "space" if row.number in wanted else "j")
        if tickets.marked == wanted:
            return
    raise AssertionError(f"could not mark {wanted}")


async def preview(pilot: Pilot[Any], *keys: str) -> str:
    await press(pilot, *keys)
    assert isinstance(pilot.app.screen, ConfirmModal)
    return str(pilot.app.screen.query_one(Label).render())


async def test_the_preview_names_each_skipped_ticket_with_its_reason(demo: str) -> None:
    ada = Gate(connect(str(demo)), "ada")
    rows = ada.inbox.list_tickets(INBOX_DEFAULT, limit=60)
    inside = next(r.number for r in rows if r.usergroup == GROUP)
    others = [r.number for r in rows if r.usergroup != GROUP][:2]
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await mark_rows(pilot, {inside, *others})
        question = await preview(pilot, "m", *GROUP, "enter")
        lines = question.splitlines()
        assert lines[0] == f"Move to {GROUP}"  # the group's name as it is written
        assert lines[1] == "2 will change, 1 will be skipped:"
        assert f"  #{inside} — already in {GROUP}" in lines
        assert ".." not in question
        await press(pilot, "y")
        assert marks(app) == set()  # already there: nothing left to do about it
    assert {ada.tickets.get_ticket(n).row.usergroup for n in (inside, *others)} == {GROUP}


async def test_tickets_skipped_by_an_assign_stay_marked_and_are_named(demo: str) -> None:
    ada = Gate(connect(str(demo)), "ada")
    rows = ada.inbox.list_tickets(INBOX_DEFAULT, limit=60)
    allegro = next(r.number for r in rows if r.source == "Allegro PL" and r.assignee != "ali")
    elsewhere = [r.number for r in rows if r.source != "Allegro PL" and r.assignee != "ali"][:2]
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await mark_rows(pilot, {allegro, *elsewhere})
        await press(pilot, "a")
        question = await preview(pilot, *"ali", "enter")
        first, second = sorted(elsewhere)
        assert f"  #{first}, #{second} — outside what ali may work on" in question.splitlines()
        assert "nobody named" not in question
        await press(pilot, "y")
        assert isinstance(app.screen, InboxScreen)
        assert marks(app) == set(elsewhere)  # the re-sorted list keeps them marked
        assert "2 marked" in str(app.screen.query_one("#status").render())
        said = list(app._notifications)[-1].message
        assert said.endswith(f"still marked: #{first}, #{second}")
    assert ada.tickets.get_ticket(allegro).row.assignee == "ali"
    assert all(ada.tickets.get_ticket(n).row.assignee != "ali" for n in elsewhere)


async def test_star_marks_every_ticket_in_the_view_and_again_unmarks(demo: str) -> None:
    ada = Gate(connect(str(demo)), "ada")
    query = INBOX_DEFAULT._replace(priorities=("high",))
    in_view = {r.number for r in ada.inbox.list_tickets(query, limit=1000)}
    assert 8 < len(in_view) < 1000
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("P", "down", "space", "enter")  # high only
        await settle(pilot)
        await press(pilot, "asterisk")
        assert marks(app) == in_view
        question = await preview(pilot, "p", *"urgent", "enter")
        assert question.splitlines()[:2] == ["Priority urgent", f"{len(in_view)} will change"]
        await press(pilot, "n")
        await press(pilot, "asterisk")
        assert marks(app) == set()
    assert ada.inbox.count_tickets(query) == len(in_view)  # nothing was applied


async def test_star_on_a_big_view_marks_a_bounded_first_part_and_says_so(
    demo: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ticket_list, "MARK_ALL", 40)
    ada = Gate(connect(str(demo)), "ada")
    total = ada.inbox.count_tickets(INBOX_DEFAULT)
    first = [r.number for r in ada.inbox.list_tickets(INBOX_DEFAULT, limit=40)]
    closed = ada.inbox.list_tickets(TicketQuery(statuses=("closed",)), limit=1)[0].number
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "asterisk")
        assert marks(app) == set(first)
        said = list(app._notifications)[-1].message
        assert said == f"marked the first 40 of {total} tickets in this view"
        question = await preview(pilot, "s", *"open", "enter")
        lines = question.splitlines()
        reasons = [line for line in lines if line.startswith("  #")]
        assert all(len(line.split(", ")) <= 8 for line in reasons)  # a few named, the rest counted
        assert len(lines) <= 12
    assert closed  # the view's bound leaves other tickets alone
