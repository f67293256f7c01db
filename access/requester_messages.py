"""What a requester's own message does to their ticket, whether it came by mail or was written in
the app: one rule, used by both.

A pending ticket waited for the customer and a resolved one was thought settled: the customer's
answer reopens either (status `open`). A closed ticket stays closed: closing is final (its
figures and SLA are settled, reports count it, the customer was told), so an answer to it starts
a follow-up linked to it (`access.follow_ups`), by mail and in the app alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from access.audit_actions import TICKET_STATUS
from access.vocabulary import CLOSED, OPEN, PENDING, RESOLVED
from store.models import Ticket

if TYPE_CHECKING:
    import peewee

    from access.request import Request

REOPENED_BY_REQUESTER = (PENDING, RESOLVED)
REOPENED_STATUS = OPEN
FINAL_STATUS = CLOSED


def reopen_for_requester(
    request: Request, ticket: Ticket, changes: dict[peewee.Field, Any]
) -> None:
    """Where the requester's message reopens `ticket`: the new status into `changes`, the
    change's audit event recorded."""
    if ticket.status not in REOPENED_BY_REQUESTER:
        return
    changes[Ticket.status] = REOPENED_STATUS
    request.record(
        TICKET_STATUS,
        "ticket",
        ticket.number,
        ticket=ticket.number,
        before=ticket.status,
        after=REOPENED_STATUS,
    )
