"""Staff and customers are different people: staff hold a role, customers hold none. People
shows which and is searched by name, username and (with `tickets.view_contact`) e-mail; the
usergroup pickers offer staff first; making a customer a supervisor is asked about first."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from access import Gate
from access.views import GroupView
from screens.people import PeopleScreen
from screens.usergroups import UsergroupsScreen
from tests.backends import connect
from tests.tui_support import make_app, settle
from ticketty.main import main
from tui.widgets import ConfirmModal, PickerModal

# The demo's first customer: username c000.muller, e-mail piotr.muller0@mail.example.
CUSTOMER = "c000.muller"
ADDRESS_ONLY = "muller0@mail"  # in the e-mail, not in the username or the name
STAFF = {"ada", "ali", "eva", "max", "mia", "ola", "sam", "tom", "vic"}


def test_the_gate_tells_staff_from_customers_and_matches_addresses_only_with_the_right(
    demo_copy: str,
) -> None:
    ada, vic = Gate(connect(demo_copy), "ada"), Gate(connect(demo_copy), "vic")
    assert {p.username for p in ada.people.list_people() if p.staff} == STAFF
    assert {p.username for p in ada.people.find_people("", limit=1000) if p.staff} == STAFF
    assert [p.username for p in ada.people.find_people(ADDRESS_ONLY)] == [CUSTOMER]
    assert "tickets.view_contact" not in vic.me.capabilities()
    assert (
        vic.people.find_people(ADDRESS_ONLY) == []
    )  # an address is never matched without the right
    found = vic.people.find_people("muller", limit=1000)
    assert CUSTOMER in [p.username for p in found] and all(p.email == "" for p in found)


async def search_people(pilot: Pilot[int], text: str) -> list[list[str]]:
    await settle(pilot)
    await pilot.press("o", *"People", "enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, PeopleScreen)
    await pilot.press("slash", *text, "enter")
    await settle(pilot)
    table = pilot.app.screen.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_people_are_searched_by_address_with_the_right(demo_copy: str) -> None:
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=(80, 24)) as pilot:
        rows = await search_people(pilot, ADDRESS_ONLY)
        assert [(row[0], row[2]) for row in rows] == [(CUSTOMER, "customer")]
        assert app.screen.sub_title == f"search: {ADDRESS_ONLY}"
        await pilot.press("slash", *"ola", "enter")  # a new search replaces the text
        await settle(pilot)
    app = make_app(demo_copy, "vic")
    async with app.run_test(size=(80, 24)) as pilot:
        assert await search_people(pilot, ADDRESS_ONLY) == []
        await pilot.press("slash", "ctrl+u", *"ola", "enter")
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        assert [str(table.get_row_at(0)[i]) for i in (0, 2)] == ["ola", "staff"]


def returns(admin: Gate) -> GroupView:
    return next(g for g in admin.groups.list_groups() if g.name == "Returns")


async def open_picker(pilot: Pilot[int], key: str) -> PickerModal:
    """The usergroup Returns, then the person picker of `key`."""
    await settle(pilot)
    await pilot.press("o", *"Usergroups", "enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, UsergroupsScreen)
    while screen.current is None or screen.current.name != "Returns":
        await pilot.press("j")
        await settle(pilot)
    await pilot.press(key)
    await settle(pilot)
    picker = pilot.app.screen
    assert isinstance(picker, PickerModal)
    return picker


async def test_a_customer_made_supervisor_is_asked_about_and_staff_come_first(
    demo_copy: str,
) -> None:
    admin = Gate(connect(demo_copy), "ada")
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot, "s")
        offered = [value for value, _ in picker.choices]
        assert set(offered[: len(STAFF)]) == STAFF  # staff first, then customers
        assert dict(picker.choices)[CUSTOMER].endswith("(customer)")
        await pilot.press(*CUSTOMER, "enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert "is a customer" in str(app.screen.question)
        await pilot.press("enter")  # No: nothing changes
        await settle(pilot)
        assert CUSTOMER not in returns(admin).supervisors
        assert isinstance(app.screen, UsergroupsScreen)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press(*CUSTOMER, "enter")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert CUSTOMER in returns(admin).supervisors


async def test_a_customer_joins_their_organisations_group_without_a_question(
    demo_copy: str,
) -> None:
    admin = Gate(connect(demo_copy), "ada")
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot, "a")
        assert set(value for value, _ in picker.choices[: len(STAFF)]) == STAFF
        await pilot.press(*CUSTOMER, "enter")
        await settle(pilot)
        assert isinstance(app.screen, UsergroupsScreen)
    assert CUSTOMER in returns(admin).members


def test_the_command_line_makes_a_customer_supervisor_only_when_told_so(
    demo_copy: str, capsys: pytest.CaptureFixture[str]
) -> None:
    def supervisors() -> set[str]:
        group = next(
            g for g in Gate(connect(demo_copy), "ada").groups.list_groups() if g.name == "Returns"
        )
        return set(group.supervisors)

    before = supervisors()
    refused = main(["--db", demo_copy, "--user", "ada", "groups", "add-supervisor", "Returns",
                    CUSTOMER])  # fmt: skip
    err = capsys.readouterr().err
    assert refused == 1 and "is a customer" in err and "--customer" in err
    assert supervisors() == before
    staff = main(["--db", demo_copy, "--user", "ada", "groups", "add-supervisor", "Returns", "tom"])
    assert staff == 0 and "tom" in supervisors()
    told = main(["--db", demo_copy, "--user", "ada", "groups", "add-supervisor", "Returns",
                 CUSTOMER, "--customer"])  # fmt: skip
    assert told == 0 and CUSTOMER in supervisors()
