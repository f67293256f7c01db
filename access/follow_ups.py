"""Follow-ups: a customer's message on a closed ticket starts a new ticket linked to it.

Closing is final (the ticket's figures and SLA are settled, the customer was told), so the
answer does not reopen it; it opens a follow-up of the same requester, source, usergroup,
priority and privacy, subject "Follow-up: <old subject>", carrying the message.

The link is the audit event of the follow-up's creation, `ticket.follow_up`: target the closed
ticket, on the follow-up's history, before/after the two numbers. Audit rows are written in the
change's transaction and never updated or deleted, and both directions are read through an
index ((target_kind, target_id) and (ticket)), so no table or column is needed for it. A person
sees a linked number only if they may see that ticket (`scope.visible`).
"""

from __future__ import annotations

from access import scope
from access.audit_actions import (
    TICKET_FOLLOW_UP,
    TICKET_LINK,
    TICKET_MERGE,
    TICKET_MERGED_IN,
    TICKET_SPLIT,
    TICKET_UNLINK,
)
from access.grants import Grants
from access.new_tickets import record_created
from access.request import Request
from access.views import AuditView, FollowUpLinks
from access.vocabulary import MAX_SUBJECT, NEW
from store.models import AuditEvent, Ticket
from store.rows import tuple_rows

FOLLOW_UP = TICKET_FOLLOW_UP
FOLLOW_UP_PREFIX = "Follow-up: "
# Events on one ticket whose target is another ticket (follow-ups, merges, links, splits).
LINKING = frozenset(
    {FOLLOW_UP, TICKET_LINK, TICKET_UNLINK, TICKET_MERGE, TICKET_MERGED_IN, TICKET_SPLIT}
)


def follow_up_subject(subject: str) -> str:
    """The subject `Follow-up: <subject>`, prefixed once (a follow-up of a follow-up too), cut
    to fit."""
    base = subject.removeprefix(FOLLOW_UP_PREFIX)
    return f"{FOLLOW_UP_PREFIX}{base}"[:MAX_SUBJECT]


def start_follow_up(request: Request, closed: Ticket, by: str, into: int | None = None) -> Ticket:
    """Create the follow-up of `closed` (its message is the caller's to add) and audit it: its
    creation and the link. Call inside the write transaction. `into` is another source for it
    (mail naming a ticket of an archived or another source starts a linked ticket in the
    source that received it)."""
    now = request.clock()
    subject = follow_up_subject(closed.subject)
    ticket = Ticket.create(
        subject=subject,
        status=NEW,
        priority=closed.priority,
        source=closed.source_id if into is None else into,
        requester=closed.requester_id,
        usergroup=closed.usergroup_id,
        private=closed.private,
        created_at=now,
        updated_at=now,
    )
    record_created(request, ticket, by=by)
    request.record(
        FOLLOW_UP,
        "ticket",
        closed.number,
        ticket=ticket.number,
        before=closed.number,
        after=ticket.number,
    )
    return ticket


def follow_ups_of(number: int) -> list[int]:
    """The numbers of the follow-ups started from ticket `number`, oldest first (for intake,
    which sees every ticket; people see `follow_up_links`)."""
    return sorted(
        new
        for (new,) in tuple_rows(
            AuditEvent.select(AuditEvent.ticket).where(
                (AuditEvent.action == FOLLOW_UP)
                & (AuditEvent.target_kind == "ticket")
                & (AuditEvent.target_id == number)
            )
        )
    )


def follow_up_links(grants: Grants, number: int) -> FollowUpLinks:
    """The follow-up links of ticket `number`, keeping only the tickets `grants` may see."""
    links = AuditEvent.action == FOLLOW_UP
    of = [
        old
        for (old,) in tuple_rows(
            AuditEvent.select(AuditEvent.target_id).where(links & (AuditEvent.ticket == number))
        )
    ]
    ups = follow_ups_of(number)
    linked = {*of, *ups}
    if not linked:
        return FollowUpLinks()
    seen = {
        n
        for (n,) in tuple_rows(
            Ticket.select(Ticket.number).where(Ticket.number.in_(linked) & scope.visible(grants))
        )
    }
    return FollowUpLinks(
        follow_up_of=next((n for n in of if n in seen), None),
        follow_ups=tuple(sorted(n for n in ups if n in seen)),
    )


def without_unseen_links(grants: Grants, events: list[AuditView]) -> list[AuditView]:
    """`events` with the other ticket of each link (the closed ticket of a follow-up, the
    ticket merged, linked or split off) blanked where `grants` may not see it: the event is
    shown on the history of the ticket the reader sees."""
    linked = {e.target_id for e in events if e.action in LINKING and e.target_id is not None}
    if not linked:
        return events
    seen = {
        n
        for (n,) in tuple_rows(
            Ticket.select(Ticket.number).where(Ticket.number.in_(linked) & scope.visible(grants))
        )
    }
    return [
        e._replace(target_id=None, before="", target=None)
        if e.action in LINKING and e.target_id not in seen
        else e
        for e in events
    ]
