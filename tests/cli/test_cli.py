"""The command line: JSON shapes, refusals as one line with an exit code and nothing written,
and the set-up commands."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli import build_parser
from tests.backends import Locations
from ticketty.main import main


@pytest.fixture(scope="module")
def demo_file(locations: Locations) -> Iterator[str]:
    location = locations.new("demo.db")
    assert main(["demo", "--db", location, "--tickets", "200", "--seed", "7"]) == 0
    yield location
    locations.drop([location])


def run(
    capsys: pytest.CaptureFixture[str], db: str | Path, user: str, *args: str
) -> tuple[int, str, str]:
    code = main(["--db", str(db), "--user", user, *args])
    out, err = capsys.readouterr()
    return code, out, err


def show(capsys, db: str, number: int) -> dict:
    code, out, _ = run(capsys, db, "ada", "tickets", "show", str(number), "--json")
    assert code == 0
    return json.loads(out)


def test_demo_lists_the_personas(new_location, capsys) -> None:
    location = new_location("d.db")
    assert main(["demo", "--db", location, "--tickets", "50"]) == 0
    out = capsys.readouterr().out
    for persona in ("ada", "sam", "ali", "vic", "mia"):
        assert f"  {persona} " in out
    assert main(["demo", "--db", location, "--tickets", "50"]) == 1
    assert "--force" in capsys.readouterr().err


def test_demo_force_replaces_the_helpdesk(new_location, capsys) -> None:
    location = new_location("d.db")
    assert main(["demo", "--db", location, "--tickets", "30", "--seed", "1"]) == 0
    assert run(capsys, location, "ada", "tickets", "close", "5")[0] == 0
    replace = ["--user", "ada", "demo", "--db", location, "--tickets", "40", "--seed", "2"]
    assert main([*replace, "--force"]) == 0
    capsys.readouterr()
    code, out, _ = run(capsys, location, "ada", "tickets", "list", "--limit", "100", "--json")
    assert code == 0 and len(json.loads(out)) == 40
    code, out, _ = run(capsys, location, "ada", "audit", "verify")
    assert code == 0
    created = run(capsys, location, "ada", "tickets", "create", "--subject", "x", "--body", "y")
    assert created[0] == 0 and int(created[1]) == 41


def test_init_then_people_and_roles(new_location, capsys) -> None:
    db = new_location("new.db")
    assert main(["init", "--db", str(db), "--admin", "root1", "--name", "Root"]) == 0
    assert main(["init", "--db", str(db), "--admin", "again"]) == 1
    assert run(capsys, db, "root1", "people", "add", "bea", "--name", "Bea")[0] == 0
    assert (
        run(capsys, db, "root1", "roles", "create", "Readers", "--permission", "tickets.list")[0]
        == 0
    )
    assert run(capsys, db, "root1", "people", "grant", "bea", "Readers")[0] == 0
    code, out, _ = run(capsys, db, "root1", "people", "list", "--json")
    assert code == 0
    people = {p["username"]: p for p in json.loads(out)}
    assert people["bea"]["roles"] == ["Readers"]
    _code, out, _ = run(capsys, db, "root1", "access", "who", "tickets.list")
    assert "bea" in out and "role Readers" in out


def test_ticket_list_and_show_json_shapes(demo_file: str, capsys) -> None:
    code, out, _ = run(capsys, demo_file, "ada", "tickets", "list", "--limit", "5", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 5
    keys = {
        "number",
        "subject",
        "source",
        "usergroup",
        "status",
        "priority",
        "assignee",
        "requester",
        "private",
    }
    assert all(keys <= set(row) for row in rows)
    detail = show(capsys, demo_file, rows[0]["number"])
    assert keys <= set(detail)
    assert all({"kind", "author", "body"} <= set(m) for m in detail["messages"])
    assert detail["messages"][0]["kind"] == "customer"


def test_view_only_is_refused_and_nothing_changes(demo_file: str, capsys) -> None:
    before = show(capsys, demo_file, 10)
    for args in (
        ["assign", "10", "ola"],
        ["reply", "10", "--body", "hi"],
        ["status", "10", "closed"],
        ["move", "10", "Returns"],
        ["take", "10"],
    ):
        code, _out, err = run(capsys, demo_file, "vic", "tickets", *args)
        assert code == 1
        assert err.startswith("ticketty: ") and err.count("\n") == 1
    assert show(capsys, demo_file, 10) == before


def test_ali_sees_only_allegro(demo_file: str, capsys) -> None:
    code, out, _ = run(capsys, demo_file, "ali", "tickets", "list", "--limit", "500", "--json")
    rows = json.loads(out)
    assert rows and all(r["source"] == "Allegro PL" or r["assignee"] == "ali" for r in rows)
    code, out, _ = run(
        capsys,
        demo_file,
        "ada",
        "tickets",
        "list",
        "--source",
        "Amazon DE",
        "--unassigned",
        "--limit",
        "1",
        "--json",
    )
    hidden = json.loads(out)[0]["number"]
    code, _, err = run(capsys, demo_file, "ali", "tickets", "show", str(hidden))
    assert code == 1 and err == f"ticketty: no ticket #{hidden}\n"
    code, _, err = run(capsys, demo_file, "ali", "tickets", "show", "99999")
    assert err == "ticketty: no ticket #99999\n"


def test_unknown_person(demo_file: str, capsys) -> None:
    assert run(capsys, demo_file, "ghost", "tickets", "list")[0] == 4


@pytest.mark.sqlite_only(reason="a missing or damaged file")
def test_bad_database_file(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, tmp_path / "missing.db", "ada", "tickets", "list")
    assert code == 3 and "no database at" in err
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"\x00garbage" * 1000)
    code, _, err = run(capsys, garbage, "ada", "tickets", "list")
    assert code == 3 and "damaged" in err


def test_hostile_text_round_trips_in_json_and_is_defused_in_plain(demo_file, capsys) -> None:
    subject = "[@click=app.quit]x[/] \x1b]0;pwned\x07 \x9b31m"
    code, out, _ = run(
        capsys,
        demo_file,
        "ada",
        "tickets",
        "create",
        "--subject",
        subject,
        "--body",
        "[link=file:///etc/passwd]y[/link]",
    )
    assert code == 0
    number = int(out)
    assert show(capsys, demo_file, number)["subject"] == subject
    _code, out, _ = run(capsys, demo_file, "ada", "tickets", "show", str(number))
    assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out
    assert "[@click=app.quit]x[/]" in out


def test_group_delete_asks_what_happens_to_tickets(demo_file: str, capsys) -> None:
    code, _, err = run(capsys, demo_file, "ada", "groups", "delete", "Returns")
    assert code == 1 and "--move-tickets-to" in err and "--orphan-tickets" in err


def test_explain(demo_file: str, capsys) -> None:
    code, out, _ = run(
        capsys, demo_file, "ada", "tickets", "list", "--group", "Returns", "--limit", "1", "--json"
    )
    number = json.loads(out)[0]["number"]
    code, out, _ = run(
        capsys, demo_file, "ada", "access", "explain", "--ticket", str(number), "--person", "sam"
    )
    assert code == 0 and "supervises usergroup Returns" in out


def _subprocess(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TICKETTY_USER": "vic"}
    return subprocess.run(
        [sys.executable, "-m", "ticketty", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_real_process_exit_codes(demo_file: str) -> None:
    refused = _subprocess("--db", str(demo_file), "tickets", "close", "3")
    assert refused.returncode == 1
    assert refused.stderr.startswith("ticketty: vic lacks tickets.close")
    assert "Traceback" not in refused.stderr
    listed = _subprocess("--db", str(demo_file), "tickets", "list", "--limit", "2", "--json")
    assert listed.returncode == 0 and len(json.loads(listed.stdout)) == 2
    no_terminal = _subprocess("--db", str(demo_file))
    assert no_terminal.returncode == 2 and "needs a terminal" in no_terminal.stderr


def test_workload_report(demo_file: str, capsys) -> None:
    code, out, _ = run(capsys, demo_file, "ali", "reports", "workload", "--json")
    assert code == 0 and [r["username"] for r in json.loads(out)] == ["ali"]
    code, out, _ = run(capsys, demo_file, "ada", "reports", "workload", "--json")
    assert code == 0 and len(json.loads(out)) > 1
    code, _, err = run(capsys, demo_file, "vic", "reports", "workload")
    assert code == 1 and err == "ticketty: vic lacks reports.own\n"


def test_command_line_never_loads_textual(demo_file: Path) -> None:
    """A script's `ticketty tickets list` does not pay for the terminal UI."""
    script = (
        "import sys\n"
        "from ticketty.main import main\n"
        f"code = main(['--db', {str(demo_file)!r}, '--user', 'ada', 'tickets', 'list', "
        "'--limit', '1000'])\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'screens'))\n"
        "print(code, loaded, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stderr == "0 []\n"


# What takes mail in and delivers it: loaded by the mail commands alone.
MAIL_ENGINE = (
    "mail.compose",
    "mail.files",
    "mail.parse",
    "mail.transport",
    "imaplib",
    "inscriptis",
    "lxml",
    "mailbox",
    "rich.progress",
    "smtplib",
)


def test_a_command_and_the_app_start_without_the_mail_engine_or_postgresql(
    demo_file: Path, backend: str
) -> None:
    """A write (`ticketty tickets status`) and the app's start (its modules, the gate, the
    first page) do not pay for parsing, reading files of or sending e-mail, nor on SQLite for
    the PostgreSQL driver."""
    unneeded = MAIL_ENGINE + (("psycopg",) if backend == "sqlite" else ())
    script = (
        "import sys\n"
        "from ticketty.main import main\n"
        f"code = main(['--db', {str(demo_file)!r}, '--user', 'ada', 'tickets', 'status', "
        "'12', 'pending'])\n"
        f"unneeded = {unneeded!r}\n"
        "def loaded():\n"
        "    return sorted(m for m in sys.modules if m.startswith(unneeded))\n"
        "print(code, loaded(), file=sys.stderr)\n"
        "from access import Gate\n"
        "from store.db import connect\n"
        "from ticketty.launch import build_app\n"
        f"build_app(Gate(connect({str(demo_file)!r}), 'ada'))\n"
        "print(loaded(), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stderr == "0 []\n[]\n"


def test_a_change_that_changes_nothing_says_so_and_writes_nothing(demo_file: Path, capsys) -> None:
    assert run(capsys, demo_file, "ada", "tickets", "status", "12", "pending")[0] == 0
    _, events, _ = run(capsys, demo_file, "ada", "audit", "list", "--json", "--limit", "1")
    code, out, err = run(capsys, demo_file, "ada", "tickets", "status", "12", "pending")
    assert (code, out, err) == (0, "#12 is already pending; nothing changed\n", "")
    assert run(capsys, demo_file, "ada", "audit", "list", "--json", "--limit", "1")[1] == events


def subcommand_parsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The subcommands of `parser` by name, or none."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def test_only_the_named_noun_gets_its_subcommands_built_and_help_is_unchanged() -> None:
    def never(location: str, username: str) -> int:
        raise AssertionError("no app here")

    full = build_parser(never)
    for words in ([], ["--db", "x.db"], ["tickets", "list"]):
        parser = build_parser(never, words)
        assert parser.format_help() == full.format_help()
        nouns = subcommand_parsers(parser)
        assert nouns.keys() == subcommand_parsers(full).keys()
        built = {name for name, noun in nouns.items() if subcommand_parsers(noun)}
        assert built == {
            name
            for name in nouns
            if name in words and subcommand_parsers(subcommand_parsers(full)[name])
        }
    tickets = subcommand_parsers(build_parser(never, ["tickets", "list"]))["tickets"]
    assert tickets.format_help() == subcommand_parsers(full)["tickets"].format_help()
    assert subcommand_parsers(tickets)["list"].format_help() == (
        subcommand_parsers(subcommand_parsers(full)["tickets"])["list"].format_help()
    )
