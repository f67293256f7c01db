"""The audit event of a new ticket, the same for every way a ticket is filed."""

from __future__ import annotations

from access.audit_actions import TICKET_CREATE
from access.request import Request
from store.models import Person, Source, Ticket, Usergroup


def group_name(group_id: int | None) -> str | None:
    if group_id is None:
        return None
    group = Usergroup.get_or_none(Usergroup.id == group_id)
    return group.name if group else None


def record_created(request: Request, ticket: Ticket, **extra: object) -> None:
    """`ticket.create` with the new ticket's fields (and `extra`, such as who filed it how).
    Call inside the transaction that created it."""
    request.record(
        TICKET_CREATE,
        "ticket",
        ticket.number,
        ticket=ticket.number,
        after={
            "subject": ticket.subject,
            "group": group_name(ticket.usergroup_id),
            "source": Source.get_by_id(ticket.source_id).name,
            "private": ticket.private,
            "priority": ticket.priority,
            "requester": Person.get_by_id(ticket.requester_id).username,
            **extra,
        },
    )
