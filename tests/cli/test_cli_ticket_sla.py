"""`ticketty tickets list --sort due [--breached] [--due-within 1h] --json` and
`ticketty tickets sla 42 [--json]`: the due times the gate keeps, as the command line shows
them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from access import Gate
from cli import command
from tests.access.test_due_window import FRIDAY_EVENING, MONDAY, due_on_monday
from tests.backends import connect
from tests.cli.test_cli import run
from ticketty.main import main


@pytest.fixture
def helpdesk(capsys, demo_copy: str) -> str:
    for args in (
        ("calendars", "add", "Always", "--timezone", "UTC", "--hours", "mon-sun 00:00-24:00"),
        ("sla", "add", "Standard", "--calendar", "Always", "--first-response", "1m",
         "--resolution", "3d"),
    ):  # fmt: skip
        code, _, err = run(capsys, demo_copy, "ada", *args)
        assert (code, err) == (0, "")
    return demo_copy


def listed(capsys, db: str, *options: str) -> list[dict]:
    code, out, err = run(capsys, db, "ada", "tickets", "list", "--limit", "500", *options, "--json")
    assert code == 0, err
    return json.loads(out)


def earliest(row: dict) -> str:
    dues = [row[k] for k in ("first_response_due", "next_response_due", "resolution_due")]
    return min((d for d in dues if d), default="9999")


def test_the_list_sorted_by_due_carries_the_due_times(capsys, helpdesk: str) -> None:
    rows = listed(capsys, helpdesk, "--sort", "due")
    assert {"first_response_due", "next_response_due", "resolution_due", "breached"} <= set(rows[0])
    keys = [earliest(r) for r in rows]
    assert keys == sorted(keys) and keys[0] != "9999"
    breached = listed(capsys, helpdesk, "--sort", "due", "--breached")
    assert breached and all(r["breached"] for r in breached)
    assert [r["number"] for r in breached] == [r["number"] for r in rows if r["breached"]]
    soon = listed(capsys, helpdesk, "--due-within", "1h")
    assert {r["number"] for r in soon} >= {r["number"] for r in breached}


def test_a_filed_ticket_is_due_and_explained(capsys, helpdesk: str) -> None:
    code, out, _ = run(
        capsys, helpdesk, "ada", "tickets", "create", "--subject", "Lost", "--body", "Where?"
    )
    number = out.strip()
    assert code == 0
    code, out, err = run(capsys, helpdesk, "ada", "tickets", "sla", number, "--json")
    assert (code, err) == (0, "")
    explained = json.loads(out)
    assert explained["policy"] == "Standard" and explained["calendar"] == "Always"
    first, resolution = explained["targets"]
    assert (first["metric"], first["target_minutes"]) == ("first_response", 1)
    assert resolution["target_minutes"] == 3 * 24 * 60
    due = datetime.fromisoformat(explained["resolution_due"])
    started = datetime.fromisoformat(resolution["started"])
    assert abs(due - started - timedelta(days=3)) < timedelta(seconds=1)
    code, out, _ = run(capsys, helpdesk, "ada", "tickets", "sla", number)
    assert code == 0
    assert "1. Standard: matches" in out
    assert "Policy Standard, calendar Always (UTC)" in out
    assert "Resolution: running" in out


def test_out_of_scope_and_bad_input_are_one_line(capsys, helpdesk: str) -> None:
    allegro_only = listed(capsys, helpdesk, "--source", "eBay DE (disconnected)")
    hidden = str(allegro_only[0]["number"])
    code, out, err = run(capsys, helpdesk, "ali", "tickets", "sla", hidden)
    assert code != 0 and out == "" and err.count("\n") == 1 and f"#{hidden}" in err
    with pytest.raises(SystemExit) as refused:
        main(["--db", helpdesk, "--user", "ada", "tickets", "list", "--due-within", "soon"])
    err = capsys.readouterr().err
    assert refused.value.code == 2 and "'soon' is not a duration" in err


@pytest.fixture
def on_monday(demo_copy: str) -> dict[str, int]:
    return due_on_monday(Gate(connect(demo_copy), "ada"))


def numbers(capsys, db: str, *options: str) -> set[int]:
    return {r["number"] for r in listed(capsys, db, *options)}


def test_due_within_and_breached_count_from_the_clock_in_business_hours(
    capsys, demo_copy: str, on_monday: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(command, "clock", lambda: FRIDAY_EVENING)
    assert numbers(capsys, demo_copy, "--due-within", "1h") == {on_monday["office at nine"]}
    assert numbers(capsys, demo_copy, "--breached") == set()
    monkeypatch.setattr(command, "clock", lambda: MONDAY + timedelta(minutes=15))
    breached = numbers(capsys, demo_copy, "--breached")
    assert breached == {on_monday["office at nine"], on_monday["always at nine"]}


def test_sla_warn_takes_its_time_from_the_settings_file(
    capsys,
    demo_copy: str,
    on_monday: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setattr(command, "clock", lambda: FRIDAY_EVENING)
    config = tmp_path / "config.toml"
    monkeypatch.setenv("TICKETTY_CONFIG", str(config))
    config.write_text('[sla]\nwarn_before = "10m"\n')
    assert run(capsys, demo_copy, "ada", "sla", "warn") == (0, "0 warnings made\n", "")
    # Half an hour of business time is left to the office's ticket on Monday at nine.
    code, out, _ = run(capsys, demo_copy, "ada", "sla", "warn", "--before", "1h")
    assert (code, out) == (0, "1 warning made\n")
    config.write_text('[sla]\nwarn_before = "soon"\n')
    code, out, err = run(capsys, demo_copy, "ada", "sla", "warn")
    assert code == 2 and "[sla] warn_before" in err and "'soon' is not a duration" in err
