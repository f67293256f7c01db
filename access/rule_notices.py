"""A rule's `notify:` action: a notification to a person, or to the supervisors of the ticket's
usergroup, made through the notifications store as the rule's owner (`gate.rules.notify`).

The owner must hold `rules.edit` (as writing the rule did) and see the ticket; the notice names
the rule. A person named must see it too, or the notice is refused (nobody learns of a ticket
through a rule); of the supervisors, those who cannot see it are passed by. Whether the person
may still see the ticket is asked again when the notification is read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from access import notify_events, scope
from access.catalogue import RULES_EDIT, TICKETS_VIEW
from access.errors import InvalidInput, NotFound, PermissionDenied
from access.grants import Grants, read_grants
from access.request import Request
from store.among import among
from store.errors import TickettyError
from store.models import GroupSupervisor, Person, Ticket
from store.rows import tuple_rows
from store.rule_models import Rule


def owned_rule(request: Request, rule: str) -> tuple[Grants, str]:
    """The request's grants and the name of `rule`, which must be its person's, who must hold
    `rules.edit`, as writing the rule did: nobody notifies in a rule's name without it."""
    grants = request.require(RULES_EDIT)
    row = Rule.get_or_none(Rule.name == rule)
    if row is None:
        raise NotFound(f"no rule named {rule!r}")
    if row.owner_id != grants.person_id:
        raise PermissionDenied(f"rule {rule} is not yours; only its owner acts by it")
    return grants, str(row.name)


def notify_about(
    grants: Grants, number: int, whom: str | None, rule: str, at: datetime
) -> list[str]:
    """Notify `whom` (a username; None: the supervisors of the ticket's group) of ticket
    `number`, from `grants`' person by their `rule`, at `at`; the usernames notified."""
    notified = notify_many(grants, [number], whom, rule, at)[number]
    if isinstance(notified, TickettyError):
        raise notified
    return notified


def notify_many(
    grants: Grants, numbers: Sequence[int], whom: str | None, rule: str, at: datetime
) -> dict[int, list[str] | TickettyError]:
    """`notify_about` on each of `numbers`: the usernames notified on each, or the error that
    refused it; the tickets, the people and whom each sees read once for all, the
    notifications written in one insert."""
    seen = dict(
        tuple_rows(
            Ticket.select(Ticket.number, Ticket.usergroup).where(
                among(Ticket.number, numbers) & scope.visible(grants)
            )
        )
    )
    people = _people(whom, seen)
    if isinstance(people, TickettyError):
        return {n: people if n in seen else NotFound(f"no ticket #{n}") for n in numbers}
    sight = {ident: _sees(ident, list(seen)) for ident, _, _ in people}
    done: dict[int, list[str] | TickettyError] = {}
    pending = []
    for number in numbers:
        if number not in seen:
            done[number] = NotFound(f"no ticket #{number}")
            continue
        if whom is not None and number not in sight[people[0][0]]:
            done[number] = InvalidInput(f"{whom} cannot see #{number}; nobody was notified")
            continue
        told = [
            (ident, name)
            for ident, name, group in people
            if (whom is not None or group == seen[number])
            and number in sight[ident]
            and ident != grants.person_id
        ]
        pending += [
            notify_events.Pending(i, number, notify_events.RULE_NOTICE, rule=rule) for i, _ in told
        ]
        done[number] = [name for _, name in told]
    notify_events.deliver(grants.person_id, pending, at)
    return done


def _people(
    whom: str | None, seen: dict[int, int | None]
) -> list[tuple[int, str, int | None]] | TickettyError:
    """The person named, or the supervisors of the tickets' usergroups, by username: their
    id, username and the group they supervise (None: named)."""
    if whom is not None:
        person = Person.get_or_none((Person.username == whom) & Person.active)
        if person is None:
            return NotFound(f"nobody active is named {whom!r}")
        return [(person.id, person.username, None)]
    groups = sorted({group for group in seen.values() if group is not None})
    if not groups:
        return []
    rows = (
        GroupSupervisor.select(Person.id, Person.username, GroupSupervisor.usergroup)
        .join(Person, on=(GroupSupervisor.person == Person.id))
        .where(GroupSupervisor.usergroup.in_(groups) & Person.active)
        .order_by(Person.username)
    )
    return [(ident, name, group) for ident, name, group in tuple_rows(rows)]


def _sees(person_id: int, numbers: list[int]) -> set[int]:
    """Those of `numbers` the person sees (none when deactivated)."""
    grants = read_grants(Person.id == person_id)
    if grants is None or not grants.active or not numbers:
        return set()
    query = Ticket.select(Ticket.number).where(
        among(Ticket.number, numbers) & scope.may(grants, TICKETS_VIEW)
    )
    return {number for (number,) in tuple_rows(query)}
