"""`ticketty reports sla`: a month's SLA figures as a table, JSON and CSV, the same figures the
gate gives, names as they are; one's own with reports.own; bad input is one line."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

import pytest

from access import Gate
from store.models import Message, Person, Ticket
from tests.backends import connect
from tests.builders import judge_every_ticket
from tests.cli.test_cli import run


@pytest.fixture
def helpdesk(capsys, demo_copy: str) -> str:
    for args in (
        ("calendars", "add", "PL office", "--timezone", "Europe/Warsaw", "--hours",
         "mon-fri 08:00-16:00"),
        ("sla", "add", "Standard", "--calendar", "PL office", "--first-response", "4h",
         "--resolution", "3d"),
        ("groups", "rename", "Returns", "[red]Returns"),
    ):  # fmt: skip
        code, _, err = run(capsys, demo_copy, "ada", *args)
        assert (code, err) == (0, "")
    judge_every_ticket(demo_copy)
    return demo_copy


def test_json_csv_and_table_agree_with_the_gate(capsys, helpdesk: str) -> None:
    report = Gate(connect(helpdesk), "ada").reports.sla("2026-10")
    code, out, err = run(capsys, helpdesk, "ada", "reports", "sla", "--period", "2026-10", "--json")
    assert (code, err) == (0, "")
    given = json.loads(out)
    assert (given["period"], given["start"]) == ("2026-10", "2026-10-01 00:00:00")
    assert [tuple(r.values()) for r in given["rows"]] == [tuple(r) for r in report.rows]
    assert {r["by"] for r in given["rows"]} == {"agent", "usergroup", "source"}
    assert sum(r["first_response_met"] for r in given["rows"]) > 0

    code, out, _ = run(capsys, helpdesk, "ada", "reports", "sla", "--period", "2026-10", "--csv")
    header, *rows = list(csv.reader(io.StringIO(out)))
    assert code == 0 and header[:4] == ["period", "by", "name", "tickets"]
    assert [row[:4] for row in rows] == [
        ["2026-10", r.by, r.name, str(r.tickets)] for r in report.rows
    ]
    assert ["2026-10", "usergroup", "[red]Returns"] in [row[:3] for row in rows]

    code, out, _ = run(capsys, helpdesk, "ada", "reports", "sla", "--period", "2026-10")
    first = report.rows[0]
    line = out.splitlines()[2].split()
    met = first.first_response_met
    assert code == 0 and out.startswith("2026-10: verdicts given in the month")
    assert line[:3] == [first.by, first.name, str(first.tickets)]
    assert line[3] == f"{met}/{met + first.first_response_breached}"


def test_own_figures_and_refusals(capsys, helpdesk: str) -> None:
    code, out, _ = run(capsys, helpdesk, "ali", "reports", "sla", "--period", "2026-10", "--json")
    agents = [r["name"] for r in json.loads(out)["rows"] if r["by"] == "agent"]
    assert (code, agents) == (0, ["ali"])
    code, _, err = run(capsys, helpdesk, "vic", "reports", "sla")
    assert (code, err) == (1, "ticketty: vic lacks reports.own\n")
    code, out, err = run(capsys, helpdesk, "ada", "reports", "sla", "--period", "2026-13")
    assert (code, out) == (1, "")
    assert err == "ticketty: '2026-13' is not a month; write e.g. 2026-11\n"
    code, out, err = run(capsys, helpdesk, "ada", "reports", "sla", "--json", "--csv")
    assert (code, out, err) == (2, "", "ticketty: choose one of --json and --csv\n")


def test_next_responses_are_the_last_columns(capsys, demo_copy: str) -> None:
    for args in (
        ("calendars", "add", "Always", "--timezone", "UTC", "--hours", "mon-sun 00:00-24:00"),
        ("sla", "add", "Standard", "--calendar", "Always", "--first-response", "4h",
         "--next-response", "1h", "--resolution", "3d"),
    ):  # fmt: skip
        code, _, err = run(capsys, demo_copy, "ada", *args)
        assert (code, err) == (0, "")
    connect(demo_copy)
    ticket = Ticket.select().where(Ticket.status == "open").order_by(Ticket.number).first()
    ali = Person.get(Person.username == "ali").id
    start = datetime(2026, 10, 5, 8)  # the customer writes twice more: answered in 30
    Ticket.update(created_at=start).where(Ticket.number == ticket.number).execute()  # and 90 min
    Message.delete().where(Message.ticket == ticket.number).execute()
    for minutes, kind, author in (
        (0, "customer", ticket.requester_id),
        (10, "reply", ali),
        (20, "customer", ticket.requester_id),
        (50, "reply", ali),  # each reply judged as it comes (the clock gives the last only)
        (60, "customer", ticket.requester_id),
        (150, "reply", ali),
    ):
        Message.create(
            ticket=ticket.number,
            kind=kind,
            author=author,
            body="?",
            created_at=start + timedelta(minutes=minutes),
        )
        if kind == "reply":
            judge_every_ticket(demo_copy)
    report = Gate(connect(demo_copy), "ada").reports.sla("2026-10")
    ours = next(r for r in report.rows if (r.by, r.name) == ("agent", "ali"))
    assert ours[-4:] == (1, 1, 50.0, 60.0)

    code, out, _ = run(capsys, demo_copy, "ada", "reports", "sla", "--period", "2026-10", "--csv")
    header, *rows = list(csv.reader(io.StringIO(out)))
    assert code == 0 and header[-4:] == [
        "next_response_met",
        "next_response_breached",
        "next_response_met_percent",
        "median_next_response_minutes",
    ]
    assert ["agent", "ali", "1", "1", "50.0", "60.0"] in [row[1:3] + row[-4:] for row in rows]
    code, out, _ = run(capsys, demo_copy, "ada", "reports", "sla", "--period", "2026-10")
    lines = out.splitlines()
    assert lines[1].split("  ")[-2:] == ["next resp. met", "median next resp."]
    assert next(line for line in lines if line.startswith("agent") and " ali " in line).endswith(
        "1/2 (50.0%)     1h 00m"
    )
