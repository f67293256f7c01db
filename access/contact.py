"""Whose e-mail and phone a person may read: their own, and those of the requesters of tickets
on which `tickets.view_contact` counts for them (the scoped query, `access.scope.may`). A
view_contact limited to one source shows the contact data of that source's customers only, on
every path: the people list and pickers, the audit log, filing a ticket by e-mail."""

from __future__ import annotations

import json

import peewee

from access import scope
from access.catalogue import TICKETS_VIEW_CONTACT
from access.grants import Grants
from store.models import Person, Ticket

CONTACT_FIELDS = ("email", "phone")
HIDDEN = "(hidden)"


def contact_readable(grants: Grants) -> scope.Predicate:
    """A condition on `Person`: this person may read their e-mail and phone."""
    on_tickets = scope.may(grants, TICKETS_VIEW_CONTACT)
    if on_tickets is scope.TRUE:
        return scope.TRUE
    own = Person.id == grants.person_id
    if on_tickets is scope.FALSE:
        return own
    return own | Person.id.in_(Ticket.select(Ticket.requester).where(on_tickets))


def readable_contacts(grants: Grants, person_ids: set[int]) -> set[int]:
    """Which of `person_ids` this person may read the contact data of (one statement)."""
    if not person_ids:
        return set()
    query = Person.select(Person.id).where(
        Person.id.in_(sorted(person_ids)) & contact_readable(grants)
    )
    return {row.id for row in query}


def without_contact(values: str) -> str:
    """An audit event's recorded values (JSON) with e-mail and phone replaced by `(hidden)`."""
    try:
        decoded = json.loads(values) if values else None
    except ValueError:
        return values
    if not isinstance(decoded, dict) or not set(CONTACT_FIELDS) & set(decoded):
        return values
    hidden = {k: HIDDEN if k in CONTACT_FIELDS and v else v for k, v in decoded.items()}
    return json.dumps(hidden, ensure_ascii=True, sort_keys=True)


def contact_column(grants: Grants) -> peewee.ColumnBase:
    """1 where the person may read the row's contact data, else 0 (beside a `Person` select)."""
    readable = contact_readable(grants)
    if readable is scope.TRUE:
        return peewee.Value(1)
    return peewee.Case(None, [(readable, 1)], 0)
