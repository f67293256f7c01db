"""Whom an assign picker offers for marked tickets. The changes themselves, to one ticket or
many, are `access.change_pipeline`'s."""

from __future__ import annotations

from collections.abc import Iterable

from access import scope
from access.catalogue import TICKETS_ASSIGN, TICKETS_REPLY
from access.change_pipeline import CHUNK
from access.errors import NotFound
from access.gate import GateBase
from access.grants import Grants, read_grants
from access.views import Assignee
from store.models import GroupSupervisor, Person, PersonRole, RolePermission, Ticket
from store.rows import tuple_rows


def _numbers_where(numbers: list[int], condition: scope.Predicate) -> set[int]:
    if not numbers:
        return set()
    query = Ticket.select(Ticket.number).where(Ticket.number.in_(numbers) & condition)
    return {number for (number,) in tuple_rows(query)}


def _unique(numbers: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(int(n) for n in numbers))


class Assignees(GateBase):
    def assignable_people(self, numbers: Iterable[int]) -> list[Assignee]:
        """The active people who may work on (reply to) at least one of these tickets, by
        their own roles or as supervisors: whom an assign picker offers, never customers. Asked
        by someone who may assign at least one of them."""
        grants = self.grants()
        wanted = _unique(numbers)[:CHUNK]
        if not _numbers_where(wanted, scope.may(grants, TICKETS_ASSIGN)):
            if _numbers_where(wanted, Ticket.assignee == grants.person_id):
                return []  # theirs to hand back (to nobody), not to give to anyone
            raise NotFound("none of these tickets can be assigned by you")
        workers = (
            Person.select()
            .where(
                (Person.active == True)  # noqa: E712
                & (
                    Person.id.in_(
                        PersonRole.select(PersonRole.person)
                        .join(RolePermission, on=(RolePermission.role == PersonRole.role))
                        .where(RolePermission.permission == TICKETS_REPLY)
                    )
                    | Person.id.in_(GroupSupervisor.select(GroupSupervisor.person))
                )
            )
            .order_by(Person.username)
        )
        chosen = []
        for person in workers:
            if _numbers_where(wanted, scope.may(_grants_of(person), TICKETS_REPLY)):
                chosen.append(Assignee(person.username, person.display_name))
        return chosen


def _grants_of(person: Person) -> Grants:
    grants = read_grants(Person.id == person.id)
    if grants is None:
        raise NotFound(f"no active person named {person.username!r}")
    return grants
