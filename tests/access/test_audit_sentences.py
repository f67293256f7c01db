"""History reads as sentences: the ticket's history (`h`) and the audit log say what happened in
words ("tom replied: first line…", "ada assigned to tom (was ola)"), never as JSON; the audit
log keeps its ticket column at 120 columns and names a deleted role by the name it had."""

from __future__ import annotations

from datetime import datetime

import pytest
from textual.widgets import DataTable

from access import Gate
from access.demo import DEMO_NOW
from access.views import INBOX_DEFAULT, AuditView
from screens.audit_log import AuditLogScreen
from tests.backends import connect
from tests.tui_support import make_app, open_ticket, settle
from tui.audit_text import quoted, sentence
from tui.widgets import TextModal


def a_ticket_of_tom_and_ola(demo: str) -> int:
    """An open ticket ada, tom and ola may all work on, assigned to ola, then by ada to tom,
    who replies on two lines."""
    ada, tom = Gate(connect(demo), "ada"), Gate(connect(demo), "tom")
    number = next(
        row.number
        for row in tom.inbox.list_tickets(INBOX_DEFAULT, limit=50)
        if row.assignee not in ("ola", "tom")
    )
    ada.changes.assign(number, "ola")
    ada.changes.assign(number, "tom")
    tom.messages.reply(number, "Your parcel left today.\nTracking follows.")
    return number


async def test_the_history_of_a_ticket_reads_as_sentences(demo_copy: str) -> None:
    number = a_ticket_of_tom_and_ola(demo_copy)
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ticket(pilot, number)
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, TextModal)
        history = str(app.screen.text)
    assert "ada assigned to tom (was ola)" in history
    assert "tom replied: Your parcel left today.…" in history
    for raw in ('{"body"', "\\n", "ticket.reply", "ticket.assign"):
        assert raw not in history


async def test_the_audit_log_keeps_its_ticket_column_and_names_deleted_roles(
    demo_copy: str,
) -> None:
    ada = Gate(connect(demo_copy), "ada")
    number = a_ticket_of_tom_and_ola(demo_copy)
    ada.roles.create_role("Returns team", all_sources=False, ticket_scope="own")
    ada.roles.set_role_permissions("Returns team", {"tickets.list"})
    ada.roles.delete_role("Returns team")
    ada.groups.add_supervisor("Accounting", "tom")  # a long target: "usergroup Accounting"
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("o", *"Audit log", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AuditLogScreen)
        table = screen.query_one(DataTable)
        columns = list(table.columns.values())
        labels = [str(column.label) for column in columns]
        ticket = labels.index("Ticket")
        right_edge = sum(column.get_render_width(table) for column in columns[: ticket + 1])
        assert right_edge <= table.scrollable_content_region.width, "the Ticket column is cut"
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
    whats = [row[labels.index("What")] for row in rows]
    assert "ada changed role Returns team (deleted): added tickets.list" in whats
    assert "ada deleted role Returns team" in whats
    assert [row[ticket] for row in rows if "replied" in row[labels.index("What")]] == [f"#{number}"]
    assert not any("role " + str(n) in what for what in whats for n in range(1, 20))


def test_every_event_of_an_admins_day_reads_as_a_sentence(demo_copy: str) -> None:
    """Each kind of change an admin and an agent make, read back from the log: a sentence
    naming who did it, no JSON, no escaped newline, no action code."""
    ada = Gate(connect(demo_copy), "ada")
    a_ticket_of_tom_and_ola(demo_copy)
    number = ada.inbox.list_tickets(INBOX_DEFAULT, limit=1)[0].number
    ada.messages.note(number, "Called the courier.\nNo answer.")
    ada.changes.set_priority(number, "urgent")
    ada.changes.set_status(number, "pending")
    ada.roles.create_role("Night", all_sources=False, ticket_scope="own")
    ada.roles.set_role_scope("Night", all_sources=True, sources=(), ticket_scope="all")
    ada.roles.grant_role("mia", "Night")
    ada.roles.revoke_role("mia", "Night")
    ada.roles.rename_role("Night", "Nights")
    ada.groups.create_group("Night shift")
    ada.groups.add_member("Night shift", "tom")
    ada.groups.add_supervisor("Night shift", "ola")
    ada.groups.remove_member("Night shift", "tom")
    ada.groups.rename_group("Night shift", "Nights")
    ada.groups.delete_group("Nights")
    ada.people.add_person("zed", "Zed Zee")
    ada.people.edit_person("zed", email="zed@example.com")
    ada.people.set_active("zed", False)
    ada.sources.add_source("Fax", "phone")
    ada.sources.set_archived("Fax", True)
    ada.groups.define_field("VAT", "text")
    ada.groups.update_field("VAT", required=True)
    # The demo's own events (its tickets' status changes, its creation) are at DEMO_NOW or
    # before; the day's are now.
    events = [e for e in ada.audit.list_audit(limit=100) if e.at > DEMO_NOW]
    assert len({e.action for e in events}) >= 20
    for event in events:
        said = sentence(event)
        assert said.startswith(("ada ", "tom ")), (event.action, said)
        for raw in ("{", '"', "\\n", "\n", event.action):
            assert raw not in said, (event.action, said)


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ("One line", "One line"),
        ("First\nsecond", "First…"),
        ("  \nAfter a blank line", "After a blank line"),
        ("x" * 80, "x" * 59 + "…"),
    ],
)
def test_a_message_is_quoted_by_its_first_line(body: str, shown: str) -> None:
    assert quoted(body) == shown


def test_an_action_without_a_sentence_still_reads_as_words() -> None:
    event = AuditView(1, datetime(2026, 1, 1), "ada", "ticket.archive", "ticket", 7, 7, "", "")
    event = event._replace(before='{"into": 9}')
    assert sentence(event) == "ada ticket.archive 7: into 9"


def test_what_a_rule_did_and_what_it_was_refused_read_as_sentences(demo_copy: str) -> None:
    ada = Gate(connect(demo_copy), "ada")
    for name in ("Returns round-robin", "Refund triage", "Auto-close"):
        ada.rules.set_rule_active(name, False)
    ada.rules.create_rule(
        "Urgent care", on="priority", conditions=["priority=urgent"], actions=["note:Call them"]
    )
    ada.rules.create_rule(
        "To vic", on="priority", conditions=["priority=urgent"], actions=["assign:vic"]
    )
    number = ada.inbox.list_tickets(INBOX_DEFAULT, limit=1)[0].number
    ada.changes.set_priority(number, "low")
    ada.changes.set_priority(number, "urgent")
    said = [sentence(e) for e in ada.audit.list_audit(limit=20) if e.action.startswith("rule.")]
    assert "rule Urgent care (of ada) did: note" in said
    assert any(s.startswith("rule To vic skipped: ") for s in said), said
    for line in said:
        assert "{" not in line and '"' not in line, line
