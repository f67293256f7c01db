"""The command line's one-ticket and several-ticket forms of a change are one pipeline: the
same outcome is audited alike, and an assignment costs a fixed, small number of statements."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from access import Gate
from access.views import TicketQuery
from store.models import AuditEvent
from tests.backends import connect
from ticketty.main import main

# Statements of one assignment beyond opening the database, one ticket or several: the
# person's name, BEGIN, their grants, the assignee's, the tickets with every check, the UPDATE,
# the audit chain's head, the audit rows, the followers and their preferences and the
# notifications (`access.notify_events`), COMMIT, then the rules the change sets off.
ASSIGNMENT_STATEMENTS = 13


def run(capsys: pytest.CaptureFixture[str], db: str, user: str, *args: str) -> tuple[int, str, str]:
    code = main(["--db", db, "--user", user, *args])
    out, err = capsys.readouterr()
    return code, out, err


def _events(location: str, number: int) -> list[tuple[str, str, int | None, Any, Any]]:
    connect(location)
    query = AuditEvent.select().where(
        (AuditEvent.target_kind == "ticket") & (AuditEvent.target_id == number)
    )
    return [
        (e.action, e.target_kind, e.ticket, _value(e.before), _value(e.after))
        for e in query.order_by(AuditEvent.id)
    ]


def _value(stored: str) -> Any:
    """A value as the audit log stores it (JSON; empty when there is none)."""
    return json.loads(stored) if stored else None


def test_one_and_several_tickets_audit_a_refusal_alike(
    demo_copy: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    before = len(_events(demo_copy, 9))
    code, _, err = run(capsys, demo_copy, "vic", "tickets", "assign", "9", "tom")
    assert (code, err) == (1, "ticketty: vic lacks tickets.assign on ticket #9\n")
    code, out, _ = run(capsys, demo_copy, "vic", "tickets", "assign", "9", "287", "--to", "tom")
    assert code == 1 and out.splitlines()[1] == "  not in your scope to assign: #9 #287"
    one, several = _events(demo_copy, 9)[before:]
    assert one == several
    assert one[0] == "denied.ticket.assign" and one[4] == "vic lacks tickets.assign on ticket #9"


def test_one_and_several_tickets_audit_a_change_alike(
    demo_copy: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    before = len(_events(demo_copy, 9))
    assert run(capsys, demo_copy, "ada", "tickets", "assign", "9", "tom")[0] == 0
    assert run(capsys, demo_copy, "ada", "tickets", "assign", "9", "ola")[0] == 0
    assert run(capsys, demo_copy, "ada", "tickets", "assign", "9", "287", "--to", "tom")[0] == 0
    one, back, several = _events(demo_copy, 9)[before:]
    assert one[0] == several[0] == "ticket.assign"
    assert (one[1:3], one[4]) == (several[1:3], several[4]) == (("ticket", 9), "tom")
    assert (back[3], back[4], several[3]) == ("tom", "ola", "ola")


@contextmanager
def traced() -> Iterator[list[str]]:
    """Every statement SQLite runs on every connection opened inside the block.

    SQLite calls the trace again at each trigger program a statement runs, and Python hands it
    the statement's own text each time: a repeat of the statement just traced is its triggers
    (the tallies', `store.tallies`), not one more statement sent."""
    run: list[str] = []
    opened = sqlite3.connect

    def traced_once(text: str) -> None:
        if not run or run[-1] != text:
            run.append(text)

    def tracing(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection = opened(*args, **kwargs)
        connection.set_trace_callback(traced_once)
        return connection

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sqlite3, "connect", tracing)
        yield run


@pytest.fixture
def sqlite_demo(tmp_path: Path) -> str:
    """A demo SQLite file whatever the backend of the run: the count is SQLite's trace."""
    location = str(tmp_path / "demo.db")
    assert main(["demo", "--db", location, "--tickets", "300", "--seed", "7"]) == 0
    return location


def _assignable(location: str, count: int) -> list[str]:
    ola = Gate(connect(location), "ola")  # an agent on every source: may work on what she sees
    rows = ola.inbox.list_tickets(TicketQuery(statuses=("open",)), limit=100)
    return [str(r.number) for r in rows if r.assignee != "ola"][:count]


@pytest.mark.parametrize("count", [1, 2, 40])
def test_an_assignment_from_the_command_line_runs_few_statements(
    sqlite_demo: str, capsys: pytest.CaptureFixture[str], count: int
) -> None:
    numbers = _assignable(sqlite_demo, count)
    assert len(numbers) == count
    form = [*numbers, "ola"] if count == 1 else [*numbers, "--to", "ola"]
    with traced() as opening:
        connect(sqlite_demo).close()
    capsys.readouterr()
    with traced() as statements:
        done = run(capsys, sqlite_demo, "ada", "tickets", "assign", *form)
    assert done[0] == 0, done
    assert opening and statements[: len(opening)] == opening
    change = statements[len(opening) :]
    assert len(change) <= ASSIGNMENT_STATEMENTS, "\n".join(change)
    ada = Gate(connect(sqlite_demo), "ada")
    assert {ada.tickets.get_ticket(n).row.assignee for n in numbers} == {"ola"}
