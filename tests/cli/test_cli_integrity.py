"""Data integrity and bad input at the command line: ticket numbers never come back, `demo`
never replaces real work, foreign files are refused untouched, and bad bytes, huge numbers, a
damaged file or a closed pipe end in one line and a non-zero exit, never a traceback."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import peewee
import pytest

from access import Gate
from tests.backends import connect
from tests.tui_support import demo_database, make_app, settle
from ticketty.main import main


@pytest.fixture
def demo_file(new_demo) -> str:
    return new_demo(60)


def run(capsys, db: str | Path, user: str, *args: str) -> tuple[int, str, str]:
    code = main(["--db", str(db), "--user", user, *args])
    out, err = capsys.readouterr()
    return code, out, err


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_deleted_tickets_number_is_never_given_again(db: peewee.Database) -> None:
    from access.bootstrap import create_first_admin

    create_first_admin(db, "root", "Root")
    gate = Gate(db, "root")
    first = gate.filing.create_ticket("one", "body")
    last = gate.filing.create_ticket("two", "body")
    gate.tickets.delete_ticket(last)
    assert gate.filing.create_ticket("three", "body") > last > first


@pytest.mark.sqlite_only(reason="SQLite's AUTOINCREMENT, added by rebuilding the table")
def test_an_older_database_keeps_its_tickets_and_stops_reusing_numbers(tmp_path: Path) -> None:
    """A file from before the change: the rebuilt ticket table keeps every row, message and
    search entry."""
    path = tmp_path / "old.db"
    demo_database(str(path), tickets=40)
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA foreign_keys = OFF")
    table_sql = raw.execute("SELECT sql FROM sqlite_master WHERE name = 'ticket'").fetchone()[0]
    raw.execute("PRAGMA writable_schema = ON")
    raw.execute(
        "UPDATE sqlite_master SET sql = ? WHERE name = 'ticket'",
        (table_sql.replace(" AUTOINCREMENT", ""),),
    )
    raw.execute("DELETE FROM schema_version WHERE version >= 5")
    raw.commit()
    raw.close()
    db = connect(str(path))
    gate = Gate(db, "ada")
    assert gate.inbox.count_tickets() > 0
    top = max(r.number for r in gate.inbox.list_tickets(limit=1000))
    gate.tickets.delete_ticket(top)
    assert gate.filing.create_ticket("after", "body", source="Web form") > top
    assert db.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_demo_never_replaces_a_helpdesk_it_did_not_make(new_location, backend, capsys) -> None:
    location = new_location("live.db")
    assert main(["init", "--db", location, "--admin", "root"]) == 0
    capsys.readouterr()
    people = run(capsys, location, "root", "people", "list", "--json")[1]
    before = digest(Path(location)) if backend == "sqlite" else ""
    code, _, err = run(capsys, location, "root", "demo", "--force", "--tickets", "5")
    assert code == 1 and "did not make" in err and err.count("\n") == 1
    assert (digest(Path(location)) if backend == "sqlite" else "") == before
    assert run(capsys, location, "root", "people", "list", "--json")[1] == people


def test_demo_force_needs_an_administrator_of_that_demo(demo_file: str, capsys) -> None:
    code, _, err = run(capsys, demo_file, "vic", "demo", "--force", "--tickets", "5")
    assert code == 1 and "not an administrator" in err
    assert Gate(connect(str(demo_file)), "ada").inbox.count_tickets() > 5
    assert run(capsys, demo_file, "ada", "demo", "--force", "--tickets", "5")[0] == 0


@pytest.mark.sqlite_only(reason="another program's SQLite file")
def test_a_foreign_sqlite_file_is_refused_and_left_untouched(tmp_path: Path, capsys) -> None:
    other = tmp_path / "other.db"
    raw = sqlite3.connect(other)
    raw.execute("CREATE TABLE notes (body TEXT)")
    raw.commit()
    raw.close()
    before = digest(other)
    for args in (("tickets", "list"), ("init", "--admin", "root")):
        code, _, err = run(capsys, other, "root", *args)
        assert code == 3 and "not a Ticketty database" in err and err.count("\n") == 1
    assert digest(other) == before
    assert not Path(f"{other}-wal").exists()


@pytest.mark.sqlite_only(reason="an empty file")
def test_an_empty_file_is_not_a_helpdesk(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    code, _, err = run(capsys, empty, "root", "people", "list")
    assert code == 3 and "not a Ticketty database" in err
    assert empty.stat().st_size == 0


@pytest.mark.sqlite_only(reason="SQLite's PRAGMA application_id")
def test_new_databases_carry_the_application_id(demo_file: str) -> None:
    from store.db import APPLICATION_ID

    raw = sqlite3.connect(demo_file)
    assert raw.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_audit_json_names_the_actor(demo_file: str, capsys) -> None:
    assert run(capsys, demo_file, "ada", "groups", "create", "Night shift")[0] == 0
    code, out, _ = run(capsys, demo_file, "ada", "audit", "list", "--limit", "1", "--json")
    event = json.loads(out)[0]
    assert code == 0 and event["actor"] == "ada" and event["target"] == "Night shift"


def test_people_list_hides_contact_without_view_contact(demo_file: str, capsys) -> None:
    code, out, _ = run(capsys, demo_file, "vic", "people", "list", "--json")
    people = json.loads(out)
    assert code == 0 and people
    assert all(p["email"] == "" and p["phone"] == "" for p in people if p["username"] != "vic")


def test_deleting_a_held_role_needs_force_and_says_who_loses_what(demo_file, capsys) -> None:
    code, _, err = run(capsys, demo_file, "ada", "roles", "delete", "Agent")
    assert code == 1 and "--force" in err and "who lose" in err and err.count("\n") == 1
    assert run(capsys, demo_file, "ada", "roles", "delete", "Agent", "--force")[0] == 0


def test_bytes_that_are_not_utf8_end_in_one_line(demo_file: str, capsys, monkeypatch) -> None:
    code, _, err = run(capsys, demo_file, "\udcff", "tickets", "list")
    assert code == 2 and err.count("\n") == 1 and "UTF-8" in err
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"ok \xff"), encoding="utf-8"))
    code, _, err = run(capsys, demo_file, "ada", "tickets", "reply", "1", "--body", "-")
    assert code == 2 and err.count("\n") == 1 and "UTF-8" in err


@pytest.mark.parametrize("option", ["--limit", "--offset"])
def test_numbers_past_64_bits_are_refused(demo_file: str, capsys, option: str) -> None:
    with pytest.raises(SystemExit) as exited:
        run(capsys, demo_file, "ada", "tickets", "list", option, "9" * 25)
    assert exited.value.code == 2
    assert "too large" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run(capsys, demo_file, "ada", "audit", "list", "--ticket", "9" * 25)


@pytest.mark.sqlite_only(reason="damaged pages of the file")
def test_a_damaged_page_is_one_line(demo_file: str, capsys) -> None:
    """The ticket table's pages damaged, the rest whole: the list fails in its read."""
    raw = sqlite3.connect(demo_file)
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = raw.execute("PRAGMA page_size").fetchone()[0]
    roots = [
        r
        for (r,) in raw.execute(
            "SELECT rootpage FROM sqlite_master WHERE tbl_name = 'ticket' AND rootpage > 0"
        )
    ]
    raw.close()
    with Path(demo_file).open("r+b") as damaged:
        for root in roots:
            damaged.seek(page_size * (root - 1))
            damaged.write(b"\xde\xad" * (page_size // 2))
    code, _, err = run(capsys, demo_file, "ada", "tickets", "list", "--limit", "500")
    assert code == 3 and err.count("\n") == 1 and "damaged" in err


def test_a_closed_pipe_ends_quietly(demo_file: str) -> None:
    """As `ticketty tickets list | head -1` once head has gone: the reader is closed first."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    command = [sys.executable, "-m", "ticketty", "--db", str(demo_file), "--user", "ada"]
    try:
        done = subprocess.run(
            [*command, "tickets", "list"], stdout=write_end, stderr=subprocess.PIPE, check=False
        )
    finally:
        os.close(write_end)
    assert done.stderr == b""
    assert done.returncode == 141


def test_json_escapes_c1_del_and_bidi(demo_file: str, capsys) -> None:
    hostile = "csi\x9b31m del\x7f rlo\u202e lri\u2066 end"
    Gate(connect(str(demo_file)), "ada").messages.reply(1, hostile)
    code, out, _ = run(capsys, demo_file, "ada", "tickets", "show", "1", "--json")
    assert code == 0
    assert not any(ch in out for ch in "\x9b\x7f\u202e\u2066")
    assert "\\u009b" in out and "\\u202e" in out
    assert hostile in json.dumps(json.loads(out), ensure_ascii=False)


async def test_ctrl_c_says_how_to_quit_in_plain_words(demo_file: str) -> None:
    app = make_app(demo_file, "ada")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+c")
        await settle(pilot)
        shown = list(app._notifications)[-1]
        assert shown.message == "Press ctrl+q to quit the app"
