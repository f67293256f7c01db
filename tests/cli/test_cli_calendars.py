"""`ticketty calendars`: add one with hours, holidays and a holidays file, list it as a table and
as JSON, change and delete it; bad input and hostile files end in one line and change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import run

POLAND = Path(__file__).parents[1] / "access" / "calendars" / "poland.ics"


@pytest.fixture
def helpdesk(demo_copy: str) -> str:
    return demo_copy


def add_office(capsys, db: str) -> None:
    code, out, err = run(
        capsys, db, "ada", "calendars", "add", "PL office", "--timezone", "Europe/Warsaw",
        "--hours", "mon-fri 08:00-16:00", "--holiday", "2026-12-24",
        "--holidays-ics", str(POLAND), "--years", "2026-2027",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out == "added calendar PL office: Europe/Warsaw, mon-fri 08:00-16:00, 28 holidays\n"


def listed(capsys, db: str, user: str = "ada") -> list[dict]:
    code, out, _ = run(capsys, db, user, "calendars", "list", "--json")
    assert code == 0
    return json.loads(out)


def test_add_then_list_as_a_table_and_as_json(capsys, helpdesk: str) -> None:
    add_office(capsys, helpdesk)
    code, out, _ = run(capsys, helpdesk, "vic", "calendars", "list")
    assert code == 0
    row = ["PL", "office", "Europe/Warsaw", "mon-fri", "08:00-16:00", "28"]
    assert out.splitlines()[1].split() == row
    (office,) = listed(capsys, helpdesk)
    assert office["name"] == "PL office" and office["timezone"] == "Europe/Warsaw"
    assert "2026-12-24" in office["holidays"] and "2027-06-04" not in office["holidays"]
    assert "2027-05-27" in office["holidays"]  # Corpus Christi 2027
    code, out, _ = run(capsys, helpdesk, "ada", "calendars", "show", "PL office")
    assert code == 0 and "  2026-12-24 Thu" in out.splitlines()


def test_edit_and_delete(capsys, helpdesk: str) -> None:
    add_office(capsys, helpdesk)
    code, out, _ = run(
        capsys, helpdesk, "ada", "calendars", "edit", "PL office", "--name", "PL team",
        "--hours", "mon-fri 07:00-15:00", "--no-holiday", "2026-12-24", "--holiday", "2026-12-31",
    )  # fmt: skip
    assert code == 0
    assert out == "changed calendar PL team: Europe/Warsaw, mon-fri 07:00-15:00, 28 holidays\n"
    (team,) = listed(capsys, helpdesk)
    assert team["version"] == 2 and "2026-12-24" not in team["holidays"]
    code, out, _ = run(capsys, helpdesk, "ada", "calendars", "edit", "PL team", "--timezone",
                       "Europe/Warsaw")  # fmt: skip
    assert code == 0 and "nothing changed" in out
    assert run(capsys, helpdesk, "ada", "calendars", "delete", "PL team")[0] == 0
    assert listed(capsys, helpdesk) == []


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["--timezone", "Europe/Atlantis"], "unknown time zone 'Europe/Atlantis'"),
        (["--hours", "9 to 5"], "cannot read hours '9 to 5'"),
        (["--holiday", "24.12.2026"], "'24.12.2026' is not a date"),
        (["--holidays-ics", "/nonexistent/holidays.ics"], "cannot read /nonexistent/holidays.ics"),
        (["--holidays-ics", str(POLAND), "--years", "soon"], "--years 'soon'"),
        (["--holidays-ics", "/dev/null"], "cannot read the holidays file"),
        (["--holidays-ics", "BINARY"], "cannot read the holidays file"),
    ],
)
def test_bad_input_is_one_line_and_adds_nothing(
    capsys, helpdesk: str, tmp_path: Path, arguments: list[str], says: str
) -> None:
    binary = tmp_path / "holidays.ics"
    binary.write_bytes(bytes(range(256)) * 100)
    arguments = [str(binary) if a == "BINARY" else a for a in arguments]
    given = {"--timezone": "Europe/Warsaw", "--hours": "mon-fri 08:00-16:00"}
    for flag in ("--timezone", "--hours"):
        if flag not in arguments:
            arguments += [flag, given[flag]]
    code, out, err = run(capsys, helpdesk, "ada", "calendars", "add", "X", *arguments)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and says in err, err
    assert listed(capsys, helpdesk) == []


def test_without_the_right_nothing_is_shown_or_changed(capsys, helpdesk: str) -> None:
    add_office(capsys, helpdesk)
    code, _, err = run(capsys, helpdesk, "tom", "calendars", "list")
    assert code == 1 and err == "ticketty: tom lacks sla.list\n"
    code, _, err = run(capsys, helpdesk, "vic", "calendars", "delete", "PL office")
    assert code == 1 and err == "ticketty: vic lacks sla.edit\n"
    assert [c["name"] for c in listed(capsys, helpdesk)] == ["PL office"]
