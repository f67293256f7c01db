"""The gate's own boundary: every public method checks its right. Each one is called, with
plausible arguments, on the demo helpdesk as a person holding no role at all (in no group,
requester of nothing), and answers with a refusal or with nothing, having written nothing, on
either backend. The table of calls names every public method: a method added to the gate
without an entry here fails `test_the_table_names_every_public_method`."""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import peewee
import pytest

import access.gate as gate_module
from access import Gate, NotFound, PermissionDenied
from access.catalogue import PERMISSIONS, SOURCES_EDIT, SOURCES_LIST, TICKETS_VIEW
from access.grants import Grants, read_grants
from access.mail.accounts import parse_url, password_variable
from access.views import BulkOutcome, TicketQuery
from store import models
from store.models import (
    Attachment,
    AuditEvent,
    Message,
    OutboxItem,
    Person,
    QuarantinedMail,
    Source,
    Ticket,
)
from store.rows import tuple_rows
from tests import builders
from tests.mail_servers import PASSWORD, Dovecot, Smtp

MAILBOX = "support@shop.example"


@dataclass
class Demo:
    """What the calls name: the demo's e-mail source, a customer's ticket of it with a reply
    the team sent by mail and an attachment, a quarantined message, the customer, and the
    person without rights who makes the calls."""

    source: Source
    ticket: int
    reply: int
    attachment: int
    quarantined: int
    requester: str
    nobody: str
    said: list[str] = field(default_factory=list)

    def mail(self, n: int = 1) -> bytes:
        """A message from the customer answering their ticket (the `n`th: its Message-ID)."""
        return (
            f"From: {self.requester}@customer.example\r\nTo: {MAILBOX}\r\n"
            f"Subject: Re: [#{self.ticket}] still waiting\r\n"
            f"Message-ID: <probe-{n}@customer.example>\r\n\r\nAny news?\r\n"
        ).encode()


Call = Callable[[Gate, Demo], object]
# What a call must end in: one of these refusals, or an answer that tells nothing.
Expected = type[Exception] | Callable[[Any], bool]


def empty(answer: object) -> bool:
    return answer in (None, 0, False, [], {}, (), frozenset())


def refused(error: type[Exception] = PermissionDenied) -> type[Exception]:
    return error


def skipped_as_missing(outcome: BulkOutcome) -> bool:
    """A bulk change that changed nothing and says of each ticket only that there is none."""
    return not outcome.changed and [reason for reason, _numbers in outcome.skipped] == ["not found"]


# Each public method of the gate: how it is called, and what a person without rights gets.
CALLS: dict[str, tuple[Call, Expected]] = {
    # The person themselves: what they hold (nothing), and where the change feed starts.
    "grants": (lambda g, d: g.grants(), lambda grants: not grants.permissions),
    "holds": (lambda g, d: g.holds(TICKETS_VIEW), empty),
    "capabilities": (lambda g, d: g.capabilities(), empty),
    "last_change": (lambda g, d: g.last_change(), lambda newest: isinstance(newest, int)),
    "my_drafts": (lambda g, d: g.my_drafts(), empty),
    "others_present": (lambda g, d: g.others_present(), empty),
    "new_ticket_options": (
        lambda g, d: g.new_ticket_options(),
        lambda offered: not any(v for k, v in offered.items() if k != "priorities"),
    ),
    # Tickets.
    "list_tickets": (lambda g, d: g.list_tickets(TicketQuery()), empty),
    "count_tickets": (lambda g, d: g.count_tickets(TicketQuery()), empty),
    "group_counts": (lambda g, d: g.group_counts(TicketQuery()), empty),
    "ticket_position": (lambda g, d: g.ticket_position(TicketQuery(), d.ticket), empty),
    "get_ticket": (lambda g, d: g.get_ticket(d.ticket), refused(NotFound)),
    "allowed_on": (lambda g, d: g.allowed_on(d.ticket), refused(NotFound)),
    "ticket_history": (lambda g, d: g.ticket_history(d.ticket), refused()),
    "attachment": (lambda g, d: g.attachment(d.ticket, d.attachment), refused(NotFound)),
    "reply_route": (lambda g, d: g.reply_route(d.ticket), refused(NotFound)),
    "explain_ticket": (lambda g, d: g.explain_ticket(d.ticket), refused(NotFound)),
    "create_ticket": (lambda g, d: g.create_ticket("Help", "Please"), refused()),
    "reply": (lambda g, d: g.reply(d.ticket, "Done"), refused(NotFound)),
    "note": (lambda g, d: g.note(d.ticket, "Internal"), refused(NotFound)),
    "resend": (lambda g, d: g.resend(d.ticket, d.reply), refused(NotFound)),
    "take": (lambda g, d: g.take(d.ticket), refused(NotFound)),
    "assign": (lambda g, d: g.assign(d.ticket, "sam"), refused(NotFound)),
    "move": (lambda g, d: g.move(d.ticket, "Accounting"), refused(NotFound)),
    "set_status": (lambda g, d: g.set_status(d.ticket, "pending"), refused(NotFound)),
    "set_priority": (lambda g, d: g.set_priority(d.ticket, "urgent"), refused(NotFound)),
    "close": (lambda g, d: g.close(d.ticket), refused(NotFound)),
    "delete_ticket": (lambda g, d: g.delete_ticket(d.ticket), refused(NotFound)),
    "plan_bulk": (lambda g, d: g.plan_bulk("close", [d.ticket]), skipped_as_missing),
    "apply_bulk": (lambda g, d: g.apply_bulk("close", [d.ticket]), skipped_as_missing),
    "assignable_people": (lambda g, d: g.assignable_people([d.ticket]), refused(NotFound)),
    # Drafts and presence on a ticket the person cannot see.
    "save_draft": (lambda g, d: g.save_draft(d.ticket, "reply", "Hi"), refused(NotFound)),
    "discard_draft": (lambda g, d: g.discard_draft(d.ticket, "reply"), refused(NotFound)),
    "drafts_on": (lambda g, d: g.drafts_on(d.ticket), empty),
    "be_on_ticket": (lambda g, d: g.be_on_ticket(d.ticket, "open"), refused(NotFound)),
    "still_on_ticket": (lambda g, d: g.still_on_ticket(d.ticket), empty),
    "others_on": (lambda g, d: g.others_on(d.ticket), empty),
    # People, roles, groups and fields.
    "list_people": (lambda g, d: g.list_people(), refused()),
    "find_people": (lambda g, d: g.find_people("a"), refused()),
    "add_person": (lambda g, d: g.add_person("newbie", "New Bie"), refused()),
    "edit_person": (lambda g, d: g.edit_person("sam", email="x@evil.example"), refused()),
    "set_active": (lambda g, d: g.set_active("ada", False), refused()),
    "list_roles": (lambda g, d: g.list_roles(), refused()),
    "get_role": (lambda g, d: g.get_role("Administrator"), refused()),
    "create_role": (lambda g, d: g.create_role("Mine", ["roles.edit"]), refused()),
    "copy_role": (lambda g, d: g.copy_role("Administrator", "Mine"), refused()),
    "rename_role": (lambda g, d: g.rename_role("Viewer", "Mine"), refused()),
    "delete_role": (lambda g, d: g.delete_role("Viewer"), refused()),
    "set_role_permissions": (
        lambda g, d: g.set_role_permissions("Viewer", PERMISSIONS),
        refused(),
    ),
    "set_role_scope": (lambda g, d: g.set_role_scope("Viewer", all_sources=True), refused()),
    "grant_role": (lambda g, d: g.grant_role(d.requester, "Administrator"), refused()),
    "revoke_role": (lambda g, d: g.revoke_role("ada", "Administrator"), refused()),
    "list_groups": (lambda g, d: g.list_groups(), empty),
    "create_group": (lambda g, d: g.create_group("Night shift"), refused()),
    "rename_group": (lambda g, d: g.rename_group("Returns", "Mine"), refused()),
    "delete_group": (lambda g, d: g.delete_group("Returns"), refused()),
    "group_ticket_count": (lambda g, d: g.group_ticket_count("Returns"), refused()),
    "add_member": (lambda g, d: g.add_member("Returns", d.requester), refused()),
    "remove_member": (lambda g, d: g.remove_member("Returns", "sam"), refused()),
    "add_supervisor": (lambda g, d: g.add_supervisor("Returns", d.requester), refused()),
    "remove_supervisor": (lambda g, d: g.remove_supervisor("Returns", "sam"), refused()),
    "list_fields": (lambda g, d: g.list_fields(), refused()),
    "define_field": (lambda g, d: g.define_field("Shoe size"), refused()),
    "update_field": (lambda g, d: g.update_field("Phone", required=True), refused()),
    "group_fields": (lambda g, d: g.group_fields("Returns"), refused(NotFound)),
    "set_field_value": (
        lambda g, d: g.set_field_value("Returns", "Phone", "+48 1"),
        refused(),
    ),
    # Sources and their mail accounts.
    "list_sources": (lambda g, d: g.list_sources(), refused()),
    "add_source": (lambda g, d: g.add_source("Mine", "web"), refused()),
    "rename_source": (lambda g, d: g.rename_source(MAILBOX, "Mine"), refused()),
    "set_archived": (lambda g, d: g.set_archived(MAILBOX, True), refused()),
    "edit_mail_account": (
        lambda g, d: g.edit_mail_account(MAILBOX, imap="imaps://mail.evil.example/INBOX"),
        refused(),
    ),
    "confirm_mail_password": (lambda g, d: g.confirm_mail_password(MAILBOX), refused()),
    "mail_accounts": (lambda g, d: g.mail_accounts(), refused()),
    # The mail channel, given the source's row as `ticketty mail` and `serve` hold it.
    "mail_source": (lambda g, d: g.mail_source(MAILBOX), refused()),
    "open_mail_sources": (lambda g, d: g.open_mail_sources(), refused()),
    "fetches": (lambda g, d: g.fetches(d.source), refused()),
    "imap_login": (lambda g, d: g.imap_login(d.source), refused()),
    "fetch": (lambda g, d: g.fetch(d.source, d.said.append), refused()),
    "send": (lambda g, d: g.send(d.source, d.said.append), refused()),
    "take_mail": (lambda g, d: g.take_mail(d.source, d.mail(), "probe"), refused()),
    "import_messages": (
        lambda g, d: g.import_messages(d.source, iter([("probe", d.mail())]), d.said.append),
        refused(),
    ),
    "quarantined": (lambda g, d: g.quarantined(), refused()),
    "retry_quarantined": (lambda g, d: g.retry_quarantined(d.quarantined), refused()),
    "discard_quarantined": (lambda g, d: g.discard_quarantined(d.quarantined), refused()),
    # Audit, explanations, reports.
    "list_audit": (lambda g, d: g.list_audit(), refused()),
    "explain_permission": (
        lambda g, d: g.explain_permission("tickets.view", username="sam"),
        refused(),
    ),
    "who": (lambda g, d: g.who("tickets.view"), refused()),
    "workload": (lambda g, d: g.workload(), refused()),
    # Business calendars (service levels).
    "list_calendars": (lambda g, d: g.list_calendars(), refused()),
    "get_calendar": (lambda g, d: g.get_calendar("PL office"), refused()),
    "create_calendar": (
        lambda g, d: g.create_calendar("Mine", zone="UTC", hours="mon 08:00-16:00"),
        refused(),
    ),
    "change_calendar": (lambda g, d: g.change_calendar("PL office", zone="UTC"), refused()),
    "delete_calendar": (lambda g, d: g.delete_calendar("PL office"), refused()),
}

# Public attributes that are settings, not calls: set once by the app and the command line.
SETTINGS = {"attachment_limit", "message_limit", "flood_limit"}


def public_methods() -> set[str]:
    return {
        name
        for name, member in inspect.getmembers(Gate)
        if not name.startswith("_") and name not in SETTINGS
    }


def test_the_table_names_every_public_method() -> None:
    public = public_methods()
    assert not public - set(CALLS), "public methods of the gate missing from CALLS"
    assert not set(CALLS) - public, "CALLS names methods the gate no longer has"
    assert all(callable(getattr(Gate, name)) for name in public)
    assert not {name for name in dir(Gate) if not name.startswith("_")} - public - SETTINGS


def everything(db: peewee.Database) -> dict[str, list[tuple]]:
    """Every row of every table Ticketty keeps, refusals left out of the audit log."""
    rows: dict[str, list[tuple]] = {}
    for model in models.BaseModel.__subclasses__():
        query = model.select().order_by(model._meta.primary_key)
        if model is AuditEvent:
            query = query.where(~AuditEvent.action.startswith("denied."))
        rows[model._meta.table_name] = list(tuple_rows(query.tuples()))
    return rows


@pytest.fixture
def demo(demo_db: peewee.Database) -> Demo:
    reply = OutboxItem.select().order_by(OutboxItem.id).first()
    number = Message.get_by_id(reply.message_id).ticket_id
    ticket = Ticket.get_by_id(number)
    first = Message.select().where(Message.ticket == number).order_by(Message.id).first()
    attachment = Attachment.create(
        message=first.id,
        filename="invoice.pdf",
        content_type="application/pdf",
        size=3,
        data=b"pdf",
    )
    builders.person("nobody")
    return Demo(
        source=Source.get(Source.name == MAILBOX),
        ticket=number,
        reply=reply.message_id,
        attachment=attachment.id,
        quarantined=QuarantinedMail.select().first().id,
        requester=Person.get_by_id(ticket.requester_id).username,
        nobody="nobody",
    )


def test_the_person_holds_no_role(demo_db: peewee.Database, demo: Demo) -> None:
    grants = Gate(demo_db, demo.nobody).grants()
    assert not grants.permissions and not grants.roles_with(TICKETS_VIEW)
    assert not grants.groups and not grants.supervises


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_person_without_rights_is_refused_or_told_nothing(
    demo_db: peewee.Database, demo: Demo, name: str
) -> None:
    call, expected = CALLS[name]
    gate = Gate(demo_db, demo.nobody)
    before = everything(demo_db)
    if isinstance(expected, type):
        with pytest.raises(expected):
            call(gate, demo)
    else:
        answer = call(gate, demo)
        assert expected(answer), f"{name} answered {answer!r}"
    assert everything(demo_db) == before
    assert demo.said == []


MAIL_CHANNEL = [
    "mail_source",
    "fetches",
    "imap_login",
    "fetch",
    "send",
    "take_mail",
    "import_messages",
]


def test_the_mail_channel_refuses_before_any_server_is_reached(
    demo_db: peewee.Database,
    demo: Demo,
    dovecot: Dovecot,
    mailbox: str,
    smtp: Smtp,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the mailbox on real servers and its password at hand, a person without rights, a
    view-only agent and one holding `sources.edit` on another source only, handed the source's
    row, take no mail, send no reply and learn no password; the same calls by an administrator
    then do all of it."""
    monkeypatch.setenv(password_variable(MAILBOX), PASSWORD)
    ada = Gate(demo_db, "ada")
    ada.edit_mail_account(MAILBOX, imap=dovecot.url(mailbox), smtp=smtp.url)
    ada.confirm_mail_password(MAILBOX)
    open_ticket = (
        Ticket.select()
        .where((Ticket.source == demo.source.id) & (Ticket.status != "closed"))
        .order_by(Ticket.number)
        .first()
    )
    ada.reply(open_ticket.number, "It is on its way")
    dovecot.append(mailbox, demo.mail())

    phone = Source.get(Source.name == "Phone").id
    mal = builders.person("mal")
    builders.role("Phone admin", [SOURCES_EDIT, SOURCES_LIST], sources=[phone], holders=[mal])
    before = everything(demo_db)
    for person in (demo.nobody, "vic", "mal"):
        for name in MAIL_CHANNEL:
            with pytest.raises(PermissionDenied):
                CALLS[name][0](Gate(demo_db, person), demo)
    assert everything(demo_db) == before
    assert smtp.received == [] and demo.said == []

    assert ada.imap_login(demo.source) == (parse_url(dovecot.url(mailbox), "imap"), PASSWORD)
    assert ada.fetch(demo.source, demo.said.append) == 1
    assert "sent" in {d.state for d in ada.send(demo.source, demo.said.append)}
    assert smtp.received


def test_serve_refuses_a_person_without_sources_edit(demo: Demo, db_location: str) -> None:
    """`ticketty serve` asks the gate for the sources to serve before it starts anything."""
    served = subprocess.run(
        [sys.executable, "-m", "ticketty", "--db", db_location, "--user", demo.nobody,
         "serve", "--interval", "5"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )  # fmt: skip
    assert served.returncode == 1
    assert served.stderr.strip() == "ticketty: nobody lacks sources.edit"


def test_a_public_method_reads_the_grants_once_whatever_helpers_it_calls(
    demo_db: peewee.Database, demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The private plumbing runs inside the request of the public method that calls it: the
    person's grants are read once per call, as before the plumbing was made private."""
    ada = Gate(demo_db, "ada")
    reads: list[object] = []

    def counted(*args: Any) -> Grants | None:
        reads.append(args)
        return read_grants(*args)

    monkeypatch.setattr(gate_module, "read_grants", counted)
    mails = [(f"file {n}", demo.mail(n)) for n in range(2, 5)]
    calls: dict[str, Callable[[], object]] = {
        "import_messages": lambda: ada.import_messages(demo.source, iter(mails), demo.said.append),
        "take_mail": lambda: ada.take_mail(demo.source, demo.mail(), "probe"),
        "retry_quarantined": lambda: ada.retry_quarantined(demo.quarantined),
        "rename_role": lambda: ada.rename_role("Viewer", "Reader"),
        "set_role_permissions": lambda: ada.set_role_permissions("Reader", [TICKETS_VIEW]),
        "note": lambda: ada.note(demo.ticket, "Checked the parcel"),
    }
    for name, call in calls.items():
        reads.clear()
        call()
        assert len(reads) == 1, name
