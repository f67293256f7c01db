"""Two admins at once, and changes that change nothing: a group renamed by another admin is a
conflict that names the rename (the gate, the command line's exit 5, the app keeping the typed
name), and every no-op of roles and groups says what is already so and exits 0."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from access import Conflict, Gate
from screens.usergroups import UsergroupsScreen
from tests import builders
from tests.backends import connect
from tests.tui_support import make_app, press, settle
from ticketty.main import main
from tui.widgets import PromptModal


@pytest.fixture
def demo(new_demo) -> str:
    location = new_demo()
    Gate(connect(location), "ada").roles.grant_role("sam", "Administrator")
    return location


def run(capsys: pytest.CaptureFixture[str], db: str, user: str, *args: str) -> tuple[int, str]:
    code = main(["--db", db, "--user", user, *args])
    out, err = capsys.readouterr()
    return code, out + err


def test_renaming_a_group_another_admin_renamed_is_a_conflict_naming_it(demo: str) -> None:
    db = connect(demo)
    ada, sam = Gate(db, "ada"), Gate(db, "sam")
    seen = next(g for g in sam.groups.list_groups() if g.name == "Returns")
    ada.groups.rename_group("Returns", "Refunds")
    before = builders.snapshot(db)
    for version in (seen.version, None):  # the app's save, and the command line's
        with pytest.raises(Conflict, match=r"usergroup Returns was changed .*ada at .*Refunds"):
            sam.groups.rename_group("Returns", "Back", expected_version=version)
    assert builders.snapshot(db) == before
    with pytest.raises(Conflict, match="Refunds"):
        sam.groups.add_member("Returns", "tom")


def test_the_command_line_exits_5_on_a_group_renamed_meanwhile(demo: str, capsys) -> None:
    assert run(capsys, demo, "ada", "groups", "rename", "Returns", "Refunds")[0] == 0
    code, said = run(capsys, demo, "sam", "groups", "rename", "Returns", "Back")
    assert code == 5, said
    assert "changed by someone else" in said and "Refunds" in said
    assert "no usergroup named" not in said


async def test_the_app_keeps_the_typed_name_after_a_rename_conflict(demo: str) -> None:
    app = make_app(demo, "sam")  # does not follow others' changes by itself
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.push_screen(UsergroupsScreen())
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, UsergroupsScreen)
        while screen.current is not None and screen.current.name != "Returns":
            await pilot.press("down")
        Gate(connect(demo), "ada").groups.rename_group("Returns", "Refunds")
        await press(pilot, "R")
        await press(pilot, "ctrl+u", *"Back", "enter")
        shown = [n.message for n in app._notifications]
        assert any("changed by someone else" in text and "Refunds" in text for text in shown)
        prompt = app.screen
        assert isinstance(prompt, PromptModal), shown
        assert prompt.title_text == "Rename Refunds to"
        assert prompt.query_one(Input).value == "Back"
        await press(pilot, "enter")
    assert "Back" in {g.name for g in Gate(connect(demo), "ada").groups.list_groups()}


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("roles", "forbid", "Viewer", "tickets.close"), "does not have tickets.close"),
        (("roles", "permit", "Viewer", "tickets.view"), "already has tickets.view"),
        (("groups", "add-member", "Returns", "sam"), "sam is already a member of Returns"),
        (("groups", "remove-member", "Returns", "vic"), "vic is not a member of Returns"),
        (("people", "grant", "sam", "Administrator"), "sam already holds Administrator"),
    ],
)
def test_a_no_op_says_what_is_already_so_and_exits_0(
    demo: str, capsys, args: tuple[str, ...], said: str
) -> None:
    db = connect(demo)
    Gate(db, "ada").groups.add_member("Returns", "sam")
    before = builders.snapshot(db)
    code, out = run(capsys, demo, "ada", *args)
    assert (code, out) == (0, f"{out.splitlines()[0]}\n")
    assert said in out and "nothing changed" in out
    assert builders.snapshot(db) == before


def test_forbidding_an_unknown_permission_is_still_an_error(demo: str, capsys) -> None:
    code, out = run(capsys, demo, "ada", "roles", "forbid", "Viewer", "tickets.fly")
    assert code == 1 and "unknown permission 'tickets.fly'" in out
