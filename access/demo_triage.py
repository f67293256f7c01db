"""The demo's triage kit: tags on its tickets, a custom field of tickets, and three views
shared with the teams."""

from __future__ import annotations

import peewee

from access.saved_views import query_json
from access.views import TicketQuery
from access.vocabulary import NEW, OPEN, PENDING, TICKET_PRIORITIES
from store.models import Person, Role, Ticket, Usergroup
from store.tag_models import SavedView, Tag, TicketField, TicketTag

# A tag and the tickets it goes on: those whose subject holds the word, or every n-th.
TAGGED_WORDS = {"return": "Return", "refund": "refund", "damaged": "damaged"}
VIP_EVERY = 17


def seed_triage() -> None:
    """Tags on the tickets whose subject names them and on every VIP_EVERY-th ticket, the
    field "Order number" (no values), and three views shared with the Agent role and the
    Returns group, owned by ada."""
    TicketField.insert(name="Order number", position=1).execute()
    for tag, word in [*TAGGED_WORDS.items(), ("vip", "")]:
        tag_id = Tag.insert(name=tag).execute()
        # Whole-number division on both databases: no remainder, every VIP_EVERY-th.
        every = Ticket.number == Ticket.number / VIP_EVERY * VIP_EVERY
        chosen = Ticket.subject.contains(word) if word else every
        picked = Ticket.select(Ticket.number, peewee.Value(tag_id)).where(chosen)
        TicketTag.insert_from(picked, [TicketTag.ticket, TicketTag.tag]).execute()
    ada = Person.get(Person.username == "ada").id
    agent = Role.get(Role.name == "Agent").id
    returns = Usergroup.get(Usergroup.name == "Returns").id
    urgent = TICKET_PRIORITIES[-1]
    views = [
        ("Urgent open", TicketQuery(statuses=(NEW, OPEN), priorities=(urgent,)), agent, None),
        ("Refunds", TicketQuery(statuses=(NEW, OPEN, PENDING), search="tag:refund"), agent, None),
        (
            "Returns waiting",
            TicketQuery(statuses=(OPEN, PENDING), usergroups=(returns,), order="waiting"),
            None,
            returns,
        ),
    ]
    SavedView.insert_many(
        [
            {"owner": ada, "name": name, "query": query_json(q), "role": role, "usergroup": group}
            for name, q, role, group in views
        ]
    ).execute()
