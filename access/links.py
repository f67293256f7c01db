"""Links between tickets (`store.links.TicketLink`): related, duplicate, parent/child, and
`merged` (the ticket's conversation moved into the other). Each side shows a link only to those
who may see the other ticket; mail naming a merged ticket reaches the one it was merged into.
"""

from __future__ import annotations

from collections.abc import Iterable

from access import scope
from access.audit_actions import TICKET_LINK, TICKET_UNLINK
from access.errors import InvalidInput, NoChange
from access.grants import Grants
from access.request import Request
from access.views import TicketLinkView
from access.vocabulary import LINK_KINDS, LINK_LABELS, MERGED, RELATED
from store.links import TicketLink
from store.models import Ticket
from store.prepared import PreparedSelect
from store.rows import tuple_rows

# A chain of merges longer than this is not followed further (a loop cannot be written, but a
# reader must end anyway).
_LONGEST_CHAIN = 50


def merged_into(number: int) -> int | None:
    """The ticket `number` was merged into, if it was."""
    found = (
        TicketLink.select(TicketLink.other)
        .where((TicketLink.ticket == number) & (TicketLink.kind == MERGED))
        .scalar()
    )
    return int(found) if found is not None else None


# The merges of ticket numbers (the arguments but the last) into others (the last: `MERGED`).
_MERGED_STEP = PreparedSelect(
    lambda *args: TicketLink.select(TicketLink.ticket, TicketLink.other).where(
        TicketLink.ticket.in_(args[:-1]) & (TicketLink.kind == args[-1])
    )
)


def final_tickets(numbers: Iterable[int]) -> dict[int, int]:
    """Where mail naming each of ticket `numbers` belongs: the ticket it was merged into, and
    that one's, in turn; itself when it was never merged. One statement per step of the
    longest chain among them."""
    final = {number: number for number in numbers}
    ahead = set(final)
    for _ in range(_LONGEST_CHAIN):
        if not ahead:
            break
        step = dict(_MERGED_STEP.rows(*sorted(ahead), MERGED))
        final = {number: step.get(at, at) for number, at in final.items()}
        ahead = {step[at] for at in ahead if at in step}
    return final


def ticket_links(grants: Grants, number: int) -> tuple[TicketLinkView, ...]:
    """The links of ticket `number` to tickets `grants` may see, as they read on it."""
    rows = tuple_rows(
        TicketLink.select(TicketLink.kind, TicketLink.ticket, TicketLink.other)
        .where((TicketLink.ticket == number) | (TicketLink.other == number))
        .order_by(TicketLink.id)
    )
    sides = [(kind, frm == number, other if frm == number else frm) for kind, frm, other in rows]
    if not sides:
        return ()
    subjects = dict(
        tuple_rows(
            Ticket.select(Ticket.number, Ticket.subject).where(
                Ticket.number.in_(sorted({n for _, _, n in sides})) & scope.visible(grants)
            )
        )
    )
    return tuple(
        TicketLinkView(LINK_LABELS[(kind, outgoing)], other, subjects[other])
        for kind, outgoing, other in sides
        if other in subjects
    )


def checked_kind(kind: str) -> str:
    if kind not in LINK_KINDS:
        raise InvalidInput(f"unknown link kind {kind!r}; one of {', '.join(LINK_KINDS)}")
    return kind


def add_link(request: Request, number: int, other: int, kind: str) -> None:
    """Link `number` to `other` (`kind`) and audit it on both tickets, inside the caller's
    write transaction; the same link again is `NoChange` (a related link either way round)."""
    if number == other:
        raise InvalidInput(f"#{number} cannot be linked to itself")
    same = (TicketLink.ticket == number) & (TicketLink.other == other)
    if kind == RELATED:
        same |= (TicketLink.ticket == other) & (TicketLink.other == number)
    if TicketLink.select().where(same & (TicketLink.kind == kind)).exists():
        raise NoChange(f"#{number} is already linked to #{other} as {kind}")
    TicketLink.create(
        ticket=number,
        other=other,
        kind=kind,
        created_by=request.person_id,
        created_at=request.clock(),
    )
    for here, there in ((number, other), (other, number)):
        request.record(TICKET_LINK, "ticket", there, ticket=here, after=kind)


def remove_link(request: Request, number: int, other: int, kind: str | None) -> list[str]:
    """Remove the links between `number` and `other` (either way round; of `kind` only, when
    given) and audit each on both tickets, inside the caller's write transaction; the kinds
    removed. A merge is not a link to remove: it is refused, and no link at all is `NoChange`."""
    between = ((TicketLink.ticket == number) & (TicketLink.other == other)) | (
        (TicketLink.ticket == other) & (TicketLink.other == number)
    )
    if kind is not None:
        between &= TicketLink.kind == kind
    found = list(
        tuple_rows(
            TicketLink.select(TicketLink.id, TicketLink.kind).where(between).order_by(TicketLink.id)
        )
    )
    if any(found_kind == MERGED for _, found_kind in found):
        raise InvalidInput(
            f"#{number} and #{other} were merged; a merge is not undone by unlinking"
        )
    if not found:
        named = f" as {kind}" if kind is not None else ""
        raise NoChange(f"#{number} is not linked to #{other}{named}")
    TicketLink.delete().where(TicketLink.id.in_([link_id for link_id, _ in found])).execute()
    kinds = [found_kind for _, found_kind in found]
    for removed in kinds:
        for here, there in ((number, other), (other, number)):
            request.record(TICKET_UNLINK, "ticket", there, ticket=here, after=removed)
    return kinds
