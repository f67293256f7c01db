"""UI flows are named async workers: every question a flow asks (a prompt, a picker, a
checklist, a confirmation) is awaited inside a worker named for what the flow does, which the
app counts as waiting on the person (`TickettyApp.asked`), and which ends when the person
cancels. A question pushed with a callback has no such worker: the app could neither tell a
flow waiting on the person from one working, nor read the flow top to bottom."""

from __future__ import annotations

import gc
import warnings
from typing import Any

from textual.pilot import Pilot
from textual.screen import ModalScreen, Screen

from screens.inbox_opening import open_destination
from screens.ticket_detail import TicketDetailScreen
from tests.tui_support import make_app, open_ticket, press, settle
from tui.app import TickettyApp
from tui.ticket_list import TicketList

# (screen the flow starts on: a destination of the inbox's "Go to", "" for the inbox itself;
#  the key; the worker that asks)
FLOWS = (
    ("", "slash", "search_tickets"),
    ("", "f", "filter_statuses"),
    ("", "P", "filter_priorities"),
    ("", "O", "choose_order"),
    ("", "F", "filter_groups"),
    ("", "S", "filter_source"),
    ("", "number_sign", "open_number"),
    ("", "o", "go_to"),
    ("", "a", "change_tickets"),
    ("usergroups", "n", "create_group"),
    ("usergroups", "R", "rename_group"),
    ("usergroups", "d", "delete_group"),
    ("usergroups", "a", "add_member"),
    ("usergroups", "s", "add_supervisor"),
    ("usergroups", "x", "remove_person"),
    ("usergroups", "e", "set_field_value"),
    ("fields", "n", "define_field"),
    ("fields", "R", "rename_field"),
    ("people", "slash", "search_people"),
    ("people", "n", "add_person"),
    ("people", "e", "edit_person"),
    ("people", "d", "switch_active"),
    ("people", "a", "give_role"),
    ("sources", "n", "add_source"),
    ("sources", "R", "rename_source"),
    ("sources", "a", "archive_or_restore"),
    ("roles", "o", "choose_scope"),
    ("roles", "d", "delete_role"),
    ("audit", "f", "filter_log"),
    ("reports", "p", "choose_period"),
    ("sla report", "p", "choose_month"),
)


def waiting(app: TickettyApp) -> list[str]:
    return sorted(worker.name for worker in app.waiting_on_person)


async def ask_and_cancel(pilot: Pilot[Any], start: Screen[Any], key: str, flow: str) -> None:
    app = pilot.app
    assert isinstance(app, TickettyApp)
    await press(pilot, key)
    where = f"{key!r} on {type(start).__name__}"
    assert isinstance(app.screen, ModalScreen), f"{where} asked nothing"
    assert waiting(app) == [flow], f"{where}: flows waiting on the person {waiting(app)}"
    await press(pilot, "escape")
    assert app.screen is start, f"{where}: escape left {app.screen!r}"
    assert not app.waiting_on_person, f"{where}: still waiting {waiting(app)}"
    assert not [w for w in app.workers if w.is_running], f"{where}: a flow did not end"


async def test_every_question_is_asked_by_a_named_flow_that_ends_on_escape(
    demo_copy: str,
) -> None:
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        inbox = app.screen
        for destination, key, flow in FLOWS:
            start: Screen[Any] = inbox
            if destination:
                start = open_destination(destination)
                await app.push_screen(start)
                await settle(pilot)
            await ask_and_cancel(pilot, start, key, flow)
            if destination:
                await press(pilot, "escape")
            assert app.screen is inbox


async def test_the_ticket_screen_asks_in_named_flows(demo_copy: str) -> None:
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        ticket = await open_ticket(pilot, 2)
        assert isinstance(ticket, TicketDetailScreen)
        for key, flow in (("a", "change_ticket"), ("s", "change_ticket"), ("c", "change_ticket")):
            await ask_and_cancel(pilot, ticket, key, flow)


async def test_a_read_cancelled_before_it_starts_leaves_no_coroutine_unawaited(
    demo_copy: str,
) -> None:
    """A read whose worker is cancelled before it runs (the list re-read meanwhile, the screen
    closed) must not leave a coroutine that was made and never awaited: the worker is given the
    function and makes its coroutine when it starts."""
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tickets = app.screen.query_one(TicketList)
        arrived: list[object] = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            tickets.read(lambda: 1, arrived.append, None, group="cancelled-read")
            app.workers.cancel_group(tickets, "cancelled-read")
            await settle(pilot)
            gc.collect()
        assert arrived == []
        unawaited = [str(w.message) for w in caught if "never awaited" in str(w.message)]
        assert unawaited == []
