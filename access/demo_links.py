"""The demo's merged pair and linked tickets (`access.demo`), written as the demo writes: into
the store directly, after the tickets are loaded.

Both are made among closed tickets, which the inbox does not open on, so its first page and
its counts are those of a demo without them: a customer who wrote twice has their second
ticket merged into the first, and two other closed tickets are linked as related."""

from __future__ import annotations

import peewee

from access.vocabulary import CLOSED, MERGED, RELATED
from store.dialect import reindex_tickets
from store.links import TicketLink
from store.models import Message, Ticket


def seed_links(db: peewee.Database, after: int, by: int) -> tuple[int, int] | None:
    """Merge and link closed, non-private tickets numbered above `after` (`by`: the person
    who did); the merged pair (kept, merged), or None when the demo is too small to hold one."""
    closed = (
        Ticket.select(Ticket.number, Ticket.requester)
        .where((Ticket.status == CLOSED) & ~Ticket.private & (Ticket.number > after))
        .order_by(Ticket.number)
    )
    first_of: dict[int, int] = {}
    pair: tuple[int, int] | None = None
    for ticket in closed:
        if ticket.requester_id in first_of:
            pair = (first_of[ticket.requester_id], ticket.number)
            break
        first_of[ticket.requester_id] = ticket.number
    others = [n for n in first_of.values() if pair is None or n not in pair][:2]
    if pair is None or len(others) < 2:
        return None
    kept, merged = pair
    with db.atomic():
        Message.update(ticket=kept).where(Message.ticket == merged).execute()
        TicketLink.insert_many(
            [
                {"ticket": merged, "other": kept, "kind": MERGED, "created_by": by},
                {"ticket": others[0], "other": others[1], "kind": RELATED, "created_by": by},
            ]
        ).execute()
        reindex_tickets(db, [kept, merged])
    return pair
