"""`gate.merging`: merging one ticket into another, linking two, splitting a message off.

A merge moves ticket B's messages (with their attachments and deliveries), its mail's
Message-IDs (so that answers to B's conversation thread onto A), its drafts and its copied
addresses onto A; B is closed and linked as merged into A, and mail naming `[#B]` reaches A
(`access.links.final_tickets`). Merge is where helpdesks leaked (a person merging a ticket they
may not change into one they may, or the other way round): it needs `tickets.merge` on BOTH
tickets, read and locked in the merge's one transaction, and a refusal writes nothing but its
audit line. Both tickets' versions are compared and set; both carry an audit event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from access.audit_actions import (
    TICKET_LINK,
    TICKET_MERGE,
    TICKET_MERGED_IN,
    TICKET_SPLIT,
    TICKET_STATUS,
    TICKET_UNLINK,
)
from access.catalogue import (
    TICKETS_CREATE,
    TICKETS_MERGE,
    TICKETS_NOTE,
    TICKETS_VIEW,
    TICKETS_VIEW_NOTES,
)
from access.copies import write_copies
from access.errors import InvalidInput, NoChange, NotFound, PermissionDenied
from access.filing import file_ticket
from access.grants import Grants
from access.links import add_link, checked_kind, merged_into, remove_link
from access.new_tickets import record_created
from access.request import Part, Request
from access.tickets import (
    Locked,
    allowed_here,
    for_change,
    parse_number,
    refuse,
    update_ticket,
    visible_and_allowed,
)
from access.views import MergePlan
from access.vocabulary import CLOSED, CUSTOMER, MERGED, NOTE, RELATED
from store.dialect import reindex_tickets
from store.links import TicketLink, copies_of
from store.models import Attachment, Draft, DraftFile, MailId, Message, Ticket, database_proxy

Tied = TypeVar("Tied")


class Merging(Part):
    """`gate.merging`: merge, link, split."""

    def merge(
        self,
        number: int | str,
        into: int | str,
        *,
        dry_run: bool = False,
        expected_versions: tuple[int | None, int | None] = (None, None),
    ) -> MergePlan:
        """Merge ticket `number` into ticket `into`; `dry_run` says what would move and
        writes nothing. `expected_versions`: the versions of the two the person read."""
        merged, kept = parse_number(number), parse_number(into)
        if merged == kept:
            raise InvalidInput(f"#{merged} cannot be merged into itself")
        request = self._open()
        try:
            request.require(TICKETS_MERGE)
            with request.writing():
                return _merge(request, merged, kept, dry_run, expected_versions)
        except PermissionDenied as exc:
            if not dry_run:
                request.record_denied(TICKET_MERGE, "ticket", merged, str(exc))
            raise

    def link(self, number: int | str, other: int | str, kind: str = RELATED) -> None:
        """Link two tickets the person may open both of; writing the link needs the right to
        note on the first (a view-only person writes nothing)."""
        kind = checked_kind(kind)
        self._tie(number, other, TICKET_LINK, lambda r, a, b: add_link(r, a, b, kind))

    def unlink(self, number: int | str, other: int | str, kind: str | None = None) -> list[str]:
        """Remove the links between two tickets (of `kind` only, when given), with the rights
        that link them: open both, note on the first. The kinds removed."""
        only = checked_kind(kind) if kind is not None else None
        return self._tie(number, other, TICKET_UNLINK, lambda r, a, b: remove_link(r, a, b, only))

    def _tie(
        self,
        number: int | str,
        other: int | str,
        action: str,
        write: Callable[[Request, int, int], Tied],
    ) -> Tied:
        """`write` the link change between two tickets in one transaction, once the person may
        link them; a refusal is audited as `action` on the first."""
        first, second = parse_number(number), parse_number(other)
        request = self._open()
        try:
            grants = request.require(TICKETS_VIEW)
            with request.writing():
                _may_link(grants, first, second)
                return write(request, first, second)
        except PermissionDenied as exc:
            request.record_denied(action, "ticket", first, str(exc))
            raise

    def split(self, number: int | str, message_id: int) -> int:
        """Move one message of ticket `number` (with its attachments) into a new ticket of
        the same requester, source, group, priority and privacy, filed as any other and
        linked as related; the new ticket's number. Needs `tickets.merge` on the ticket and
        `tickets.create`."""
        number = parse_number(number)
        request = self._open()
        grants = request.require(TICKETS_MERGE)
        with request.writing():
            locked = _locked(grants, number)
            if not grants.holds(TICKETS_CREATE):
                raise PermissionDenied(f"{grants.username} lacks {TICKETS_CREATE}")
            message = Message.get_or_none((Message.id == message_id) & (Message.ticket == number))
            notes_ok = TICKETS_VIEW_NOTES in allowed_here(grants, number)
            if message is None or (message.kind == NOTE and not notes_ok):
                raise NotFound(f"#{number} has no message {message_id}")
            if Message.select().where(Message.ticket == number).count() < 2:
                raise InvalidInput(f"message {message_id} is all of #{number}; nothing to split")
            ticket = locked.ticket
            new_number = file_ticket(
                ticket.subject,
                ticket.source_id,
                message.author_id if message.kind == CUSTOMER else ticket.requester_id,
                group=ticket.usergroup_id,
                private=ticket.private,
                priority=ticket.priority,
                now=request.clock(),
            )
            record_created(request, Ticket.get_by_id(new_number), split_from=number)
            Message.update(ticket=new_number).where(Message.id == message_id).execute()
            MailId.update(ticket=new_number).where(MailId.message == message_id).execute()
            reindex_tickets(database_proxy, [number, new_number])
            update_ticket(ticket, None, {}, request.clock())
            request.record(TICKET_SPLIT, "ticket", new_number, ticket=number, after=message_id)
            add_link(request, new_number, number, RELATED)
            return new_number


def _locked(grants: Grants, number: int) -> Locked:
    locked = for_change(grants, number, TICKETS_MERGE)
    if not locked.allowed:
        raise refuse(grants, number, TICKETS_MERGE)
    return locked


def _merge(
    request: Request,
    merged: int,
    kept: int,
    dry_run: bool,
    expected: tuple[int | None, int | None],
) -> MergePlan:
    """Inside the write transaction: both tickets locked in number order (two merges the
    other way round cannot wait on each other), both checked, then everything moved."""
    grants = request.grants()
    locks = {n: _locked(grants, n) for n in sorted((merged, kept))}
    gone, stays = locks[merged].ticket, locks[kept].ticket
    already = merged_into(merged)
    if already is not None:
        raise NoChange(f"#{merged} was already merged into #{already}")
    onward = merged_into(kept)
    if onward is not None:
        raise InvalidInput(f"#{kept} was merged into #{onward}; merge into that one")
    message_ids = [m.id for m in Message.select(Message.id).where(Message.ticket == merged)]
    drafts = list(Draft.select().where(Draft.ticket == merged))
    copies = [a for a in copies_of(merged) if a not in copies_of(kept)]
    plan = MergePlan(
        merged,
        kept,
        len(message_ids),
        Attachment.select().where(Attachment.message.in_(message_ids)).count()
        if message_ids
        else 0,
        len(drafts),
        len(copies),
        dry_run,
    )
    if dry_run:
        return plan
    now = request.clock()
    update_ticket(gone, expected[0], {Ticket.status: CLOSED}, now)
    update_ticket(stays, expected[1], {}, now)
    Message.update(ticket=kept).where(Message.ticket == merged).execute()
    MailId.update(ticket=kept).where(MailId.ticket == merged).execute()
    _move_drafts(drafts, kept)
    write_copies(kept, copies)
    TicketLink.create(
        ticket=merged, other=kept, kind=MERGED, created_by=request.person_id, created_at=now
    )
    reindex_tickets(database_proxy, [merged, kept])
    if gone.status != CLOSED:
        request.record(
            TICKET_STATUS, "ticket", merged, ticket=merged, before=gone.status, after=CLOSED
        )
    moved = {"messages": plan.messages, "attachments": plan.attachments}
    request.record(TICKET_MERGE, "ticket", kept, ticket=merged, after=moved)
    request.record(TICKET_MERGED_IN, "ticket", merged, ticket=kept, after=moved)
    return plan


def _move_drafts(drafts: list[Draft], kept: int) -> None:
    """B's drafts onto A; where the writer has a draft of that kind on A already, B's text is
    added under it and B's files go with A's, so that nobody's unsent words are lost."""
    for draft in drafts:
        there = Draft.get_or_none(
            (Draft.person == draft.person_id) & (Draft.ticket == kept) & (Draft.kind == draft.kind)
        )
        if there is None:
            Draft.update(ticket=kept).where(Draft.id == draft.id).execute()
            continue
        Draft.update(body=f"{there.body}\n\n{draft.body}").where(Draft.id == there.id).execute()
        DraftFile.update(draft=there.id).where(DraftFile.draft == draft.id).execute()
        Draft.delete().where(Draft.id == draft.id).execute()


def _may_link(grants: Grants, first: int, second: int) -> None:
    """Linking or unlinking two tickets needs both open to the person and the right to note
    on the first (a view-only person writes nothing)."""
    for n, needed in ((first, (TICKETS_VIEW, TICKETS_NOTE)), (second, (TICKETS_VIEW,))):
        allowed = visible_and_allowed(grants, n)[1]
        for permission in needed:
            if permission not in allowed:
                raise refuse(grants, n, permission)
