"""`ticketty notifications` and `ticketty tickets follow`: a change by one person is listed for
another, as a table and as JSON, read one by one or all; preferences shown and changed; a
mention of someone who cannot see the ticket refused in one line, nothing written."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli import run


@pytest.fixture
def helpdesk(demo_copy: str) -> str:
    return demo_copy


def listed(capsys, db: str, user: str, *extra: str) -> list[dict]:
    code, out, _ = run(capsys, db, user, "notifications", "list", "--json", *extra)
    assert code == 0
    return json.loads(out)


def a_ticket_of_allegro(capsys, db: str) -> int:
    code, out, _ = run(capsys, db, "ali", "tickets", "list", "--json", "--limit", "1")
    assert code == 0
    return int(json.loads(out)[0]["number"])


def test_an_assignment_is_listed_and_read(capsys, helpdesk: str) -> None:
    number = a_ticket_of_allegro(capsys, helpdesk)
    run(capsys, helpdesk, "ada", "tickets", "assign", str(number), "-")
    assert run(capsys, helpdesk, "ada", "tickets", "assign", str(number), "ola")[0] == 0
    (shown,) = listed(capsys, helpdesk, "ola")
    assert shown["what"] == f"ada assigned #{number} to you" and shown["read"] is False
    code, out, _ = run(capsys, helpdesk, "ola", "notifications", "list", "--unread")
    assert code == 0 and out.splitlines()[1].split()[3:7] == ["ada", "assigned", f"#{number}", "to"]
    code, out, _ = run(capsys, helpdesk, "ola", "notifications", "read", str(shown["id"]))
    assert (code, out) == (0, "1 marked read\n")
    assert listed(capsys, helpdesk, "ola", "--unread") == []
    code, _, err = run(capsys, helpdesk, "ola", "notifications", "read")
    assert code == 2 and "name notification ids, or --all" in err


def test_following_a_ticket_and_stopping(capsys, helpdesk: str) -> None:
    number = a_ticket_of_allegro(capsys, helpdesk)
    code, out, _ = run(capsys, helpdesk, "tom", "tickets", "follow", f"#{number}")
    assert (code, out) == (0, f"you follow #{number}\n")
    run(capsys, helpdesk, "ola", "tickets", "priority", str(number), "urgent")
    run(capsys, helpdesk, "ola", "tickets", "priority", str(number), "low")
    assert [n["what"] for n in listed(capsys, helpdesk, "tom")] == [
        f"ola changed #{number}, which you follow"
    ] * 2
    code, out, _ = run(capsys, helpdesk, "tom", "notifications", "read", "--all")
    assert (code, out) == (0, "2 marked read\n")
    code, out, _ = run(capsys, helpdesk, "tom", "tickets", "follow", str(number), "--stop")
    assert (code, out) == (0, f"you no longer follow #{number}\n")


def test_a_mention_of_someone_who_cannot_see_the_ticket_is_refused(capsys, helpdesk: str) -> None:
    code, out, _ = run(capsys, helpdesk, "tom", "tickets", "list", "--json", "--limit", "300")
    ali_sees = {
        t["number"]
        for t in json.loads(
            run(capsys, helpdesk, "ali", "tickets", "list", "--json", "--limit", "300")[1]
        )
    }
    hidden = next(t["number"] for t in json.loads(out) if t["number"] not in ali_sees)
    code, out, err = run(
        capsys, helpdesk, "tom", "tickets", "note", str(hidden), "--body", "@ali can you check?"
    )
    assert (code, out) == (1, "")
    assert err == f"ticketty: @ali cannot see #{hidden}; the note was not sent\n"
    code, out, _ = run(capsys, helpdesk, "tom", "tickets", "show", str(hidden), "--json")
    assert "@ali can you check?" not in out


def test_preferences_shown_and_changed(capsys, helpdesk: str) -> None:
    code, out, _ = run(
        capsys, helpdesk, "ola", "notifications", "prefs", "--event", "assigned",
        "--in-app", "off", "--mail", "always", "--quiet", "22:00-06:00", "--digest", "15",
        "--bell", "on",
    )  # fmt: skip
    assert code == 0
    assert out.splitlines()[1].split()[:3] == ["assigned", "off", "always"]
    assert "quiet hours: 22:00-06:00 UTC; mail digest: every 15 minutes" in out
    code, out, _ = run(capsys, helpdesk, "ola", "notifications", "prefs", "--json")
    prefs = json.loads(out)
    assert prefs["settings"]["bell"] == "on" and prefs["settings"]["digest_minutes"] == 15
    code, _, err = run(capsys, helpdesk, "ola", "notifications", "prefs", "--mail", "off")
    assert code == 2 and "--in-app and --mail need --event" in err
    code, _, err = run(capsys, helpdesk, "ola", "notifications", "prefs", "--quiet", "25:00-1")
    assert code != 0 and err.count("\n") == 1 and "not a time of day" in err


def test_following_a_source_is_listed_in_prefs_and_a_new_ticket_there_notifies(
    capsys, helpdesk: str
) -> None:
    code, out, _ = run(capsys, helpdesk, "ola", "notifications", "follow", "--source", "Phone")
    assert (code, out) == (0, "followed: new tickets there notify you\n")
    code, out, _ = run(capsys, helpdesk, "ola", "notifications", "prefs")
    assert code == 0 and "following new tickets in: source Phone" in out
    code, out, _ = run(capsys, helpdesk, "ola", "notifications", "prefs", "--json")
    assert json.loads(out)["following"] == [{"kind": "source", "name": "Phone"}]
    filed = ("tickets", "create", "--subject", "Call back", "--body", "Soon.", "--source", "Phone")
    assert run(capsys, helpdesk, "ada", *filed)[0] == 0
    assert listed(capsys, helpdesk, "ola")[0]["event"] == "new_ticket"
    code, _, err = run(capsys, helpdesk, "ali", "notifications", "follow", "--source", "Phone")
    assert code != 0 and err.strip().endswith("no source named 'Phone'")
    code, _, err = run(capsys, helpdesk, "ola", "notifications", "follow")
    assert code == 2 and "name --source or --group" in err
    stop = ("notifications", "follow", "--source", "Phone", "--stop")
    assert run(capsys, helpdesk, "ola", *stop)[:2] == (0, "no longer followed\n")
