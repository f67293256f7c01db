"""Replies, notes and the requester's own messages on a ticket, and sending a failed reply
again (`gate.messages`). A requester's message goes through `access.filing`, as their mail does."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

import peewee

from access import audit, notify_events, rule_events
from access.audit_actions import MAIL_RESEND, TICKET_REPLY, TICKET_STATUS
from access.catalogue import TICKETS_NOTE, TICKETS_REPLY
from access.change_pipeline import change_one
from access.drafts import drop_sent_draft, drop_sent_drafts
from access.due_times import keep_due_times
from access.errors import Conflict, InvalidInput, NoChange, PermissionDenied
from access.file_limit import refuse_over_limit
from access.filing import (
    clean_body,
    customer_wrote,
    follow_up_by_customer,
    new_message,
    new_messages,
)
from access.outbox import failed_reply, queue_again, queue_replies, queue_reply
from access.request import Part, Request
from access.requester_messages import FINAL_STATUS, reopen_for_requester
from access.ticket_writes import TicketWrites
from access.tickets import SETTLED, for_change, parse_number, refuse, update_ticket
from access.views import NewFile, Posted, Seen
from access.vocabulary import CUSTOMER, REPLY
from store.models import Attachment, Message, Person, Source, Ticket
from store.rows import tuple_rows


class Messages(Part):
    """`gate.messages`: what is written on a ticket; the checks and the version are the
    ticket's (`access.tickets.for_change`, `update_ticket`)."""

    def reply(
        self,
        number: int | str,
        body: str,
        *,
        expected_version: int | None = None,
        seen: Seen | None = None,
        status: str | None = None,
        files: Sequence[NewFile] = (),
    ) -> Posted:
        """A reply to the requester; the requester's own message when they write on their ticket.
        `files` are attached to it (and leave with it by mail); one over the gate's size
        limit refuses the reply (`FileTooLarge`).

        `expected_version` refuses the reply after any change; `seen` (what the writer saw)
        only after a change that makes the reply wrong (`_reply_still_right`). With `status`
        the ticket is set to it too (`_reply_and_set_status`)."""
        request = self._open()
        for file in files:
            refuse_over_limit(file.filename, len(file.data), self._session.file_limit)
        if status is not None:
            return _reply_and_set_status(
                request, number, body, status, expected_version, seen, files
            )
        return add_message(request, number, "reply", body, expected_version, seen, files)

    def note(
        self,
        number: int | str,
        body: str,
        *,
        expected_version: int | None = None,
        seen: Seen | None = None,
    ) -> Posted:
        """An internal note. With `seen`, no change by others stops it: a note adds to what is
        known and reaches no customer."""
        return add_message(self._open(), number, "note", body, expected_version, seen)

    def resend(self, number: int | str, message_id: int) -> None:
        """Send a reply whose delivery failed once more (after the address or the server was
        put right). Needs the right to reply on the ticket."""
        number = parse_number(number)
        request = self._open()
        try:
            with request.writing():
                grants = request.grants()
                locked = for_change(grants, number, TICKETS_REPLY)
                if not locked.allowed:
                    raise refuse(grants, number, TICKETS_REPLY)
                if Source.get_by_id(locked.ticket.source_id).archived:
                    raise InvalidInput(f"the source of #{number} is archived; nothing is sent")
                item = failed_reply(number, message_id)
                queue_again(item, request.clock())
                request.record(
                    MAIL_RESEND, "outbox", item.id, ticket=number, before=item.last_error
                )
        except PermissionDenied as exc:
            request.record_denied(MAIL_RESEND, "ticket", number, str(exc))
            raise


def add_message(
    request: Request,
    number: int | str,
    kind: str,
    body: str,
    expected: int | None,
    seen: Seen | None = None,
    files: Sequence[NewFile] = (),
) -> Posted:
    """`_write_message`, then the rules of what it was: the customer writing, or a follow-up
    filed (`access.rule_events`)."""
    posted, written = _write_message(request, number, kind, body, expected, seen, files)
    if posted.follow_up_of is not None:
        rule_events.ticket_filed(request.session.clock, posted.ticket)
    elif written == CUSTOMER:
        rule_events.customer_wrote(request.session.clock, posted.ticket)
    return posted


def add_messages(
    request: Request,
    kind: str,
    bodies: dict[int, str],
    mentioned: Mapping[int, list[int]],
    *,
    tickets: TicketWrites | None = None,
    auto_submitted: str = "",
) -> dict[int, int]:
    """Inside a write transaction: an agent's replies or notes (`kind`) on many tickets
    (`bodies`: ticket number to clean text), each ticket already read in this transaction as
    one the person may write `kind` on, the people each note mentions already checked
    (`mentioned`). What `_write_message` does for one, in a number of statements that does
    not grow with the tickets: their sent drafts dropped, their versions moved, the messages
    written, the replies queued, the audit events, the notifications. The caller keeps the
    due times a reply moves (`keep_due_times`), once for all the changes of its transaction.
    Given `tickets`, the tickets' new versions are left to it (`TicketWrites.flush`);
    `auto_submitted`: replies a rule sends, their mail marked so (`outbox.queue_replies`).
    Returns the messages written, by ticket."""
    if not bodies:
        return {}
    numbers = list(bodies)
    person = request.person_id
    permission = TICKETS_REPLY if kind == REPLY else TICKETS_NOTE
    drop_sent_drafts(person, numbers, permission)
    now = request.clock()
    writes = TicketWrites() if tickets is None else tickets
    writes.add(numbers, {}, now)
    if tickets is None:
        writes.flush(now)
    messages = new_messages(person, kind, bodies, now)
    if kind == REPLY:
        queue_replies(messages, now, auto_submitted)
    request.record_many(
        [
            audit.Event(f"ticket.{kind}", "message", messages[n], ticket=n, after={"body": body})
            for n, body in bodies.items()
        ]
    )
    notify_events.messages_added(person, messages, mentioned, now)
    return messages


def _write_message(
    request: Request,
    number: int | str,
    kind: str,
    body: str,
    expected: int | None,
    seen: Seen | None = None,
    files: Sequence[NewFile] = (),
) -> tuple[Posted, str]:
    """A reply or a note, and the kind written; a reply by the requester who may not reply on
    the ticket is their own message (kind `customer`). An agent's reply on a closed ticket is
    added to it and the ticket stays closed (closing is final; the customer's answer to it
    starts a follow-up); the requester's message on one starts the follow-up."""
    number = parse_number(number)
    body = clean_body(body)
    permission = TICKETS_REPLY if kind == REPLY else TICKETS_NOTE
    try:
        with request.writing():
            grants = request.grants()
            locked = for_change(grants, number, permission)
            ticket = locked.ticket
            if not locked.allowed:
                if kind != REPLY or ticket.requester_id != grants.person_id:
                    raise refuse(grants, number, permission)
                kind = CUSTOMER
            if seen is not None:
                if kind == REPLY:
                    _reply_still_right(ticket, seen)
                expected = ticket.version
            drop_sent_draft(grants.person_id, number, permission)  # rolled back with it
            changes: dict[peewee.Field, Any] = {}
            if kind == CUSTOMER:
                if ticket.status == FINAL_STATUS:
                    return _follow_up(request, ticket, grants.person_id, body), kind
                reopen_for_requester(request, ticket, changes)
            now = request.clock()
            version = update_ticket(ticket, expected, changes, now)
            message_id = new_message(number, grants.person_id, body, kind, now=now)
            names = _attach(message_id, files)
            unsent = queue_reply(ticket, message_id, now) if kind == REPLY else ""
            if kind == CUSTOMER:
                customer_wrote(request, number, message_id, body, None)
            else:
                after: dict[str, Any] = {"body": body}
                if names:
                    after["files"] = names
                request.record(f"ticket.{kind}", "message", message_id, ticket=number, after=after)
                notify_events.message_added(grants.person_id, number, message_id, kind, body, now)
            if kind == REPLY:  # meets first or next response; a note moves no clock
                keep_due_times(request, [number])
            closed = kind == REPLY and ticket.status == FINAL_STATUS
            return Posted(number, version, stays_closed=closed, unsent=unsent), kind
    except PermissionDenied as exc:
        request.record_denied(f"ticket.{kind}", "ticket", number, str(exc))
        raise


def _reply_and_set_status(
    request: Request,
    number: int | str,
    body: str,
    status: str,
    expected: int | None,
    seen: Seen | None,
    files: Sequence[NewFile] = (),
) -> Posted:
    """A reply, then the status through the change pipeline, in one transaction: a status the
    person may not set refuses the reply with it (nothing is sent), a ticket already so takes
    the reply alone. A requester's message on their own ticket sets no status: refused whole."""
    number = parse_number(number)
    action = TICKET_REPLY
    try:
        with request.writing():
            posted = add_message(request, number, REPLY, body, expected, seen, files)
            action = TICKET_STATUS
            if posted.follow_up_of is not None:
                raise PermissionDenied(f"{request.username} lacks {TICKETS_REPLY} on #{number}")
            with contextlib.suppress(NoChange):
                version = change_one(request, "status", number, status, posted.version)
                posted = posted._replace(version=version)
            return posted
    except PermissionDenied as exc:
        request.record_denied(action, "ticket", number, str(exc))
        raise


def _attach(message_id: int, files: Sequence[NewFile]) -> list[str]:
    """The files kept with the message, in its transaction; their names."""
    names = []
    for file in files:
        name = PurePosixPath(file.filename.replace("\\", "/")).name
        if name in ("", ".", ".."):
            raise InvalidInput(f"{file.filename!r} is not a file name")
        Attachment.create(
            message=message_id,
            filename=name,
            content_type=file.content_type or "application/octet-stream",
            size=len(file.data),
            data=file.data,
        )
        names.append(name)
    return names


def _reply_still_right(ticket: Ticket, seen: Seen) -> None:
    """Raise `Conflict` when a change made since `seen` makes a reply wrong.

    A reply goes to the customer, so it is wrong when the customer wrote again (it does not
    answer what they said last), when a colleague replied (the customer would get two
    answers), or when the ticket was resolved or closed (the matter was settled). Whatever
    else changed leaves the reply right: a new assignee, group, priority or open status, an
    internal note; those show on the screen and the reply goes through."""
    if ticket.version == seen.version:
        return
    newer = list(
        tuple_rows(
            Message.select(Message.kind, Person.username)
            .join(Person, on=(Message.author == Person.id))
            .where(
                (Message.ticket == ticket.number)
                & (Message.id > seen.last_message)
                & Message.kind.in_((CUSTOMER, REPLY))
            )
            .order_by(Message.id)
        )
    )
    reasons = []
    if any(kind == CUSTOMER for kind, _ in newer):
        reasons.append("the customer wrote again")
    repliers = sorted({name for kind, name in newer if kind == REPLY})
    if repliers:
        reasons.append(f"{', '.join(repliers)} replied")
    if ticket.status in SETTLED and ticket.status != seen.status:
        reasons.append(f"it was set {ticket.status}")
    if reasons:
        raise Conflict(f"#{ticket.number} changed while you wrote: {'; '.join(reasons)}")


def _follow_up(request: Request, closed: Ticket, author: int, body: str) -> Posted:
    """The requester wrote on their closed ticket: the message starts a linked follow-up
    (`access.follow_ups`); the closed ticket stays as it was."""
    follow_up, _message = follow_up_by_customer(request, closed, author, body, by="requester")
    return Posted(follow_up.number, follow_up.version, follow_up_of=closed.number)
