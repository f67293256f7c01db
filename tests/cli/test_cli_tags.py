"""`ticketty tickets tag` and `ticketty tags`: tag and untag with a dry run, `tag:x` in a
listing whose tickets carry "tags", a view-only person refused, and the lock of the list."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from access import Gate
from store.db import connect
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
    code, out, _ = run(capsys, demo_file, "ola", "tickets", "tag", *numbers, "Refund", "--dry-run")
    assert (code, out.splitlines()[0]) == (0, "tag refund: 2 will change")
    code, out, _ = run(capsys, demo_file, "ola", "tickets", "tag", *numbers, "refund")
    assert (code, out.strip()) == (0, "tag refund: 2 changed")
    code, out, _ = run(
        capsys, demo_file, "ola", "tickets", "list", "--search", "tag:refund", "--json"
    )
    listed = json.loads(out)
    assert sorted(str(t["number"]) for t in listed) == sorted(numbers)
    assert all(t["tags"] == ["refund"] for t in listed)
    code, out, _ = run(capsys, demo_file, "ola", "tickets", "show", numbers[0])
    assert "  tags             refund" in out.splitlines()
    code, out, _ = run(capsys, demo_file, "ola", "tickets", "tag", numbers[0], "refund", "--remove")
    assert (code, out.strip()) == (0, "remove tag refund: 1 changed")
    code, out, _ = run(capsys, demo_file, "ola", "tickets", "list", "--search", "tag:refund")
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
    assert json.loads(out) == {"tags": ["parcel"], "locked": True}
    code, _, err = run(capsys, demo_file, "ola", "tickets", "tag", number, "other")
    assert code != 0
    assert err.strip() == "ticketty: the list of tags is locked and has no tag 'other'"
    code, _, err = run(capsys, demo_file, "ola", "tags", "unlock")
    assert err.strip() == "ticketty: ola lacks tags.edit"
