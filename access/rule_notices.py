"""A rule's `notify:` action: a notification to a person, or to the supervisors of the ticket's
usergroup, made through the notifications store as the rule's owner (`gate.rules.notify`).

The owner must hold `rules.edit` (as writing the rule did) and see the ticket; the notice names
the rule. A person named must see it too, or the notice is refused (nobody learns of a ticket
through a rule); of the supervisors, those who cannot see it are passed by. Whether the person
may still see the ticket is asked again when the notification is read."""

from __future__ import annotations

from datetime import datetime

from access import notify_events, scope
from access.catalogue import TICKETS_VIEW
from access.errors import InvalidInput, NotFound
from access.grants import Grants, read_grants
from access.tickets import visible_ticket
from store.models import GroupSupervisor, Person, Ticket
from store.rows import tuple_rows


def notify_about(
    grants: Grants, number: int, whom: str | None, rule: str, at: datetime
) -> list[str]:
    """Notify `whom` (a username; None: the supervisors of the ticket's group) of ticket
    `number`, from `grants`' person by their `rule`, at `at`; the usernames notified."""
    ticket = visible_ticket(grants, number)
    if whom is None:
        people = _supervisors(ticket)
    else:
        person = Person.get_or_none((Person.username == whom) & Person.active)
        if person is None:
            raise NotFound(f"nobody active is named {whom!r}")
        if not _sees(person.id, number):
            raise InvalidInput(f"{whom} cannot see #{number}; nobody was notified")
        people = [(person.id, person.username)]
    people = [(ident, name) for ident, name in people if ident != grants.person_id]
    notice = notify_events.RULE_NOTICE
    pending = [notify_events.Pending(ident, number, notice, rule=rule) for ident, _ in people]
    notify_events.deliver(grants.person_id, pending, at)
    return [name for _, name in people]


def _supervisors(ticket: Ticket) -> list[tuple[int, str]]:
    if ticket.usergroup_id is None:
        return []
    rows = (
        GroupSupervisor.select(Person.id, Person.username)
        .join(Person, on=(GroupSupervisor.person == Person.id))
        .where((GroupSupervisor.usergroup == ticket.usergroup_id) & Person.active)
        .order_by(Person.username)
    )
    return [(ident, name) for ident, name in tuple_rows(rows) if _sees(ident, ticket.number)]


def _sees(person_id: int, number: int) -> bool:
    grants = read_grants(Person.id == person_id)
    if grants is None or not grants.active:
        return False
    query = Ticket.select().where((Ticket.number == number) & scope.may(grants, TICKETS_VIEW))
    return bool(query.exists())
