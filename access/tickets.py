"""One ticket through the gate (`gate.tickets`): its detail, what a person may do on it, where
a reply would go, its attachments, its history, and deleting it; and the ticket's lock and
version for every change to it (`for_change`, `update_ticket`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, NamedTuple

import peewee

from access import scope
from access.audit_actions import TICKET_COPIES, TICKET_DELETE, TICKET_NOTE
from access.catalogue import (
    AUDIT_VIEW,
    TICKET_PERMISSIONS,
    TICKETS_DELETE,
    TICKETS_REPLY,
    TICKETS_VIEW,
    TICKETS_VIEW_CONTACT,
    TICKETS_VIEW_NOTES,
    PermissionKey,
)
from access.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from access.follow_ups import follow_up_links, without_unseen_links
from access.grants import Grants
from access.inbox import ticket_row, ticket_rows
from access.links import ticket_links
from access.outbox import outgoing
from access.request import Part
from access.sla_explanation import explain
from access.sla_views import SlaExplanation
from access.ticket_fields import fields_of_ticket
from access.versions import conflict_if_stale
from access.views import (
    HAND_BACK,
    REQUESTER_MESSAGE,
    AttachmentView,
    AuditView,
    FieldValue,
    MessageView,
    ReplyRoute,
    TicketDetail,
    parse_number,
)
from access.vocabulary import CLOSED, NOTE, QUEUED, REPLY, UNSENT
from store import dialect
from store.links import copies_of
from store.models import (
    Attachment,
    AuditEvent,
    CustomField,
    CustomFieldValue,
    MailAccount,
    Message,
    OutboxItem,
    Person,
    Source,
    Ticket,
)
from store.rows import dict_row, selected

# A reply is wrong once the ticket was settled meanwhile (see `gate.messages.reply`).
SETTLED = ("resolved", CLOSED)


# Bytes of an attachment read at a time when it is read through in pieces.
PIECE = 2**20


class Locked(NamedTuple):
    """A ticket read for a change inside its transaction, and whether the permission the
    change needs counts there (`allowed`)."""

    ticket: Ticket
    allowed: bool


class Tickets(Part):
    """`gate.tickets`: one ticket, read or deleted."""

    def allowed_on(self, number: int | str) -> frozenset[str]:
        """The ticket permissions that count for this person on this ticket: about the person
        themselves, on a ticket they see (any other is `NotFound`)."""
        number = parse_number(number)
        grants = self._open().grants()
        return visible_and_allowed(grants, number)[1]

    def get_ticket(self, number: int | str) -> TicketDetail:
        request = self._open()
        return _detail(request.grants(), parse_number(number), request.now)

    def sla_explanation(self, number: int | str) -> SlaExplanation:
        """Which service-level policy ticket `number` matches and why (each policy tried, in
        match order, with its conditions), the calendar, each clock with its pauses, the
        business minutes it counted and its due time. Seen where the ticket can be opened
        (`tickets.view`); a ticket out of scope is `NotFound`."""
        request = self._open()
        grants = request.grants()
        number = parse_number(number)
        if TICKETS_VIEW not in visible_and_allowed(grants, number)[1]:
            raise PermissionDenied(f"{grants.username} may list #{number} but not open it")
        return explain(request, number)

    def reply_route(self, number: int | str) -> ReplyRoute:
        """Where a reply on ticket `number` would go: to whom, from which address, or why it
        would be recorded on the ticket and not sent. Needs tickets.reply on the ticket; names
        the requester's address only with tickets.view_contact on it."""
        number = parse_number(number)
        grants = self._open().grants()
        ticket, allowed = visible_and_allowed(grants, number)
        if TICKETS_REPLY not in allowed:
            raise refuse(grants, number, TICKETS_REPLY)
        return outgoing(ticket).route(contact=TICKETS_VIEW_CONTACT in allowed)

    def attachment(
        self, number: int | str, attachment_id: int, *, first: int | None = None
    ) -> tuple[AttachmentView, bytes]:
        """One attachment of a message this person may read on this ticket, with its bytes
        (only the `first` bytes when given: the start of a big file to show, not all of it)."""
        listed = self._kept_attachment(number, attachment_id)
        return listed, _attachment_bytes(attachment_id, first)

    def attachment_pieces(
        self, number: int | str, attachment_id: int, *, piece: int = PIECE
    ) -> tuple[AttachmentView, Iterator[bytes]]:
        """`attachment`, its bytes read `piece` bytes at a time as the iterator is walked (in
        the thread that walks it), never whole: for a big file read through to its end, such
        as the list of the files an attached mail carries. The right is checked now."""
        listed = self._kept_attachment(number, attachment_id)
        return listed, _pieces(attachment_id, listed.size, max(piece, 1))

    def _kept_attachment(self, number: int | str, attachment_id: int) -> AttachmentView:
        request = self._open()
        detail = _detail(request.grants(), parse_number(number), request.now)
        for message in detail.messages:
            for listed in message.attachments:
                if listed.id == attachment_id:
                    if not listed.kept:
                        raise InvalidInput(
                            f"{listed.filename} was over the size limit and was not kept"
                        )
                    return listed
        raise NotFound(f"no attachment {attachment_id} on #{detail.row.number}")

    def ticket_history(self, number: int | str) -> list[AuditView]:
        """The audit events of one ticket, oldest first, for people with `audit.view` who see
        the ticket; a note's text only where they may read its notes."""
        number = parse_number(number)
        grants = self._open().require(AUDIT_VIEW)
        allowed = visible_and_allowed(grants, number)[1]
        notes_ok = TICKETS_VIEW_NOTES in allowed
        contact_ok = TICKETS_VIEW_CONTACT in allowed
        Actor = Person.alias("actor")
        events = (
            AuditEvent.select(AuditEvent, Actor.username)
            .join(Actor, peewee.JOIN.LEFT_OUTER, on=(AuditEvent.actor == Actor.id))
            .where(AuditEvent.ticket == number)
            .order_by(AuditEvent.id)
        )
        views = [
            AuditView(
                e.id,
                e.at,
                e.actor.username if e.actor is not None else None,
                e.action,
                e.target_kind,
                e.target_id,
                e.ticket,
                "" if e.action == TICKET_COPIES and not contact_ok else e.before,
                ""
                if (e.action == TICKET_NOTE and not notes_ok)
                or (e.action == TICKET_COPIES and not contact_ok)
                else e.after,
            )
            for e in events
        ]
        return without_unseen_links(grants, views)

    def delete_ticket(self, number: int | str, *, expected_version: int | None = None) -> None:
        number = parse_number(number)
        request = self._open()
        try:
            with request.writing():
                grants = request.grants()
                locked = for_change(grants, number, TICKETS_DELETE)
                ticket = locked.ticket
                if not locked.allowed:
                    raise refuse(grants, number, TICKETS_DELETE)
                conflict_if_stale(expected_version, ticket.version, f"ticket #{number}")
                before = {"subject": ticket.subject, "status": ticket.status}
                Ticket.delete().where(Ticket.number == number).execute()
                request.record(TICKET_DELETE, "ticket", number, ticket=number, before=before)
        except PermissionDenied as exc:
            request.record_denied(TICKET_DELETE, "ticket", number, str(exc))
            raise


def _detail(grants: Grants, number: int, now: datetime) -> TicketDetail:
    """The ticket as the person may read it: its row, the messages and contact they may see,
    the deliveries of its replies, and what they may do on it."""
    ticket, allowed = visible_and_allowed(grants, number)
    is_requester = ticket.requester_id == grants.person_id
    if TICKETS_VIEW not in allowed and not is_requester:
        raise PermissionDenied(f"{grants.username} may list #{number} but not open it")
    row = ticket_row(dict_row(ticket_rows(grants, Ticket.number == number)), now)
    if TICKETS_VIEW not in allowed:  # tags and fields are the team's, not the requester's
        row = row._replace(tags=())
    shown = Message.select(Message, Person).join(Person).where(Message.ticket == number)
    if TICKETS_VIEW_NOTES not in allowed:
        shown = shown.where(Message.kind != NOTE)
    requester = Person.get_by_id(ticket.requester_id)
    contact = TICKETS_VIEW_CONTACT in allowed or is_requester
    messages = list(shown.order_by(Message.created_at, Message.id))
    files = _attachments_of([m.id for m in messages])
    deliveries = {
        o.message_id: o
        for o in OutboxItem.select().where(OutboxItem.message.in_([m.id for m in messages]))
    }
    server_problem = _server_problem(ticket.source_id) if deliveries else ""
    # A reply with no outbox item was recorded and not sent when its source has no way out.
    unqueued = any(m.kind == REPLY and m.id not in deliveries for m in messages)
    unsent = outgoing(ticket).unsent if unqueued else ""
    return TicketDetail(
        row=row,
        requester_name=requester.display_name,
        requester_email=requester.email if contact else None,
        requester_phone=requester.phone if contact else None,
        messages=tuple(
            MessageView(
                id=m.id,
                kind=m.kind,
                author=m.author.username,
                author_name=m.author.display_name,
                body=m.body,
                created_at=m.created_at,
                attachments=files.get(m.id, ()),
                delivery=_delivery(m, deliveries, unsent),
                delivery_error=(
                    _delivery_error(deliveries[m.id], server_problem)
                    if m.id in deliveries
                    else (unsent if m.kind == REPLY else "")
                ),
            )
            for m in messages
        ),
        group_fields=fields_of_group(ticket.usergroup_id),
        allowed=allowed
        | ({REQUESTER_MESSAGE} if is_requester else set())
        | ({HAND_BACK} if ticket.assignee_id == grants.person_id else set()),
        channel=Source.get_by_id(ticket.source_id).kind,
        links=follow_up_links(grants, number),
        related=ticket_links(grants, number),
        copies=tuple(copies_of(number)) if TICKETS_VIEW_CONTACT in allowed else None,
        ticket_fields=fields_of_ticket(number) if TICKETS_VIEW in allowed else (),
    )


def visible_ticket(grants: Grants, number: int) -> Ticket:
    ticket = Ticket.get_or_none((Ticket.number == number) & scope.visible(grants))
    if ticket is None:
        raise NotFound(f"no ticket #{number}")
    return ticket


def allowed_here(grants: Grants, number: int) -> frozenset[str]:
    """The ticket permissions that count for the person on ticket `number` (none on a ticket
    they do not see)."""
    keys = sorted(TICKET_PERMISSIONS)
    query = Ticket.select(*_permission_columns(grants, keys))
    row = query.where((Ticket.number == number) & scope.visible(grants)).tuples().first()
    return frozenset(key for key, flag in zip(keys, row or (), strict=False) if flag)


def visible_and_allowed(grants: Grants, number: int) -> tuple[Ticket, frozenset[str]]:
    """`visible_ticket` and `allowed_here` in one statement: the ticket, if the person sees it
    (else `NotFound`), and the ticket permissions that count for them on it."""
    keys = sorted(TICKET_PERMISSIONS)
    query = Ticket.select(Ticket, *_permission_columns(grants, keys))
    ticket = query.where((Ticket.number == number) & scope.visible(grants)).first()
    if ticket is None:
        raise NotFound(f"no ticket #{number}")
    return ticket, frozenset(key for i, key in enumerate(keys) if selected(ticket, f"p{i}"))


def _permission_columns(grants: Grants, keys: list[PermissionKey]) -> list[peewee.ColumnBase]:
    """A column per permission of `keys`, 1 where it counts, for a statement whose WHERE
    holds `scope.visible`: each says only the permission's own rules
    (`scope.counts_on_visible`), not `visible` once more, which would be written out and
    evaluated once per permission."""
    return [
        peewee.Case(None, [(scope.counts_on_visible(grants, key), 1)], 0).alias(f"p{i}")
        for i, key in enumerate(keys)
    ]


def for_change(grants: Grants, number: int, permission: PermissionKey) -> Locked:
    """The ticket, read and locked inside the write transaction in one statement, if the
    person sees it, with whether `permission` counts on it."""
    allowed = peewee.Case(None, [(scope.may(grants, permission), 1)], 0).alias("allowed")
    query = Ticket.select(Ticket, allowed).where((Ticket.number == number) & scope.visible(grants))
    ticket: Ticket | None = dialect.for_change(query).objects().first()
    if ticket is None:
        raise NotFound(f"no ticket #{number}")
    return Locked(ticket, allowed=bool(selected(ticket, "allowed")))


def refuse(grants: Grants, number: int, permission: PermissionKey) -> PermissionDenied:
    return PermissionDenied(f"{grants.username} lacks {permission} on ticket #{number}")


def update_ticket(
    ticket: Ticket, expected: int | None, changes: dict[peewee.Field, Any], now: datetime
) -> int:
    """Compare-and-set on the version column, the ticket changed at `now`; returns the new
    version."""
    conflict_if_stale(expected, ticket.version, f"ticket #{ticket.number}")
    changes = {**changes, Ticket.updated_at: now, Ticket.version: Ticket.version + 1}
    updated = (
        Ticket.update(changes)
        .where((Ticket.number == ticket.number) & (Ticket.version == ticket.version))
        .execute()
    )
    if not updated:
        raise Conflict(f"ticket #{ticket.number} was changed by someone else; reload it")
    return ticket.version + 1


def _server_problem(source_id: int) -> str:
    """Why the source's SMTP server could not be used at its last try, "" when it could."""
    problem = (
        MailAccount.select(MailAccount.send_error).where(MailAccount.source == source_id).scalar()
    )
    return str(problem or "")


def _delivery_error(item: OutboxItem | None, server_problem: str) -> str:
    """What the ticket says of a reply's delivery: a waiting reply waits for the server's
    problem when there is one, else the reply's own last error."""
    if item is None:
        return ""
    if item.state == QUEUED and server_problem:
        return server_problem
    return str(item.last_error)


def _delivery(message: Message, deliveries: Mapping[int, OutboxItem], unsent: str) -> str | None:
    """What became of `message`: its outbox item's state, `unsent` for a reply its source had
    no way to send, nothing for other messages."""
    if message.id in deliveries:
        state: str = deliveries[message.id].state
        return state
    return UNSENT if message.kind == REPLY and unsent else None


def _pieces(attachment_id: int, size: int, piece: int) -> Iterator[bytes]:
    for start in range(0, size, piece):
        found = dialect.read_slice(Attachment.data, attachment_id, start, piece)
        if not found:
            return
        yield found


def _attachment_bytes(attachment_id: int, first: int | None) -> bytes:
    if first is not None:
        return dialect.read_head(Attachment.data, attachment_id, max(first, 0))
    return bytes(Attachment.get_by_id(attachment_id).data)


def _attachments_of(message_ids: list[int]) -> dict[int, tuple[AttachmentView, ...]]:
    found: dict[int, list[AttachmentView]] = {}
    rows = (
        Attachment.select(
            Attachment.id,
            Attachment.message,
            Attachment.filename,
            Attachment.content_type,
            Attachment.size,
            Attachment.inline,
            Attachment.kept,
        )
        .where(Attachment.message.in_(message_ids))
        .order_by(Attachment.id)
    )
    for a in rows:
        found.setdefault(a.message_id, []).append(
            AttachmentView(a.id, a.filename, a.content_type, a.size, a.inline, a.kept)
        )
    return {k: tuple(v) for k, v in found.items()}


def fields_of_group(group_id: int | None) -> tuple[FieldValue, ...]:
    if group_id is None:
        return ()
    rows = (
        CustomField.select(CustomField, CustomFieldValue.value)
        .join(
            CustomFieldValue,
            peewee.JOIN.LEFT_OUTER,
            on=(
                (CustomFieldValue.field == CustomField.id)
                & (CustomFieldValue.usergroup == group_id)
            ),
        )
        .where(CustomField.retired == False)  # noqa: E712
        .order_by(CustomField.position, CustomField.name)
        .objects()
    )
    return tuple(FieldValue(f.name, f.kind, getattr(f, "value", None) or "") for f in rows)
