"""The command line's changes to several tickets: `--to`, `--dry-run`, the outcome per reason,
and the one-ticket forms as before."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest

from access import Gate
from access.views import TicketQuery
from tests.backends import connect
from ticketty.main import main


@pytest.fixture
def demo_file(new_location: Callable[..., str]) -> str:
    location = new_location("demo.db")
    assert main(["demo", "--db", location, "--tickets", "200", "--seed", "7"]) == 0
    return location


def run(capsys: pytest.CaptureFixture[str], db: str, user: str, *args: str) -> tuple[int, str, str]:
    code = main(["--db", db, "--user", user, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_bulk_assign_dry_run_then_apply(demo_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    sam = Gate(connect(demo_file), "sam")
    open_work = sam.inbox.list_tickets(TicketQuery(statuses=("new", "open")), limit=50)
    mine = [r.number for r in open_work if r.assignee != "tom"][:3]
    hidden = next(
        r.number
        for r in Gate(connect(demo_file), "ada").inbox.list_tickets(limit=200)
        if r.number not in {x.number for x in sam.inbox.list_tickets(limit=500)}
    )
    numbers = [str(n) for n in [*mine, hidden]]
    code, out, _ = run(
        capsys, demo_file, "sam", "tickets", "assign", *numbers, "--to", "tom", "--dry-run"
    )
    assert code == 1
    assert out.splitlines()[0] == "assign to tom: 3 will change, 1 will be skipped: 1 not found"
    assert {sam.tickets.get_ticket(n).row.assignee for n in mine} != {"tom"}
    code, out, _ = run(
        capsys, demo_file, "sam", "tickets", "assign", *numbers, "--to", "tom", "--json"
    )
    result = json.loads(out)
    assert (code, result["changed"], result["skipped"]) == (1, mine, {"not found": [hidden]})
    assert {sam.tickets.get_ticket(n).row.assignee for n in mine} == {"tom"}


def test_bulk_status_close_and_priority(demo_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    ada = Gate(connect(demo_file), "ada")
    rows = ada.inbox.list_tickets(TicketQuery(statuses=("open",)), limit=3)
    numbers = [str(r.number) for r in rows]
    assert run(capsys, demo_file, "ada", "tickets", "priority", *numbers, "--to", "urgent")[0] == 0
    assert {ada.tickets.get_ticket(r.number).row.priority for r in rows} == {"urgent"}
    assert run(capsys, demo_file, "ada", "tickets", "priority", numbers[0], "low")[0] == 0
    assert ada.tickets.get_ticket(rows[0].number).row.priority == "low"
    code, out, _ = run(capsys, demo_file, "ada", "tickets", "status", *numbers, "--to", "open")
    assert code == 0 and out.startswith("status open: 0 changed, 3 skipped: 3 already open")
    assert run(capsys, demo_file, "ada", "tickets", "close", *numbers)[0] == 0
    assert {ada.tickets.get_ticket(r.number).row.status for r in rows} == {"closed"}


def test_one_ticket_forms_keep_working(demo_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    ada = Gate(connect(demo_file), "ada")
    number = str(ada.inbox.list_tickets(limit=1)[0].number)
    assert run(capsys, demo_file, "ada", "tickets", "assign", number, "ola") == (0, "", "")
    assert run(capsys, demo_file, "ada", "tickets", "move", number, "none") == (0, "", "")
    code, _, err = run(capsys, demo_file, "ada", "tickets", "assign", number)
    assert code == 2 and "NUMBER VALUE" in err
    code, _, err = run(capsys, demo_file, "vic", "tickets", "close", number)
    assert code == 1 and err.startswith("ticketty: vic lacks tickets.close")


def test_workload_over_a_period_in_the_apps_units(
    demo_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    code, out, _ = run(capsys, demo_file, "ada", "reports", "workload", "--days", "365")
    assert code == 0 and "replies 365d" in out.splitlines()[0]
    assert any(re.search(r"\d+h \d\dm|\d+m$", line) for line in out.splitlines()[1:])
    code, out, _ = run(capsys, demo_file, "ada", "reports", "workload", "--days", "365", "--json")
    assert {r["days"] for r in json.loads(out)} == {365}
    code, _, err = run(capsys, demo_file, "ada", "reports", "workload", "--days", "0")
    assert code == 1 and err == "ticketty: the period is 1 to 3660 days\n"


def test_list_refuses_an_unknown_assignee_and_says_when_there_are_more(
    demo_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    code, out, err = run(capsys, demo_file, "ada", "tickets", "list", "--assignee", "ghost")
    assert (code, out, err) == (1, "", "ticketty: no person named 'ghost'\n")
    code, out, err = run(capsys, demo_file, "ada", "tickets", "list")
    assert code == 0 and len(out.splitlines()) == 51
    assert re.fullmatch(r"ticketty: rows 1-50 of \d+; --offset and --limit show others\n", err)
    with pytest.raises(SystemExit) as refused:
        main(["--db", demo_file, "tickets", "list", "--status", "finished"])
    err = capsys.readouterr().err
    assert refused.value.code == 2 and "invalid choice: 'finished'" in err and "'pending'" in err


def test_help_describes_the_commands_and_their_values(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["tickets", "--help"])
    out = capsys.readouterr().out
    assert "the tickets you may see" in out and "file a ticket" in out
    with pytest.raises(SystemExit):
        main(["tickets", "priority", "--help"])
    out = capsys.readouterr().out
    assert "Values: low, normal, high, urgent." in " ".join(out.split())
