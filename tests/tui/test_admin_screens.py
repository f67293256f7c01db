"""The usergroup, people and source screens and filing a ticket, driven by keyboard; results
checked through the gate."""

from __future__ import annotations

import subprocess
import sys

import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, OptionList

from access import Gate, UnknownPerson
from access.views import TicketQuery
from screens.audit_log import AuditLogScreen
from screens.inbox import InboxScreen
from screens.people import PeopleScreen
from screens.sources import SourcesScreen
from screens.ticket_detail import TicketDetailScreen
from screens.usergroups import UsergroupsScreen
from tests.backends import connect
from tests.tui_support import make_app, press, settle
from tui.listing import ListingScreen


async def highlight(pilot: Pilot, key: str) -> None:
    """Put the listing's cursor on the record named `key`, as a click on its row would (walking
    there with `j` took some 300 key presses among the demo's customers)."""
    screen = pilot.app.screen
    assert isinstance(screen, ListingScreen)
    keys = [screen.key_of(record) for record in screen.records]
    screen.query_one(DataTable).move_cursor(row=keys.index(key))
    await pilot.pause()
    assert screen.key_of(screen.current) == key


@pytest.fixture
def demo(new_demo) -> str:
    return new_demo(200)


def gate(demo: str, username: str) -> Gate:
    return Gate(connect(demo), username)


async def go_to(pilot, label: str) -> None:
    await press(pilot, "o")
    await press(pilot, *label, "enter")


async def confirm(pilot, key: str) -> None:
    """Press `key`, wait for its question, answer yes."""
    await press(pilot, key)
    await press(pilot, "y")


async def pick(pilot, text: str) -> None:
    await settle(pilot)
    await press(pilot, *text, "enter")


async def test_group_with_supervisor_and_field_shows_on_its_tickets(demo: str) -> None:
    app = make_app(demo, "ada")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await go_to(pilot, "Usergroups")
        assert isinstance(app.screen, UsergroupsScreen)
        await pilot.press("n")
        await pick(pilot, "Night shift")
        assert app.screen.current is not None and app.screen.current.name == "Night shift"
        await pilot.press("s")
        await pick(pilot, "tom")
        await pilot.press("e")
        await pick(pilot, "Phone")
        await pilot.press(*"not a phone", "enter")  # refused; the prompt comes back, text kept
        await settle(pilot)
        prompt = app.screen.query_one(Input)
        assert prompt.value == "not a phone"
        prompt.value = ""
        await press(pilot, *"+48 12 999 88 77", "enter")

    admin = gate(demo, "ada")
    group = next(g for g in admin.groups.list_groups() if g.name == "Night shift")
    assert group.supervisors == ("tom",)
    number = admin.filing.create_ticket("Lamp broken", "The lamp is broken", group="Night shift")
    fields = {f.name: f.value for f in admin.tickets.get_ticket(number).group_fields}
    assert fields["Phone"] == "+48 12 999 88 77"

    app = make_app(demo, "ada")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "slash", *f"#{number}", "enter")
        await press(pilot, "enter")
        assert isinstance(app.screen, TicketDetailScreen)
        shown = str(app.screen.query_one("#fields").render())
        assert "+48 12 999 88 77" in shown


async def test_member_files_a_private_ticket_another_member_cannot_find(demo: str) -> None:
    app = make_app(demo, "mia")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        await pilot.press(*"Salary question")
        await pilot.press("enter", *"Please check my payslip")
        app.screen.query_one("#private", Checkbox).value = True
        await press(pilot, "ctrl+s")
    mine = gate(demo, "mia").inbox.list_tickets(TicketQuery(search="payslip"))
    assert len(mine) == 1 and mine[0].private and mine[0].usergroup == "Accounting"
    number = mine[0].number
    other = gate(demo, "max")
    assert other.inbox.list_tickets(TicketQuery(search="payslip")) == []
    assert number not in {r.number for r in other.inbox.list_tickets(limit=1000)}
    admin = gate(demo, "ada")
    admin.people.add_person("sue", "Sue Supervisor")
    admin.roles.grant_role("sue", "Supervisor (basic)")
    admin.groups.add_supervisor("Accounting", "sue")
    supervisor = gate(demo, "sue")
    assert supervisor.inbox.count_tickets() > 0  # sees the group's other tickets
    assert supervisor.inbox.list_tickets(TicketQuery(search=f"#{number}")) == []


async def test_new_ticket_form_offers_only_what_the_person_may(demo: str) -> None:
    app = make_app(demo, "max")  # a member: files for the group, no private, no group choice
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        assert not app.screen.query("#private") and not app.screen.query("#group")


async def test_archiving_a_source_hides_its_tickets_from_agents_only(demo: str) -> None:
    allegro = TicketQuery(sources=(2,))
    before_agent = gate(demo, "ola").inbox.count_tickets(allegro)
    assert before_agent > 0
    app = make_app(demo, "ada")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await go_to(pilot, "Sources")
        assert isinstance(app.screen, SourcesScreen)
        await highlight(pilot, "Allegro PL")
        await confirm(pilot, "a")
        assert gate(demo, "ola").inbox.count_tickets(allegro) == 0
        assert gate(demo, "ada").inbox.count_tickets(allegro) == before_agent
        await confirm(pilot, "a")
    assert gate(demo, "ola").inbox.count_tickets(allegro) == before_agent


async def test_deactivated_person_is_refused_at_start(demo: str) -> None:
    app = make_app(demo, "ada")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await go_to(pilot, "People")
        assert isinstance(app.screen, PeopleScreen)
        await highlight(pilot, "tom")
        await confirm(pilot, "d")
    with pytest.raises(UnknownPerson):
        Gate(connect(str(demo)), "tom")
    assert gate(demo, "ada").inbox.count_tickets(TicketQuery(assignee="tom")) > 0  # tickets stay
    started = subprocess.run(
        [
            sys.executable,
            "-c",
            f"from ticketty.main import open_app; raise SystemExit(open_app({str(demo)!r}, 'tom'))",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode == 4
    assert started.stderr == "ticketty: tom is deactivated\n"


async def test_view_only_person_sees_no_edit_actions(demo: str) -> None:
    app = make_app(demo, "vic")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for label, screen_type in (
            ("Usergroups", UsergroupsScreen),
            ("People", PeopleScreen),
            ("Sources", SourcesScreen),
        ):
            await go_to(pilot, label)
            assert isinstance(app.screen, screen_type)
            edits = {
                a.name
                for a in screen_type.ACTIONS
                if a.permission and not a.permission.endswith(".list")
            }
            shown = {b.action for _, b, on, _ in app.screen.active_bindings.values() if on}
            assert edits and not shown & edits, label
            for action in edits:
                await app.screen.run_action(action)  # check_action refuses it
            await settle(pilot)
            await press(pilot, "escape")
        assert isinstance(app.screen, InboxScreen)
        choices = [c for c in ("People", "Sources", "Audit log")]
        await press(pilot, "o")
        listed = str(app.screen.query_one(OptionList).get_option_at_index(0).prompt)
        assert listed == "Usergroups" and choices


async def test_audit_screen_shows_changes_and_filters(demo: str) -> None:
    admin = gate(demo, "ada")
    admin.groups.create_group("Audit me")
    admin.groups.rename_group("Audit me", "Audited")
    app = make_app(demo, "ada")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await go_to(pilot, "Audit log")
        assert isinstance(app.screen, AuditLogScreen)
        actions = [r.action for r in app.screen.records]
        assert actions[:2] == ["group.rename", "group.create"]
        await pilot.press("f")
        await pick(pilot, "usergroup")
        await press(pilot, *"Audited", "enter")
        assert [r.action for r in app.screen.records] == ["group.rename", "group.create"]


async def test_workload_report_shows_own_or_team_figures(demo: str) -> None:
    from screens.reports import ReportsScreen

    for person, expect_team in (("ali", False), ("ada", True)):
        app = make_app(demo, person)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await go_to(pilot, "Workload")
            assert isinstance(app.screen, ReportsScreen)
            agents = [r.username for r in app.screen.records]
        assert (len(agents) > 1) == expect_team
        assert person in agents
    app = make_app(demo, "vic")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        options = app.screen.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert "Workload report" not in labels
