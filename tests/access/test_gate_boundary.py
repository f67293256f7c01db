"""The gate's own boundary: every public method checks its right. Each one is called, with
plausible arguments, on the demo helpdesk as a person holding no role at all (in no group,
requester of nothing), and answers with a refusal or with nothing, having written nothing, on
either backend. The table of calls names every public method: a method added to the gate
without an entry here fails `test_the_table_names_every_public_method`."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import peewee
import pytest

import access as gate_package
import access.request as request_module
from access import Gate, NoChange, NotFound, PartOf, PermissionDenied
from access.catalogue import PERMISSIONS, SOURCES_EDIT, SOURCES_LIST, TICKETS_VIEW
from access.grants import Grants, read_grants
from access.intake import CursorStep
from access.mail_accounts import parse_url, password_variable
from access.notify_settings import DEFAULTS
from access.outbox import Delivery
from access.request import Part
from access.views import BulkOutcome, TicketQuery
from mail.channel import MailChannel, reading
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
from tests.backends import Locations, connect
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

    def outbox_item(self) -> OutboxItem:
        """The delivery of the team's reply."""
        item: OutboxItem = OutboxItem.get(OutboxItem.message == self.reply)
        return item

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
    "me.grants": (lambda g, d: g.me.grants(), lambda grants: not grants.permissions),
    "me.holds": (lambda g, d: g.me.holds(TICKETS_VIEW), empty),
    "me.capabilities": (lambda g, d: g.me.capabilities(), empty),
    "inbox.last_change": (
        lambda g, d: g.inbox.last_change(),
        lambda newest: isinstance(newest, int),
    ),
    "drafts.my_drafts": (lambda g, d: g.drafts.my_drafts(), empty),
    "presence.others_present": (lambda g, d: g.presence.others_present(), empty),
    "filing.new_ticket_options": (
        lambda g, d: g.filing.new_ticket_options(),
        lambda offered: not any(v for k, v in offered.items() if k != "priorities"),
    ),
    # Tickets.
    "inbox.list_tickets": (lambda g, d: g.inbox.list_tickets(TicketQuery()), empty),
    "inbox.opening": (
        lambda g, d: g.inbox.opening(TicketQuery(), 100),
        lambda start: not (start.permissions or start.first_page or start.calendars),
    ),
    "inbox.count_tickets": (lambda g, d: g.inbox.count_tickets(TicketQuery()), empty),
    "inbox.group_counts": (lambda g, d: g.inbox.group_counts(TicketQuery()), empty),
    "inbox.ticket_position": (lambda g, d: g.inbox.ticket_position(TicketQuery(), d.ticket), empty),
    "tickets.get_ticket": (lambda g, d: g.tickets.get_ticket(d.ticket), refused(NotFound)),
    "tickets.allowed_on": (lambda g, d: g.tickets.allowed_on(d.ticket), refused(NotFound)),
    "tickets.ticket_history": (lambda g, d: g.tickets.ticket_history(d.ticket), refused()),
    "tickets.attachment": (
        lambda g, d: g.tickets.attachment(d.ticket, d.attachment),
        refused(NotFound),
    ),
    "tickets.attachment_pieces": (
        lambda g, d: g.tickets.attachment_pieces(d.ticket, d.attachment),
        refused(NotFound),
    ),
    "tickets.reply_route": (lambda g, d: g.tickets.reply_route(d.ticket), refused(NotFound)),
    "tickets.sla_explanation": (
        lambda g, d: g.tickets.sla_explanation(d.ticket),
        refused(NotFound),
    ),
    "explain.explain_ticket": (lambda g, d: g.explain.explain_ticket(d.ticket), refused(NotFound)),
    "filing.create_ticket": (lambda g, d: g.filing.create_ticket("Help", "Please"), refused()),
    "messages.reply": (lambda g, d: g.messages.reply(d.ticket, "Done"), refused(NotFound)),
    "messages.note": (lambda g, d: g.messages.note(d.ticket, "Internal"), refused(NotFound)),
    "messages.resend": (lambda g, d: g.messages.resend(d.ticket, d.reply), refused(NotFound)),
    "changes.take": (lambda g, d: g.changes.take(d.ticket), refused(NotFound)),
    "changes.assign": (lambda g, d: g.changes.assign(d.ticket, "sam"), refused(NotFound)),
    "changes.move": (lambda g, d: g.changes.move(d.ticket, "Accounting"), refused(NotFound)),
    "changes.set_status": (
        lambda g, d: g.changes.set_status(d.ticket, "pending"),
        refused(NotFound),
    ),
    "changes.set_priority": (
        lambda g, d: g.changes.set_priority(d.ticket, "urgent"),
        refused(NotFound),
    ),
    "changes.close": (lambda g, d: g.changes.close(d.ticket), refused(NotFound)),
    "tickets.delete_ticket": (lambda g, d: g.tickets.delete_ticket(d.ticket), refused(NotFound)),
    "changes.plan_bulk": (
        lambda g, d: g.changes.plan_bulk("close", [d.ticket]),
        skipped_as_missing,
    ),
    "changes.apply_bulk": (
        lambda g, d: g.changes.apply_bulk("close", [d.ticket]),
        skipped_as_missing,
    ),
    "assignees.assignable_people": (
        lambda g, d: g.assignees.assignable_people([d.ticket]),
        refused(NotFound),
    ),
    # Merging, linking, splitting and copies on a ticket the person cannot see.
    "merging.merge": (lambda g, d: g.merging.merge(d.ticket, d.ticket + 1), refused()),
    "merging.link": (lambda g, d: g.merging.link(d.ticket, d.ticket + 1), refused()),
    "merging.unlink": (lambda g, d: g.merging.unlink(d.ticket, d.ticket + 1), refused()),
    "merging.split": (lambda g, d: g.merging.split(d.ticket, d.reply), refused()),
    "copies.change_copies": (
        lambda g, d: g.copies.change_copies(d.ticket, add=["anna@customer.example"]),
        refused(),
    ),
    # Drafts and presence on a ticket the person cannot see.
    "drafts.save_draft": (
        lambda g, d: g.drafts.save_draft(d.ticket, "reply", "Hi"),
        refused(NotFound),
    ),
    "drafts.discard_draft": (
        lambda g, d: g.drafts.discard_draft(d.ticket, "reply"),
        refused(NotFound),
    ),
    "drafts.drafts_on": (lambda g, d: g.drafts.drafts_on(d.ticket), empty),
    "drafts.attach_to_draft": (
        lambda g, d: g.drafts.attach_to_draft(d.ticket, "form.pdf", "application/pdf", b"%PDF"),
        refused(NotFound),
    ),
    "drafts.detach_from_draft": (
        lambda g, d: g.drafts.detach_from_draft(d.ticket, 1),
        refused(NotFound),
    ),
    "presence.be_on_ticket": (
        lambda g, d: g.presence.be_on_ticket(d.ticket, "open"),
        refused(NotFound),
    ),
    "presence.still_on_ticket": (lambda g, d: g.presence.still_on_ticket(d.ticket), empty),
    "presence.others_on": (lambda g, d: g.presence.others_on(d.ticket), empty),
    # People, roles, groups and fields.
    "people.list_people": (lambda g, d: g.people.list_people(), refused()),
    "people.find_people": (lambda g, d: g.people.find_people("a"), refused()),
    "people.add_person": (lambda g, d: g.people.add_person("newbie", "New Bie"), refused()),
    "people.edit_person": (
        lambda g, d: g.people.edit_person("sam", email="x@evil.example"),
        refused(),
    ),
    "people.set_active": (lambda g, d: g.people.set_active("ada", False), refused()),
    "roles.list_roles": (lambda g, d: g.roles.list_roles(), refused()),
    "roles.get_role": (lambda g, d: g.roles.get_role("Administrator"), refused()),
    "roles.create_role": (lambda g, d: g.roles.create_role("Mine", ["roles.edit"]), refused()),
    "roles.copy_role": (lambda g, d: g.roles.copy_role("Administrator", "Mine"), refused()),
    "roles.rename_role": (lambda g, d: g.roles.rename_role("Viewer", "Mine"), refused()),
    "roles.delete_role": (lambda g, d: g.roles.delete_role("Viewer"), refused()),
    "roles.set_role_permissions": (
        lambda g, d: g.roles.set_role_permissions("Viewer", PERMISSIONS),
        refused(),
    ),
    "roles.set_role_scope": (
        lambda g, d: g.roles.set_role_scope("Viewer", all_sources=True),
        refused(),
    ),
    "roles.grant_role": (lambda g, d: g.roles.grant_role(d.requester, "Administrator"), refused()),
    "roles.revoke_role": (lambda g, d: g.roles.revoke_role("ada", "Administrator"), refused()),
    "groups.list_groups": (lambda g, d: g.groups.list_groups(), empty),
    "groups.create_group": (lambda g, d: g.groups.create_group("Night shift"), refused()),
    "groups.rename_group": (lambda g, d: g.groups.rename_group("Returns", "Mine"), refused()),
    "groups.delete_group": (lambda g, d: g.groups.delete_group("Returns"), refused()),
    "groups.group_ticket_count": (lambda g, d: g.groups.group_ticket_count("Returns"), refused()),
    "groups.add_member": (lambda g, d: g.groups.add_member("Returns", d.requester), refused()),
    "groups.remove_member": (lambda g, d: g.groups.remove_member("Returns", "sam"), refused()),
    "groups.add_supervisor": (
        lambda g, d: g.groups.add_supervisor("Returns", d.requester),
        refused(),
    ),
    "groups.remove_supervisor": (
        lambda g, d: g.groups.remove_supervisor("Returns", "sam"),
        refused(),
    ),
    "groups.list_fields": (lambda g, d: g.groups.list_fields(), refused()),
    "groups.define_field": (lambda g, d: g.groups.define_field("Shoe size"), refused()),
    "groups.update_field": (lambda g, d: g.groups.update_field("Phone", required=True), refused()),
    "groups.group_fields": (lambda g, d: g.groups.group_fields("Returns"), refused(NotFound)),
    "groups.set_field_value": (
        lambda g, d: g.groups.set_field_value("Returns", "Phone", "+48 1"),
        refused(),
    ),
    # Sources and their mail accounts.
    "sources.list_sources": (lambda g, d: g.sources.list_sources(), refused()),
    "sources.add_source": (lambda g, d: g.sources.add_source("Mine", "web"), refused()),
    "sources.rename_source": (lambda g, d: g.sources.rename_source(MAILBOX, "Mine"), refused()),
    "sources.set_archived": (lambda g, d: g.sources.set_archived(MAILBOX, True), refused()),
    "sources.edit_mail_account": (
        lambda g, d: g.sources.edit_mail_account(MAILBOX, imap="imaps://mail.evil.example/INBOX"),
        refused(),
    ),
    "sources.confirm_mail_password": (
        lambda g, d: g.sources.confirm_mail_password(MAILBOX),
        refused(),
    ),
    "sources.mail_accounts": (lambda g, d: g.sources.mail_accounts(), refused()),
    # The mail channel, given the source's row as `ticketty mail` and `serve` hold it.
    "mailboxes.mail_source": (lambda g, d: g.mailboxes.mail_source(MAILBOX), refused()),
    "mailboxes.open_mail_sources": (lambda g, d: g.mailboxes.open_mail_sources(), refused()),
    "mailboxes.fetches": (lambda g, d: g.mailboxes.fetches(d.source), refused()),
    "mailboxes.imap_login": (lambda g, d: g.mailboxes.imap_login(d.source), refused()),
    "mailboxes.mail_cursor": (
        lambda g, d: g.mailboxes.mail_cursor(d.source, "INBOX", 1),
        refused(),
    ),
    "mailboxes.start_mail_cursor": (
        lambda g, d: g.mailboxes.start_mail_cursor(d.source, CursorStep("INBOX", 1, 5)),
        refused(),
    ),
    "mailboxes.note_fetch": (lambda g, d: g.mailboxes.note_fetch(d.source, "probe"), refused()),
    "mailboxes.take_mail": (
        lambda g, d: g.mailboxes.take_mail(d.source, d.mail(), "probe", reading()),
        refused(),
    ),
    "mailboxes.import_messages": (
        lambda g, d: g.mailboxes.import_messages(
            d.source, iter([("probe", d.mail())]), d.said.append, reading()
        ),
        refused(),
    ),
    "mailboxes.smtp_login": (lambda g, d: g.mailboxes.smtp_login(d.source), refused()),
    "mailboxes.replies_due": (lambda g, d: g.mailboxes.replies_due(d.source), refused()),
    "mailboxes.claim_reply": (lambda g, d: g.mailboxes.claim_reply(d.source, "probe"), refused()),
    "mailboxes.release_reply": (
        lambda g, d: g.mailboxes.release_reply(d.source, d.outbox_item(), ""),
        refused(),
    ),
    "mailboxes.mark_delivery": (
        lambda g, d: g.mailboxes.mark_delivery(d.source, d.outbox_item()),
        refused(),
    ),
    "mailboxes.note_send": (lambda g, d: g.mailboxes.note_send(d.source, "probe"), refused()),
    "mailboxes.delivery_line": (
        lambda g, d: g.mailboxes.delivery_line(d.source, Delivery(1, d.ticket, MAILBOX, "sent")),
        refused(),
    ),
    "mailboxes.quarantined": (lambda g, d: g.mailboxes.quarantined(), refused()),
    "mailboxes.retry_quarantined": (
        lambda g, d: g.mailboxes.retry_quarantined(d.quarantined, reading()),
        refused(),
    ),
    "mailboxes.discard_quarantined": (
        lambda g, d: g.mailboxes.discard_quarantined(d.quarantined),
        refused(),
    ),
    # Notifications: the person's own, about tickets they see (none).
    "notifications.list_notifications": (
        lambda g, d: g.notifications.list_notifications(),
        empty,
    ),
    "notifications.summary": (lambda g, d: g.notifications.summary(), lambda s: s.unread == 0),
    "notifications.mark_read": (lambda g, d: g.notifications.mark_read([1]), refused(NotFound)),
    "notifications.mark_all_read": (lambda g, d: g.notifications.mark_all_read(), empty),
    "notifications.preferences": (lambda g, d: g.notifications.preferences(), refused()),
    "notifications.settings": (
        lambda g, d: g.notifications.settings(),
        lambda settings: settings == DEFAULTS,
    ),
    "notifications.set_preference": (
        lambda g, d: g.notifications.set_preference("assigned", in_app=False),
        refused(),
    ),
    "notifications.change_settings": (
        lambda g, d: g.notifications.change_settings(bell="on"),
        refused(),
    ),
    "notifications.follow": (lambda g, d: g.notifications.follow(d.ticket), refused(NotFound)),
    "notifications.unfollow": (
        lambda g, d: g.notifications.unfollow(d.ticket),
        refused(NoChange),
    ),
    "notifications.follows": (lambda g, d: g.notifications.follows(d.ticket), empty),
    "presence.still_connected": (lambda g, d: g.presence.still_connected("s"), empty),
    "presence.disconnected": (lambda g, d: g.presence.disconnected("s"), empty),
    "notifications.follow_queue": (
        lambda g, d: g.notifications.follow_queue(source=d.source.name),
        refused(),
    ),
    "notifications.unfollow_queue": (
        lambda g, d: g.notifications.unfollow_queue(source=d.source.name),
        refused(NoChange),
    ),
    "notifications.followed_queues": (lambda g, d: g.notifications.followed_queues(), empty),
    "notifications.mention_candidates": (
        lambda g, d: g.notifications.mention_candidates(d.ticket, "a"),
        empty,
    ),
    "notifications.followable_queues": (
        lambda g, d: g.notifications.followable_queues(),
        refused(),
    ),
    "notifications.mails_due": (lambda g, d: g.notifications.mails_due(d.source), refused()),
    "notifications.mark_mailed": (
        lambda g, d: g.notifications.mark_mailed(d.source, None, [1]),
        refused(),
    ),
    # Audit, explanations, reports.
    "audit.list_audit": (lambda g, d: g.audit.list_audit(), refused()),
    "explain.explain_permission": (
        lambda g, d: g.explain.explain_permission("tickets.view", username="sam"),
        refused(),
    ),
    "explain.who": (lambda g, d: g.explain.who("tickets.view"), refused()),
    "reports.workload": (lambda g, d: g.reports.workload(), refused()),
    "reports.sla": (lambda g, d: g.reports.sla("2026-10"), refused()),
    # Business calendars (service levels).
    "calendars.list_calendars": (lambda g, d: g.calendars.list_calendars(), refused()),
    "calendars.get_calendar": (lambda g, d: g.calendars.get_calendar("PL office"), refused()),
    "calendars.create_calendar": (
        lambda g, d: g.calendars.create_calendar("Mine", zone="UTC", hours="mon 08:00-16:00"),
        refused(),
    ),
    "calendars.change_calendar": (
        lambda g, d: g.calendars.change_calendar("PL office", zone="UTC"),
        refused(),
    ),
    "calendars.delete_calendar": (lambda g, d: g.calendars.delete_calendar("PL office"), refused()),
    # Service-level policies.
    "sla.list_policies": (lambda g, d: g.sla.list_policies(), refused()),
    "sla.get_policy": (lambda g, d: g.sla.get_policy("Standard"), refused()),
    "sla.create_policy": (
        lambda g, d: g.sla.create_policy(
            "Mine", calendar="PL office", targets={"first_response": ["4h"]}
        ),
        refused(),
    ),
    "sla.change_policy": (lambda g, d: g.sla.change_policy("Standard", new_name="X"), refused()),
    "sla.move_policy": (lambda g, d: g.sla.move_policy("Standard", 1), refused()),
    "sla.delete_policy": (lambda g, d: g.sla.delete_policy("Standard"), refused()),
    "sla.warn_due": (lambda g, d: g.sla.warn_due(), refused()),
    "sla.due_calendars": (lambda g, d: g.sla.due_calendars(), refused()),
    # The list of tags.
    "tags.list_tags": (lambda g, d: g.tags.list_tags(), refused()),
    "tags.create_tag": (lambda g, d: g.tags.create_tag("refund"), refused()),
    "tags.delete_tag": (lambda g, d: g.tags.delete_tag("refund"), refused()),
    "tags.lock_tags": (lambda g, d: g.tags.lock_tags(True), refused()),
    # Saved views.
    "views.list_views": (lambda g, d: g.views.list_views(), refused()),
    "views.save_view": (lambda g, d: g.views.save_view("Mine", TicketQuery()), refused()),
    "views.remove_view": (lambda g, d: g.views.remove_view("Mine"), refused()),
    "views.compact_search_scope": (lambda g, d: g.views.compact_search_scope(), refused()),
    # The custom fields of tickets.
    "ticket_fields.list_ticket_fields": (
        lambda g, d: g.ticket_fields.list_ticket_fields(),
        refused(),
    ),
    "ticket_fields.define_ticket_field": (
        lambda g, d: g.ticket_fields.define_ticket_field("Order number"),
        refused(),
    ),
    # Canned replies.
    "replies.list_replies": (lambda g, d: g.replies.list_replies(), refused()),
    "replies.add_reply": (lambda g, d: g.replies.add_reply("Mine", "Hello"), refused()),
    "replies.change_reply": (
        lambda g, d: g.replies.change_reply("Refund approved", body="Hi"),
        refused(),
    ),
    "replies.remove_reply": (lambda g, d: g.replies.remove_reply("Refund approved"), refused()),
    "replies.copy_reply": (
        lambda g, d: g.replies.copy_reply("Refund approved", "Mine"),
        refused(),
    ),
    "replies.replies_for": (lambda g, d: g.replies.replies_for(d.ticket), refused(NotFound)),
    "signatures.set_signature": (
        lambda g, d: g.signatures.set_signature(MAILBOX, "Mine"),
        refused(),
    ),
    "signatures.list_signatures": (lambda g, d: g.signatures.list_signatures(), refused()),
    "signatures.signature_for": (
        lambda g, d: g.signatures.signature_for(d.ticket),
        refused(NotFound),
    ),
    "macros.list_macros": (lambda g, d: g.macros.list_macros(), refused()),
    "macros.add_macro": (lambda g, d: g.macros.add_macro("Mine", ["status:resolved"]), refused()),
    "macros.remove_macro": (lambda g, d: g.macros.remove_macro("Refund done"), refused()),
    "macros.change_macro": (
        lambda g, d: g.macros.change_macro("Refund done", steps=["status:open"]),
        refused(),
    ),
    "macros.copy_macro": (lambda g, d: g.macros.copy_macro("Refund done", "Mine"), refused()),
    "macros.macros_for": (lambda g, d: g.macros.macros_for([d.ticket]), refused()),
    "macros.plan_macro": (lambda g, d: g.macros.plan_macro("Refund done", [d.ticket]), refused()),
    "macros.apply_macro": (
        lambda g, d: g.macros.apply_macro("Refund done", [d.ticket]),
        refused(),
    ),
    "replies.fill_reply": (
        lambda g, d: g.replies.fill_reply(d.ticket, "Refund approved"),
        refused(NotFound),
    ),
    # Rules, and who is away for automatic assignment.
    "rules.list_rules": (lambda g, d: g.rules.list_rules(), refused()),
    "rules.get_rule": (lambda g, d: g.rules.get_rule("Auto-close"), refused()),
    "rules.create_rule": (
        lambda g, d: g.rules.create_rule("Mine", on="created", actions=["priority:high"]),
        refused(),
    ),
    "rules.set_rule_active": (lambda g, d: g.rules.set_rule_active("Auto-close", False), refused()),
    "rules.take_over_rule": (lambda g, d: g.rules.take_over_rule("Auto-close"), refused()),
    "rules.move_rule": (lambda g, d: g.rules.move_rule("Auto-close", 1), refused()),
    "rules.delete_rule": (lambda g, d: g.rules.delete_rule("Auto-close"), refused()),
    "rules.try_rule": (lambda g, d: g.rules.try_rule("Auto-close", "30d"), refused()),
    "rules.run_time_rules": (lambda g, d: g.rules.run_time_rules(), refused()),
    "rules.notify": (lambda g, d: g.rules.notify(1, "ada", "Auto-close"), refused()),
    "availability.set_away": (lambda g, d: g.availability.set_away(True), refused()),
    "availability.is_away": (lambda g, d: g.availability.is_away(), empty),
    "availability.away_people": (lambda g, d: g.availability.away_people(), refused()),
    "availability.group_assignment": (
        lambda g, d: g.availability.group_assignment("Returns"),
        refused(),
    ),
    "availability.set_group_assignment": (
        lambda g, d: g.availability.set_group_assignment("Returns", cap=1),
        refused(),
    ),
}

# Public attributes that say who the gate acts for and how it is configured, and the gate's
# parts.
ABOUT = {"username", "person_id", "own_changes", "clock", "file_limit"}


def parts(gate: Gate) -> dict[str, Part]:
    """The parts the gate is composed of (`gate.people`, ...), by attribute, each made."""
    named = [name for name, member in vars(Gate).items() if isinstance(member, PartOf)]
    return {name: getattr(gate, name) for name in named}


def public_methods(gate: Gate) -> set[str]:
    """The gate's own public methods by name (none: it is its parts), and each part's as
    `part.method`."""
    names = {
        name
        for name, member in inspect.getmembers(Gate)
        if not name.startswith("_") and not isinstance(member, PartOf)
    }
    for part_name, part in parts(gate).items():
        names |= {f"{part_name}.{name}" for name in dir(part) if not name.startswith("_")}
    return names


def test_the_table_names_every_public_method(demo_db: peewee.Database, demo: Demo) -> None:
    gate = Gate(demo_db, demo.nobody)
    assert {"people", "roles", "groups", "sources", "audit", "explain"} <= set(parts(gate))
    assert {"inbox", "tickets", "messages", "filing", "changes", "assignees", "mailboxes"} <= set(
        parts(gate)
    )
    public = public_methods(gate)
    assert not public - set(CALLS), "public methods of the gate missing from CALLS"
    assert not set(CALLS) - public, "CALLS names methods the gate no longer has"
    for name in public:
        owner, _, method = name.rpartition(".")
        assert callable(getattr(getattr(gate, owner) if owner else gate, method)), name
    attributes = {name for name in vars(gate) if not name.startswith("_")}
    assert attributes - set(parts(gate)) == ABOUT
    assert all(isinstance(part, Part) for part in parts(gate).values())
    assert not {name for name in dir(Gate) if not name.startswith("_")} - public - set(parts(gate))


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
    return made_demo()


def made_demo() -> Demo:
    """The demo's calls' targets, on the database the models run on (written: the attachment
    and the person without rights)."""
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


class Unchanged:
    """One copy of the demo, its targets made, for the module's calls that must write nothing
    but their refusals' audit events (left out of `everything`): what it holds is read once,
    and each test compares with that. A test that finds it changed has it replaced for the
    tests after it, so that one failure is not many."""

    def __init__(self, locations: Locations) -> None:
        self.locations = locations
        self.made: list[str] = []
        self._make()

    def _make(self) -> None:
        self.location = self.locations.copy(self.locations.demo())
        self.made.append(self.location)
        database = connect(self.location)
        self.demo = made_demo()
        self.rows = everything(database)
        database.close()

    def connect(self) -> peewee.Database:
        """A connection for one test (closed when it ends)."""
        return connect(self.location)

    def held_now(self, database: peewee.Database) -> dict[str, list[tuple]]:
        """What the database holds now; a copy that changed is replaced for the next test."""
        rows = everything(database)
        if rows != self.rows:
            self._make()
        return rows


@pytest.fixture(scope="module")
def unchanged(locations: Locations) -> Iterator[Unchanged]:
    shared = Unchanged(locations)
    yield shared
    locations.drop(shared.made)


def test_the_person_holds_no_role(demo_db: peewee.Database, demo: Demo) -> None:
    grants = Gate(demo_db, demo.nobody).me.grants()
    assert not grants.permissions and not grants.roles_with(TICKETS_VIEW)
    assert not grants.groups and not grants.supervises


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_person_without_rights_is_refused_or_told_nothing(
    unchanged: Unchanged, name: str
) -> None:
    call, expected = CALLS[name]
    database = unchanged.connect()
    demo = replace(unchanged.demo, said=[])
    gate = Gate(database, demo.nobody)
    try:
        if isinstance(expected, type):
            with pytest.raises(expected):
                call(gate, demo)
        else:
            answer = call(gate, demo)
            assert expected(answer), f"{name} answered {answer!r}"
    finally:
        held = unchanged.held_now(database)
    assert held == unchanged.rows
    assert demo.said == []


# The mail channel's passes over the gate (`mail.channel`), as `ticketty mail` runs them.
CHANNEL_CALLS: dict[str, Callable[[Gate, Demo], object]] = {
    "fetch": lambda g, d: MailChannel(g).fetch(d.source, d.said.append),
    "send": lambda g, d: MailChannel(g).send(d.source, d.said.append),
}
MAIL_CHANNEL = [
    "mailboxes.mail_source",
    "mailboxes.fetches",
    "mailboxes.imap_login",
    "mailboxes.smtp_login",
    "mailboxes.claim_reply",
    "mailboxes.take_mail",
    "mailboxes.import_messages",
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
    ada.sources.edit_mail_account(MAILBOX, imap=dovecot.url(mailbox), smtp=smtp.url)
    ada.sources.confirm_mail_password(MAILBOX)
    open_ticket = (
        Ticket.select()
        .where((Ticket.source == demo.source.id) & (Ticket.status != "closed"))
        .order_by(Ticket.number)
        .first()
    )
    ada.messages.reply(open_ticket.number, "It is on its way")
    dovecot.append(mailbox, demo.mail())

    phone = Source.get(Source.name == "Phone").id
    mal = builders.person("mal")
    builders.role("Phone admin", [SOURCES_EDIT, SOURCES_LIST], sources=[phone], holders=[mal])
    before = everything(demo_db)
    for person in (demo.nobody, "vic", "mal"):
        for name in MAIL_CHANNEL:
            with pytest.raises(PermissionDenied):
                CALLS[name][0](Gate(demo_db, person), demo)
        for call in CHANNEL_CALLS.values():
            with pytest.raises(PermissionDenied):
                call(Gate(demo_db, person), demo)
    assert everything(demo_db) == before
    assert smtp.received == [] and demo.said == []

    assert ada.mailboxes.imap_login(demo.source) == (
        parse_url(dovecot.url(mailbox), "imap"),
        PASSWORD,
    )
    assert MailChannel(ada).fetch(demo.source, demo.said.append) == 1
    assert "sent" in {d.state for d in MailChannel(ada).send(demo.source, demo.said.append)}
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

    monkeypatch.setattr(request_module, "read_grants", counted)
    mails = [(f"file {n}", demo.mail(n)) for n in range(2, 5)]
    calls: dict[str, Callable[[], object]] = {
        "import_messages": lambda: MailChannel(ada).import_messages(
            demo.source, iter(mails), demo.said.append
        ),
        "take_mail": lambda: MailChannel(ada).take_mail(demo.source, demo.mail(), "probe"),
        "retry_quarantined": lambda: MailChannel(ada).retry_quarantined(demo.quarantined),
        "rename_role": lambda: ada.roles.rename_role("Viewer", "Reader"),
        "set_role_permissions": lambda: ada.roles.set_role_permissions("Reader", [TICKETS_VIEW]),
        "note": lambda: ada.messages.note(demo.ticket, "Checked the parcel"),
        # Composed parts: an operation made of others runs them in its one request.
        "copy_role": lambda: ada.roles.copy_role("Reader", "Reader copy"),
        "add_supervisor": lambda: ada.groups.add_supervisor("Returns", "vic", customer=False),
        "save_draft": lambda: ada.drafts.save_draft(demo.ticket, "reply", " "),
        "explain_ticket": lambda: ada.explain.explain_ticket(demo.ticket, "sam"),
        "set_archived": lambda: ada.sources.set_archived("Phone", True),
    }
    for name, call in calls.items():
        reads.clear()
        call()
        assert len(reads) == 1, name


NETWORK_AND_MAIL = {"imaplib", "smtplib", "socket", "ssl", "mailbox", "email"}


def test_the_gate_does_no_network_io_and_reads_no_mail() -> None:
    """No module of the gate imports the wire or the e-mail parser, even inside a function
    (import-linter's contract says the same in pyproject.toml): the mail channel does that."""
    found = set()
    for path in Path(gate_package.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            found |= {(path.name, n) for n in names if n.split(".")[0] in NETWORK_AND_MAIL}
    assert found == set()
