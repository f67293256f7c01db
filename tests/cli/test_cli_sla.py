"""`ticketty sla`: add policies with a calendar, targets and conditions, list them in match
order as a table and as JSON, edit, move and delete them; bad input ends in one line and
changes nothing; a calendar in use is not deleted."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli import run
from ticketty.main import main


@pytest.fixture
def helpdesk(capsys, demo_copy: str) -> str:
    code, _, err = run(
        capsys, demo_copy, "ada", "calendars", "add", "PL office", "--timezone", "Europe/Warsaw",
        "--hours", "mon-fri 08:00-16:00",
    )  # fmt: skip
    assert (code, err) == (0, "")
    code, out, err = run(
        capsys, demo_copy, "ada", "sla", "add", "Standard", "--calendar", "PL office",
        "--first-response", "4h", "--next-response", "8h", "--resolution", "3d",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out == (
        "added policy Standard at 1: calendar PL office; first response 4h; next response 8h; "
        "resolution 3d; for every ticket; paused on pending\n"
    )
    return demo_copy


def listed(capsys, db: str, user: str = "ada") -> list[dict]:
    code, out, _ = run(capsys, db, user, "sla", "list", "--json")
    assert code == 0
    return json.loads(out)


def test_add_with_conditions_then_list_in_match_order(capsys, helpdesk: str) -> None:
    code, out, err = run(
        capsys, helpdesk, "ada", "sla", "add", "Urgent", "--calendar", "PL office",
        "--first-response", "1h", "--first-response", "urgent=30m", "--priority", "urgent",
        "--priority", "high", "--source", "Phone", "--pause-on", "pending", "--pause-on", "new",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert "first response 1h, urgent=30m" in out and "high, urgent; Phone" in out
    code, out, _ = run(capsys, helpdesk, "ada", "sla", "move", "Urgent", "1")
    assert (code, out) == (0, "match order: 1. Urgent, 2. Standard\n")
    code, out, _ = run(capsys, helpdesk, "vic", "sla", "list")
    assert code == 0
    rows = out.splitlines()
    assert rows[1].split()[:2] == ["1", "Urgent"] and rows[2].split()[:2] == ["2", "Standard"]
    urgent, standard = listed(capsys, helpdesk)
    assert urgent["targets"] == {"first_response": {"": "1h", "urgent": "30m"}}
    assert urgent["priorities"] == ["high", "urgent"] and urgent["sources"] == ["Phone"]
    assert urgent["pause_on"] == ["new", "pending"]
    assert standard["position"] == 2 and standard["usergroups"] == []


def test_edit_changes_what_is_given_and_delete_frees_the_calendar(capsys, helpdesk: str) -> None:
    code, out, err = run(
        capsys, helpdesk, "ada", "sla", "edit", "Standard", "--resolution", "5d",
        "--no-next-response", "--no-pause", "--priority", "low",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out == (
        "changed policy Standard: calendar PL office; first response 4h; resolution 5d; "
        "for low; paused on nothing\n"
    )
    code, _, err = run(capsys, helpdesk, "ada", "sla", "edit", "Standard", "--any-priority")
    assert code == 0
    (standard,) = listed(capsys, helpdesk)
    assert standard["priorities"] == [] and standard["version"] == 3
    code, _, err = run(capsys, helpdesk, "ada", "calendars", "delete", "PL office")
    assert code != 0 and len(err.strip().splitlines()) == 1 and "used by the policy" in err
    code, out, _ = run(capsys, helpdesk, "ada", "sla", "delete", "Standard")
    assert (code, out) == (0, "deleted policy Standard\n")
    assert listed(capsys, helpdesk) == []
    code, _, _ = run(capsys, helpdesk, "ada", "calendars", "delete", "PL office")
    assert code == 0


@pytest.mark.parametrize(
    ("words", "says"),
    [
        (["add", "X", "--calendar", "PL office", "--resolution", "soon"], "not a duration"),
        (["add", "X", "--calendar", "Nowhere", "--resolution", "1d"], "no calendar named"),
        (["add", "X", "--calendar", "PL office"], "at least one target"),
        (["add", "X", "--calendar", "PL office", "--resolution", "1d", "--pause-on", "closed"],
         "always stops"),
        (["edit", "Standard", "--group", "Nobody"], "no usergroup named"),
        (["move", "Standard", "0"], "counts from 1"),
        (["delete", "Gold"], "no policy named"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_changes_nothing(
    capsys, helpdesk: str, words: list[str], says: str
) -> None:
    before = listed(capsys, helpdesk)
    code, out, err = run(capsys, helpdesk, "ada", "sla", *words)
    assert code != 0 and out == ""
    assert len(err.strip().splitlines()) == 1 and says in err
    assert listed(capsys, helpdesk) == before


def test_the_viewer_lists_and_cannot_add(capsys, helpdesk: str) -> None:
    assert [p["name"] for p in listed(capsys, helpdesk, "vic")] == ["Standard"]
    code, _, err = run(
        capsys, helpdesk, "vic", "sla", "add", "Mine", "--calendar", "PL office",
        "--resolution", "1d",
    )  # fmt: skip
    assert code != 0 and "lacks sla.edit" in err


def test_warn_makes_each_warning_once_and_needs_sla_list(capsys, helpdesk: str) -> None:
    code, out, err = run(
        capsys, helpdesk, "ada", "tickets", "create", "--subject", "Parcel lost",
        "--body", "Where?", "--group", "Returns",
    )  # fmt: skip
    assert (code, err) == (0, "")
    # Within a week its first response falls due, whatever the weekday (its resolution too,
    # on most).
    code, out, err = run(capsys, helpdesk, "ada", "sla", "warn", "--before", "7d")
    assert (code, err) == (0, "") and out in ("1 warning made\n", "2 warnings made\n")
    code, out, err = run(capsys, helpdesk, "ada", "sla", "warn", "--before", "7d")
    assert (code, out, err) == (0, "0 warnings made\n", "")
    code, out, err = run(capsys, helpdesk, "ola", "sla", "warn")
    assert code != 0 and out == "" and err.count("\n") == 1 and "sla.list" in err
    with pytest.raises(SystemExit) as refused:
        main(["--db", helpdesk, "--user", "ada", "sla", "warn", "--before", "soon"])
    err = capsys.readouterr().err
    assert refused.value.code == 2 and "'soon' is not a duration" in err
