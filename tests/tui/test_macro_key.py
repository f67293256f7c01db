"""The macro key at 80x24: `z` on the ticket screen and in the inbox (on the marked tickets)
opens the macros (typing filters them), the preview says per step how many tickets change and
which are skipped and why, `y` applies it as the person; those skipped for another reason stay
marked. Results checked through the gate."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Label

from access import Gate
from access.views import INBOX_DEFAULT
from screens.ticket_detail import TicketDetailScreen
from store.models import Source, Ticket
from tests.backends import connect
from tests.tui.test_bulk_preview import mark_rows
from tests.tui_support import make_app, open_ticket, press, settle
from tui.ticket_list import TicketList
from tui.widgets import ConfirmModal, PickerModal

SMALL = (80, 24)


async def pick_macro(pilot: Pilot[Any], typed: str) -> str:
    """`z`, type to filter, enter: the preview's text."""
    await press(pilot, "z")
    assert isinstance(pilot.app.screen, PickerModal)
    await press(pilot, *typed, "enter")
    assert isinstance(pilot.app.screen, ConfirmModal)
    return str(pilot.app.screen.query_one(Label).render())


async def test_the_macro_key_on_a_ticket_previews_then_applies(demo_copy: str) -> None:
    ada = Gate(connect(demo_copy), "ada")
    ada.macros.add_macro("Escalate", ["priority:urgent", "note:Escalated by {{agent.name}}"])
    row = next(r for r in ada.inbox.list_tickets(INBOX_DEFAULT, limit=40) if r.priority != "urgent")
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_ticket(pilot, row.number)
        assert isinstance(screen, TicketDetailScreen)
        said = await pick_macro(pilot, "escal")
        assert said.splitlines() == [
            "Macro Escalate on 1 ticket",
            "Priority urgent",
            "1 will change",
            "Note Escalated by {{agent.name}}",
            "1 will change",
            "",
            "Apply?",
        ]
        await press(pilot, "y")
    detail = Gate(connect(demo_copy), "ada").tickets.get_ticket(row.number)
    assert detail.row.priority == "urgent"
    assert detail.messages[-1].kind == "note"
    assert detail.messages[-1].body == "Escalated by Ada Lovelace"


async def test_the_macro_key_in_the_inbox_keeps_the_skipped_marked(demo_copy: str) -> None:
    """A macro offered in Allegro only, on two marked tickets: the preview names the other
    source's ticket with why it is skipped; applied, it stays marked and unchanged."""
    ada = Gate(connect(demo_copy), "ada")
    ada.macros.add_macro("Allegro low", ["priority:low", "tag:checked"], sources=["Allegro PL"])
    allegro = Source.get(Source.name == "Allegro PL").id
    rows = [r for r in ada.inbox.list_tickets(INBOX_DEFAULT, limit=40) if r.priority != "low"]
    sources = {r.number: Ticket.get_by_id(r.number).source_id for r in rows}
    inside = next(n for n, source in sources.items() if source == allegro)
    outside = next(n for n, source in sources.items() if source != allegro)
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await mark_rows(pilot, {inside, outside})
        said = await pick_macro(pilot, "allegro")
        skipped = f"  #{outside} — macro Allegro low not offered there"
        assert said.splitlines() == [
            "Macro Allegro low on 2 tickets",
            "Priority low",
            "1 will change, 1 will be skipped:",
            skipped,
            "Tag checked",
            "1 will change, 1 will be skipped:",
            skipped,
            "",
            "Apply?",
        ]
        await press(pilot, "y")
        assert app.screen.query_one(TicketList).marked == {outside}
    after = Gate(connect(demo_copy), "ada")
    assert after.tickets.get_ticket(inside).row.priority == "low"
    assert after.tickets.get_ticket(outside).row.priority != "low"


async def test_escape_in_the_picker_changes_nothing(demo_copy: str) -> None:
    ada = Gate(connect(demo_copy), "ada")
    row = ada.inbox.list_tickets(INBOX_DEFAULT, limit=1)[0]
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "z")
        assert isinstance(app.screen, PickerModal)
        await press(pilot, "escape")
        assert not isinstance(app.screen, PickerModal | ConfirmModal)
    assert Gate(connect(demo_copy), "ada").tickets.get_ticket(row.number).row.version == row.version


async def test_the_picker_offers_only_the_macros_offered_on_the_ticket(demo_copy: str) -> None:
    """On a ticket outside Allegro, a macro offered in Allegro only is not in the list."""
    ada = Gate(connect(demo_copy), "ada")
    ada.macros.add_macro("Allegro low", ["priority:low"], sources=["Allegro PL"])
    ada.macros.add_macro("Anywhere low", ["priority:low"])
    allegro = Source.get(Source.name == "Allegro PL").id
    rows = ada.inbox.list_tickets(INBOX_DEFAULT, limit=40)
    outside = next(r.number for r in rows if Ticket.get_by_id(r.number).source_id != allegro)
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await open_ticket(pilot, outside)
        await press(pilot, "z")
        picker = app.screen
        assert isinstance(picker, PickerModal)
        names = [value for value, _label in picker.choices]
        assert "Anywhere low" in names and "Allegro low" not in names
        await pilot.press("escape")
