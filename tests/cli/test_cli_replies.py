"""`ticketty replies` and `tickets reply --canned/--status`: canned replies added, listed,
edited and removed; an unknown variable is one line that changes nothing; a canned reply sent
filled for the ticket, with more text after it; a reply that sets the status in the same go,
refused whole when the status may not be set."""

from __future__ import annotations

import json

from access import Gate
from store.models import AuditEvent, Message, Ticket, Usergroup
from tests.backends import connect
from tests.cli.test_cli import run


def returns_ticket(db: str) -> Ticket:
    connect(db)
    returns = Usergroup.get(Usergroup.name == "Returns").id
    return (
        Ticket.select()
        .where((Ticket.usergroup == returns) & Ticket.status.in_(["new", "open"]))
        .order_by(Ticket.number)
        .first()
    )


def test_add_list_edit_remove(capsys, demo_copy: str) -> None:
    code, out, err = run(
        capsys, demo_copy, "ada", "replies", "add", "Thanks", "--body",
        "Thank you, {{requester.first_name}}!", "--group", "Returns",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out == "added canned reply Thanks (in every source; Returns)\n"
    code, out, err = run(
        capsys, demo_copy, "ada", "replies", "add", "Typo", "--body", "Hi {{agent.nmae}}"
    )
    assert code == 1 and out == ""
    assert err.startswith("ticketty: unknown variable {{agent.nmae}} in the canned reply; known:")
    assert err.count("\n") == 1
    code, out, _ = run(capsys, demo_copy, "ada", "replies", "edit", "Thanks", "--any-group")
    assert (code, out) == (0, "changed canned reply Thanks (in every source; every usergroup)\n")
    code, out, _ = run(capsys, demo_copy, "ada", "replies", "list", "--json")
    listed = {r["name"]: r for r in json.loads(out)}
    assert "Typo" not in listed
    assert listed["Thanks"]["usergroups"] == [] and listed["Thanks"]["version"] == 2
    assert listed["Zwrot zatwierdzony"]["sources"] == ["Allegro PL"]
    code, out, _ = run(capsys, demo_copy, "ada", "replies", "remove", "Thanks")
    assert (code, out) == (0, "deleted canned reply Thanks\n")
    code, _, err = run(capsys, demo_copy, "tom", "replies", "list")
    assert code != 0 and "lacks replies.list" in err


def test_reply_with_a_canned_reply_and_a_status(capsys, demo_copy: str) -> None:
    ticket = returns_ticket(demo_copy)
    code, _, err = run(
        capsys, demo_copy, "tom", "tickets", "reply", str(ticket.number), "--canned",
        "Return label", "--body", "PS: keep the receipt.", "--status", "pending",
    )  # fmt: skip
    assert code == 0, err
    connect(demo_copy)
    last = Message.select().where(Message.ticket == ticket.number).order_by(Message.id.desc())
    body = last.first().body
    assert body.startswith("Hello ") and "ul. Wielicka 28" in body and "Tom Schulz" in body
    assert body.endswith("\n\nPS: keep the receipt.")
    assert Ticket.get_by_id(ticket.number).status == "pending"
    code, _, err = run(capsys, demo_copy, "tom", "tickets", "reply", str(ticket.number))
    assert code == 2 and "give --body, --canned or both" in err


def test_a_status_the_person_may_not_set_refuses_the_reply_too(capsys, demo_copy: str) -> None:
    ticket = returns_ticket(demo_copy)
    ada = Gate(connect(demo_copy), "ada")
    ada.roles.create_role("Replies only", ["tickets.list", "tickets.view", "tickets.reply"])
    ada.people.add_person("rex", "Rex Reply")
    ada.roles.grant_role("rex", "Replies only")
    messages = Message.select().where(Message.ticket == ticket.number).count()
    code, _, err = run(
        capsys, demo_copy, "rex", "tickets", "reply", str(ticket.number), "--body", "Done",
        "--status", "resolved",
    )  # fmt: skip
    assert code == 1 and "lacks tickets.change_status" in err
    connect(demo_copy)
    assert Message.select().where(Message.ticket == ticket.number).count() == messages
    refusal = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    assert refusal.action == "denied.ticket.status" and refusal.target_id == ticket.number


def test_macros_add_list_and_apply_with_a_dry_run_first(capsys, demo_copy: str) -> None:
    code, out, err = run(
        capsys, demo_copy, "ada", "macros", "add", "Solve quietly", "--step", "status:resolved",
        "--step", "priority:low", "--step", "note:Solved by {{agent.name}}",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out.startswith("added macro Solve quietly: status:resolved, priority:low, note:")
    code, _, err = run(capsys, demo_copy, "ada", "macros", "add", "Bad", "--step", "status:done")
    assert code == 1 and err.startswith("ticketty: unknown status 'done'")
    code, out, _ = run(capsys, demo_copy, "tom", "macros", "list", "--json")
    assert {m["name"] for m in json.loads(out)} == {
        "Refund done",
        "Ask for the order number",
        "Wrong item: resend",
        "Zwrot zatwierdzony",
        "Solve quietly",
    }
    number = returns_ticket(demo_copy).number
    Ticket.update(priority="normal").where(Ticket.number == number).execute()
    code, out, _ = run(
        capsys, demo_copy, "tom", "tickets", "macro", "Solve quietly", str(number), "999999",
        "--dry-run", "--json",
    )  # fmt: skip
    preview = json.loads(out)
    assert code == 1 and preview["applied"] is False
    assert preview["tickets"]["999999"][0] == {"step": "status resolved", "skipped": "not found"}
    assert [s["changed"] for s in preview["steps"]] == [[number]] * 3
    connect(demo_copy)
    assert Ticket.get_by_id(number).status != "resolved"
    code, out, _ = run(capsys, demo_copy, "tom", "tickets", "macro", "Solve quietly", str(number))
    assert code == 0
    assert out.splitlines() == [
        "macro Solve quietly",
        "  status resolved: 1 changed",
        "  priority low: 1 changed",
        "  note Solved by {{agent.name}}: 1 changed",
    ]
    connect(demo_copy)
    assert (Ticket.get_by_id(number).status, Ticket.get_by_id(number).priority) == (
        "resolved",
        "low",
    )
    note = Message.select().where(Message.ticket == number).order_by(Message.id.desc()).first()
    assert note.body == "Solved by Tom Schulz"
    code, out, _ = run(capsys, demo_copy, "ada", "macros", "delete", "Solve quietly")
    assert (code, out) == (0, "deleted macro Solve quietly\n")


def test_macros_and_replies_edited_copied_and_deleted(capsys, demo_copy: str) -> None:
    code, out, err = run(
        capsys, demo_copy, "ada", "macros", "edit", "Refund done",
        "--step", "reply:Refund approved", "--step", "tag:refund", "--step", "status:resolved",
        "--source", "Allegro PL",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out == "changed macro Refund done: reply:Refund approved, tag:refund, status:resolved\n"
    code, out, _ = run(capsys, demo_copy, "ada", "macros", "copy", "Refund done", "Refund 2")
    assert (code, out) == (0, "copied macro Refund done to Refund 2\n")
    code, out, _ = run(capsys, demo_copy, "ada", "macros", "list", "--json")
    copied = next(m for m in json.loads(out) if m["name"] == "Refund 2")
    assert copied["steps"][1] == "tag:refund" and copied["sources"] == ["Allegro PL"]
    code, out, err = run(capsys, demo_copy, "ada", "macros", "edit", "Refund 2", "--any-source")
    assert code == 0 and "changed macro Refund 2" in out
    code, _, err = run(capsys, demo_copy, "ada", "macros", "edit", "Refund 2", "--step", "x:y")
    assert code == 1 and err.startswith("ticketty: unknown step 'x'") and err.count("\n") == 1
    assert run(capsys, demo_copy, "ada", "macros", "remove", "Refund 2")[0] == 0
    code, out, _ = run(capsys, demo_copy, "ada", "replies", "copy", "Return label", "Label 2")
    said = "copied canned reply Return label to Label 2 (in every source; Returns)\n"
    assert (code, out) == (0, said)
    code, out, _ = run(capsys, demo_copy, "ada", "replies", "delete", "Label 2")
    assert (code, out) == (0, "deleted canned reply Label 2\n")
    code, _, err = run(capsys, demo_copy, "tom", "macros", "delete", "Refund done")
    assert code != 0 and "lacks macros.edit" in err and err.count("\n") == 1
