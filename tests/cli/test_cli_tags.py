"""`ticketty tickets tag` and `ticketty tags`: tag and untag with a dry run, `tag:x` in a
listing whose tickets carry "tags", a view-only person refused, and the lock of the list."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from access import Gate
from tests.backends import connect
from ticketty.main import main


@pytest.fixture
def demo_file(new_demo: Callable[..., str]) -> str:
    return new_demo()


def run(capsys: pytest.CaptureFixture[str], db: str, user: str, *args: str) -> tuple[int, str, str]:
    code = main(["--db", db, "--user", user, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_tag_list_and_untag(demo_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    numbers = [str(r.number) for r in Gate(connect(demo_file), "ola").inbox.list_tickets(limit=2)]
    code, out, _ = run(capsys, demo_file, "ola", "tickets", "tag", *numbers, "Checked", "--dry-run")
    assert (code, out.splitlines()[0]) == (0, "tag checked: 2 will change")
    code, out, _ = run(capsys, demo_file, "ola", "tickets", "tag", *numbers, "checked")
    assert (code, out.strip()) == (0, "tag checked: 2 changed")
    code, out, _ = run(
        capsys, demo_file, "ola", "tickets", "list", "--search", "tag:checked", "--json"
    )
    listed = json.loads(out)
    assert sorted(str(t["number"]) for t in listed) == sorted(numbers)
    assert all("checked" in t["tags"] for t in listed)
    code, out, _ = run(capsys, demo_file, "ola", "tickets", "show", numbers[0])
    assert any(line.startswith("  tags ") and "checked" in line for line in out.splitlines())
    code, out, _ = run(
        capsys, demo_file, "ola", "tickets", "tag", numbers[0], "checked", "--remove"
    )
    assert (code, out.strip()) == (0, "remove tag checked: 1 changed")
    code, out, _ = run(capsys, demo_file, "ola", "tickets", "list", "--search", "tag:checked")
    assert [line.split()[0] for line in out.splitlines()[1:]] == [f"#{numbers[1]}"]


def test_a_view_only_person_is_refused(demo_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    number = str(Gate(connect(demo_file), "vic").inbox.list_tickets(limit=1)[0].number)
    code, out, _ = run(capsys, demo_file, "vic", "tickets", "tag", number, "refund")
    assert code == 1
    assert out.splitlines()[1] == f"  not in your scope to tag: #{number}"


def test_the_list_locked(demo_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    number = str(Gate(connect(demo_file), "ola").inbox.list_tickets(limit=1)[0].number)
    assert run(capsys, demo_file, "ada", "tags", "add", "parcel")[0] == 0
    assert run(capsys, demo_file, "ada", "tags", "lock")[0] == 0
    code, out, _ = run(capsys, demo_file, "ada", "tags", "list", "--json")
    listed = json.loads(out)
    assert "parcel" in listed["tags"] and listed["locked"] is True
    code, _, err = run(capsys, demo_file, "ola", "tickets", "tag", number, "other")
    assert code != 0
    assert err.strip() == "ticketty: the list of tags is locked and has no tag 'other'"
    code, _, err = run(capsys, demo_file, "ola", "tags", "unlock")
    assert err.strip() == "ticketty: ola lacks tags.edit"


def test_ticket_fields(demo_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    number = str(Gate(connect(demo_file), "ola").inbox.list_tickets(limit=1)[0].number)
    code, _, err = run(
        capsys, demo_file, "ola", "fields", "add", "Parcel number", "--on", "tickets"
    )
    assert (code, err.strip()) == (1, "ticketty: ola lacks fields.edit")
    assert (
        run(capsys, demo_file, "ada", "fields", "add", "Parcel number", "--on", "tickets")[0] == 0
    )
    code, out, _ = run(capsys, demo_file, "ola", "tickets", "field", number, "Parcel number", "77")
    assert (code, out.strip()) == (0, "set Parcel number = 77: 1 changed")
    code, out, _ = run(
        capsys,
        demo_file,
        "ola",
        "tickets",
        "list",
        "--search",
        'field:"Parcel number"=77',
        "--json",
    )
    assert [str(t["number"]) for t in json.loads(out)] == [number]
    code, out, _ = run(capsys, demo_file, "ola", "tickets", "show", number, "--json")
    assert json.loads(out)["fields"] == {"Order number": "", "Parcel number": "77"}
    code, out, _ = run(capsys, demo_file, "vic", "tickets", "field", number, "Parcel number", "1")
    assert code == 1 and "not in your scope to set the fields of" in out


def test_views_add_list_remove(demo_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, demo_file, "ola", "views", "add", "Mine", "--mine", "--share-role", "Agent"
    )
    assert (code, err.strip()) == (1, "ticketty: ola lacks views.share")
    args = ["--status", "open", "--group", "Returns", "--priority", "urgent"]
    code, _, _ = run(
        capsys, demo_file, "ada", "views", "add", "Urgent returns", *args, "--share-role", "Agent"
    )
    assert code == 0
    assert run(capsys, demo_file, "ola", "views", "add", "Mine", "--mine")[0] == 0
    code, out, _ = run(capsys, demo_file, "ola", "views", "list", "--json")
    listed = {v["name"]: v for v in json.loads(out)}
    ola = Gate(connect(demo_file), "ola")
    counts = {v.name: ola.inbox.count_tickets(v.query) for v in ola.views.list_views()}
    assert {name: v["tickets"] for name, v in listed.items()} == counts
    assert not any(v["tickets_at_least"] for v in listed.values())
    assert listed["Mine"]["key"] == 1 and listed["Urgent returns"]["shared_with"] == "role Agent"
    assert listed["Urgent returns"]["query"]["priorities"] == ["urgent"]
    code, out, _ = run(capsys, demo_file, "vic", "views", "list", "--json")
    assert "Urgent returns" not in {v["name"] for v in json.loads(out)}
    assert run(capsys, demo_file, "ola", "views", "remove", "Mine")[0] == 0
    code, out, _ = run(capsys, demo_file, "ola", "views", "list")
    assert "Mine" not in out and "Urgent returns" in out


def test_a_view_of_a_common_word_is_listed_as_a_lower_bound(
    demo_file: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("access.saved_views.WORDS_COUNTED", 5)
    # As when the index cannot count it exactly (too many tickets' scope changed since their
    # documents were written on SQLite, since the bitsets were read on PostgreSQL).
    monkeypatch.setattr("access.word_counts.STALE_BOUND", -1)
    monkeypatch.setattr("access.pg_word_counts.CHANGED_BOUND", -1)
    assert run(capsys, demo_file, "ada", "views", "add", "Parcels", "--search", "parcel")[0] == 0
    _, out, _ = run(capsys, demo_file, "ada", "views", "list", "--json")
    (parcels,) = [v for v in json.loads(out) if v["name"] == "Parcels"]
    assert (parcels["tickets"], parcels["tickets_at_least"]) == (5, True)
    _, out, _ = run(capsys, demo_file, "ada", "views", "list")
    assert "Parcels" in out and " 5+ " in out
    monkeypatch.undo()  # counted whole (exactly from the scope tokens or the bitsets)
    _, out, _ = run(capsys, demo_file, "ada", "views", "list", "--json")
    (parcels,) = [v for v in json.loads(out) if v["name"] == "Parcels"]
    assert parcels["tickets"] > 5 and parcels["tickets_at_least"] is False
