"""`ticketty rules`, `people away` and `groups assignment`: add rules and list them in order as a
table and as JSON, move, disable, enable, take over and delete them, test one on past tickets
without writing, run the time rules once; bad input is one line and changes nothing; a person
without the right is refused."""

from __future__ import annotations

import json

import pytest

from store.models import AuditEvent, Ticket
from tests.backends import connect
from tests.cli.test_cli import run


def listed(capsys, db: str, user: str = "ada") -> list[dict]:
    code, out, _ = run(capsys, db, user, "rules", "list", "--json")
    assert code == 0
    return json.loads(out)


def test_the_demo_rules_are_listed_in_order(capsys, demo_copy: str) -> None:
    code, out, err = run(capsys, demo_copy, "vic", "rules", "list")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == ["#", "rule", "owner", "when", "if", "then", "active"]
    assert "Returns round-robin  ada    on created  group=Returns" in lines[1]
    assert "every 60m" in lines[3] and "status=resolved idle=7d" in lines[3]


def test_add_move_disable_enable_take_and_delete(capsys, demo_copy: str) -> None:
    code, out, err = run(
        capsys, demo_copy, "ada", "rules", "add", "Urgent words", "--on", "created",
        "--if", "words=broken,dead", "--if", "group=Returns", "--then", "priority:urgent",
        "--then", "note:[bold]look[/bold]",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out == (
        "added rule Urgent words at 4: on created if words=broken,dead group=Returns then "
        "priority:urgent note:[bold]look[/bold]\n"
    )
    code, out, _ = run(capsys, demo_copy, "ada", "rules", "move", "Urgent words", "1")
    assert out.startswith("order: 1. Urgent words, 2. Returns round-robin")
    assert run(capsys, demo_copy, "ada", "rules", "disable", "Urgent words")[1] == (
        "disabled rule Urgent words\n"
    )
    assert listed(capsys, demo_copy)[0]["active"] is False
    run(capsys, demo_copy, "ada", "rules", "enable", "Urgent words")
    assert listed(capsys, demo_copy)[0]["active"] is True
    code, out, err = run(capsys, demo_copy, "ada", "people", "grant", "ola", "Administrator")
    assert code == 0
    code, out, _ = run(capsys, demo_copy, "ola", "rules", "take", "Urgent words")
    assert out == "rule Urgent words now acts as ola\n"
    code, out, _ = run(capsys, demo_copy, "ada", "rules", "remove", "Urgent words")
    assert (code, out) == (0, "deleted rule Urgent words\n")
    assert [r["name"] for r in listed(capsys, demo_copy)] == [
        "Returns round-robin",
        "Refund triage",
        "Auto-close",
    ]


def test_a_new_ticket_is_handled_by_the_demo_rules(capsys, demo_copy: str) -> None:
    code, _, err = run(
        capsys, demo_copy, "ada", "tickets", "create", "--subject", "Refund please",
        "--body", "I want a refund", "--group", "Returns",
    )  # fmt: skip
    assert (code, err) == (0, "")
    connect(demo_copy)
    ticket = Ticket.select().order_by(Ticket.number.desc()).first()
    assert (ticket.assignee.username, ticket.priority) == ("tom", "high")
    done = AuditEvent.select().where(
        (AuditEvent.ticket == ticket.number) & (AuditEvent.action == "rule.acted")
    )
    assert [json.loads(e.after)["rule"] for e in done] == ["Returns round-robin", "Refund triage"]


def test_testing_a_rule_writes_nothing(capsys, demo_copy: str) -> None:
    connect(demo_copy)
    events = AuditEvent.select().count()
    code, out, err = run(capsys, demo_copy, "ada", "rules", "test", "Auto-close", "--json")
    assert (code, err) == (0, "")
    tried = json.loads(out)
    assert tried and all(t["would"] == ["status:closed"] for t in tried)
    code, out, _ = run(
        capsys, demo_copy, "ada", "rules", "try", "Returns round-robin", "--since", "366d"
    )
    assert out.endswith("ticket(s) would have matched; nothing was changed\n")
    connect(demo_copy)
    assert AuditEvent.select().count() == events
    code, out, _ = run(capsys, demo_copy, "ada", "rules", "run")
    assert out == f"time rules tried on {len(tried)} ticket(s)\n"
    connect(demo_copy)
    assert (
        Ticket.select()
        .where(Ticket.number.in_([t["number"] for t in tried]))
        .where(Ticket.status != "closed")
        .count()
        == 0
    )


def test_away_and_the_groups_assignment(capsys, demo_copy: str) -> None:
    assert run(capsys, demo_copy, "tom", "people", "away")[1] == "you: away\n"
    code, out, _ = run(capsys, demo_copy, "ada", "groups", "assignment", "Returns", "--cap", "5")
    assert code == 0 and out.startswith("Returns: round-robin, 5\n")
    assert "tom" in out and "away" in out
    code, _, err = run(capsys, demo_copy, "tom", "people", "away", "ola")
    assert (code, err) == (1, "ticketty: tom lacks people.edit\n")
    assert run(capsys, demo_copy, "ada", "people", "away", "tom", "--back")[1] == "tom: back\n"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--on", "created"], "a rule needs at least one action"),
        (["--then", "priority:high"], "say when the rule runs"),
        (["--on", "created", "--if", "group=Nowhere", "--then", "priority:high"],
         "no usergroup named 'Nowhere'"),
        (["--every", "soon", "--if", "status=resolved", "--if", "idle=7d",
          "--then", "status:closed"], "not a span of time"),
    ],
)  # fmt: skip
def test_bad_rules_are_one_line_and_change_nothing(capsys, demo_copy: str, args, says) -> None:
    code, out, err = run(capsys, demo_copy, "ada", "rules", "add", "Bad", *args)
    assert code != 0 and out == "" and says in err and err.count("\n") == 1
    assert len(listed(capsys, demo_copy)) == 3


def test_a_person_without_the_right_is_refused(capsys, demo_copy: str) -> None:
    code, _, err = run(
        capsys,
        demo_copy,
        "vic",
        "rules",
        "add",
        "Mine",
        "--on",
        "created",
        "--then",
        "priority:high",
    )
    assert (code, err) == (1, "ticketty: vic lacks rules.edit\n")
    code, _, err = run(capsys, demo_copy, "ali", "rules", "list")
    assert (code, err) == (1, "ticketty: ali lacks rules.list\n")
