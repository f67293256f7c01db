"""A sender's flood: past a number of messages from one address in a while, further mail is held
in quarantine instead of making tickets (a stranger's script must not bury the team)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

import peewee

from access.vocabulary import CUSTOMER
from store.models import Message, Person
from store.prepared import PreparedSelect

FLOOD_REASON = "flood:"
PERSON_BY_ADDRESS = PreparedSelect(
    lambda address: (
        Person.select(Person.id).where(peewee.fn.LOWER(Person.email) == address).order_by(Person.id)
    )
)


class FloodLimit(NamedTuple):
    """At most `messages` from one sender in `minutes`; `messages` 0 is no limit."""

    messages: int = 20
    minutes: float = 10


def flood_reason(address: str, limit: FloodLimit, now: datetime) -> str:
    """Why mail from `address` is held as a flood: the sender's messages (in any source) within
    the last `limit.minutes` reached `limit.messages`; "" when they did not."""
    if limit.messages <= 0:
        return ""
    found = PERSON_BY_ADDRESS.first(address)
    if found is None:
        return ""
    since = now - timedelta(minutes=limit.minutes)
    recent = (
        Message.select(Message.id)
        .where(
            (Message.author == found[0])
            & (Message.created_at >= since)
            & (Message.kind == CUSTOMER)
        )
        .limit(limit.messages)
        .count()
    )
    if recent < limit.messages:
        return ""
    return (
        f"{FLOOD_REASON} over {limit.messages} messages from one sender in {limit.minutes:g} "
        "minutes"
    )
