"""Completing a mention as it is typed (`@ol` → `@ola`): the usernames the writer of a note
on a ticket could mention there, and no other.

Offered only to a writer who may write a note on the ticket and may list people
(`people.list`): anyone else is offered nobody, so completion tells nobody who exists beyond
what they may see of people. Each name offered is someone active who may read the note there
(`notify_events.mention_refusal`), the same check that refuses a note mentioning anyone else.
"""

from __future__ import annotations

import re

from access.catalogue import PEOPLE_LIST
from access.drafts import may_write
from access.grants import Grants
from access.notify_events import mention_refusal
from access.vocabulary import NOTE
from store.models import Person, Ticket
from store.rows import tuple_rows

MOST_OFFERED = 8
MOST_LOOKED_AT = 40  # people whose name begins so, checked one by one at most
_PREFIX = re.compile(r"^[a-z0-9._-]{0,31}$")


def candidates(grants: Grants, number: int, prefix: str) -> list[str]:
    """Up to `MOST_OFFERED` usernames beginning with `prefix`, in order, of people the writer
    could mention in a note on ticket `number`; none when the writer may not write one there
    or may not list people."""
    if not _PREFIX.match(prefix) or not grants.holds(PEOPLE_LIST):
        return []
    writable = Ticket.select().where((Ticket.number == number) & may_write(grants, NOTE))
    if not writable.exists():
        return []
    people = (
        Person.select(Person.id, Person.username)
        .where(Person.active & Person.username.startswith(prefix) & (Person.id != grants.person_id))
        .order_by(Person.username)
        .limit(MOST_LOOKED_AT)
    )
    offered: list[str] = []
    for person, username in tuple_rows(people):
        if mention_refusal(person, username, number) is None:
            offered.append(username)
            if len(offered) == MOST_OFFERED:
                break
    return offered
