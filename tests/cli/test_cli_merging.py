"""`ticketty tickets merge | link | split | cc` on a copy of the demo: what they print, their
refusals as one line with the exit code, and `tickets show` naming links and copies."""

from __future__ import annotations

import json

import pytest

from access import Gate
from access.views import TicketQuery
from cli.output import EXIT_REFUSED
from store.links import TicketLink
from tests.backends import connect
from ticketty.main import main

OPEN_WORK = TicketQuery(statuses=("new", "open", "pending"))


def run(capsys: pytest.CaptureFixture[str], db: str, user: str, *args: str) -> tuple[int, str, str]:
    code = main(["--db", db, "--user", user, *args])
    out, err = capsys.readouterr()
    return code, out, err


def two(demo_copy: str) -> tuple[int, int]:
    rows = Gate(connect(demo_copy), "tom").inbox.list_tickets(OPEN_WORK, limit=2)
    return rows[0].number, rows[1].number


def test_merge_dry_run_then_merge_then_show(
    demo_copy: str, capsys: pytest.CaptureFixture[str]
) -> None:
    kept, merged = two(demo_copy)
    code, out, _ = run(
        capsys, demo_copy, "tom", "tickets", "merge", str(merged), "--into", f"#{kept}", "--dry-run"
    )
    assert code == 0 and out.startswith(f"#{merged} into #{kept}: would move ")
    assert not TicketLink.select().where(TicketLink.ticket == merged).exists()
    code, out, _ = run(
        capsys, demo_copy, "tom", "tickets", "merge", str(merged), "--into", str(kept), "--json"
    )
    plan = json.loads(out)
    assert code == 0 and (plan["merged"], plan["into"], plan["dry_run"]) == (merged, kept, False)
    code, out, _ = run(capsys, demo_copy, "tom", "tickets", "show", str(merged))
    assert f"  {'Merged into':16} #{kept} " in out
    code, out, _ = run(capsys, demo_copy, "tom", "tickets", "show", str(kept), "--json")
    assert {"label": "merged from", "number": merged} == {
        k: v for k, v in json.loads(out)["links"][0].items() if k != "subject"
    }


def test_a_refused_merge_is_one_line_and_its_exit_code(
    demo_copy: str, capsys: pytest.CaptureFixture[str]
) -> None:
    kept, merged = two(demo_copy)
    code, out, err = run(
        capsys, demo_copy, "vic", "tickets", "merge", str(merged), "--into", str(kept)
    )
    assert code == EXIT_REFUSED and out == ""
    assert err.strip().count("\n") == 0 and "tickets.merge" in err
    code, _, err = run(capsys, demo_copy, "tom", "tickets", "merge", str(kept), "--into", str(kept))
    assert code != 0 and "cannot be merged into itself" in err


def test_link_split_and_cc(demo_copy: str, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = two(demo_copy)
    code, out, _ = run(
        capsys, demo_copy, "tom", "tickets", "link", str(first), str(second), "--kind", "parent"
    )
    assert (code, out.strip()) == (0, f"#{first} linked to #{second} (parent)")
    code, out, _ = run(capsys, demo_copy, "tom", "tickets", "show", str(second))
    assert f"  {'Child of':16} #{first} " in out
    with pytest.raises(SystemExit):
        run(capsys, demo_copy, "tom", "tickets", "link", str(first), str(second), "--kind", "x")
    assert "invalid choice" in capsys.readouterr().err
    run(capsys, demo_copy, "tom", "tickets", "note", str(first), "--body", "a second question")
    code, out, _ = run(capsys, demo_copy, "tom", "tickets", "show", str(first), "--json")
    message = json.loads(out)["messages"][-1]["id"]
    code, out, _ = run(capsys, demo_copy, "tom", "tickets", "split", str(first), str(message))
    new = int(out)
    assert code == 0 and new > max(first, second)
    code, out, _ = run(
        capsys, demo_copy, "tom", "tickets", "cc", str(first), "--add", "anna@customer.example"
    )
    assert (code, out.strip()) == (0, "anna@customer.example")
    code, out, _ = run(capsys, demo_copy, "tom", "tickets", "show", str(first))
    assert f"  {'Cc':16} anna@customer.example" in out
    code, _, err = run(
        capsys, demo_copy, "tom", "tickets", "cc", str(first), "--add", "x@y.example\nBcc: z@e.x"
    )
    assert code != 0 and "is not an e-mail address" in err
    code, out, _ = run(
        capsys, demo_copy, "tom", "tickets", "cc", str(first), "--remove", "anna@customer.example"
    )
    assert (code, out.strip()) == (0, "no copies")


def test_unlink_and_link_remove(demo_copy: str, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = two(demo_copy)
    tickets = ("tickets",)
    run(capsys, demo_copy, "tom", *tickets, "link", str(first), str(second), "--kind", "duplicate")
    run(capsys, demo_copy, "tom", *tickets, "link", str(first), str(second))
    code, out, err = run(capsys, demo_copy, "vic", *tickets, "unlink", str(first), str(second))
    assert code == EXIT_REFUSED and out == "" and err.strip().count("\n") == 0
    code, out, _ = run(
        capsys, demo_copy, "tom", *tickets, "link", str(first), str(second), "--remove",
        "--kind", "duplicate",
    )  # fmt: skip
    assert (code, out.strip()) == (0, f"#{first} unlinked from #{second} (duplicate)")
    code, out, _ = run(capsys, demo_copy, "tom", *tickets, "show", str(first))
    assert f"  {'Duplicate of':16} #{second} " not in out
    assert f"  {'Related to':16} #{second} " in out
    code, out, _ = run(capsys, demo_copy, "tom", *tickets, "unlink", f"#{second}", str(first))
    assert (code, out.strip()) == (0, f"#{second} unlinked from #{first} (related)")
    assert not TicketLink.select().where(TicketLink.ticket.in_([first, second])).exists()
    code, out, err = run(capsys, demo_copy, "tom", *tickets, "unlink", str(first), str(second))
    assert code == 0 and f"#{first} is not linked to #{second}" in out + err
