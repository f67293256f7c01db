"""Delegation never exceeds the delegator.

An administrative action by an actor may not leave anyone with a right on a ticket the actor
does not hold on that ticket, nor take anything from someone who holds more than the actor.
Rights are compared per ticket through the same SQL predicates that enforce them
(`access.scope`): a person's rights on a ticket are "sees it" plus each ticket permission that
counts there. Names of non-ticket permissions are compared as names.

`RightsGuard` takes the affected people's grants before a change and compares them, inside the
change's transaction, with their grants after it; each comparison is one `EXISTS` over the
tickets the change can touch, so no ticket is read into Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final, Literal, NamedTuple

import peewee

from access import scope
from access.catalogue import (
    PERMISSIONS,
    SOURCES_ARCHIVED,
    SUPERVISOR_RIGHTS,
    TICKET_PERMISSIONS,
    TICKETS_VIEW,
    PermissionKey,
)
from access.errors import PermissionDenied
from access.grants import Grants, read_grants
from store.models import Person, Ticket

# A right is a ticket permission, or seeing the ticket at all.
SEES: Final = "sees"
Right = PermissionKey | Literal["sees"]
RIGHTS: tuple[Right, ...] = (SEES, *sorted(TICKET_PERMISSIONS))
# People compared in one statement: keeps the SQL well under SQLite's limits.
_CHUNK = 16


def right_on(grants: Grants | None, right: Right) -> scope.Predicate:
    """The tickets on which `grants` hold `right`; None stands for a deactivated person."""
    if grants is None:
        return scope.FALSE
    if right == SEES:
        return scope.visible(grants)
    return scope.may(grants, right)


def names_of(grants: Grants | None) -> frozenset[str]:
    return grants.permissions if grants is not None else frozenset()


def grants_of(person_id: int) -> Grants | None:
    """A person's current grants, or None when they are deactivated (they hold nothing)."""
    grants = read_grants(Person.id == person_id)
    return grants if grants is not None and grants.active else None


def but_not(kept: scope.Predicate, dropped: scope.Predicate) -> scope.Predicate:
    """`kept AND NOT dropped`, where a NULL from `dropped` counts as false."""
    if dropped is scope.TRUE or kept is scope.FALSE:
        return scope.FALSE
    if dropped is scope.FALSE:
        return kept
    return scope._all(kept, ~peewee.fn.COALESCE(dropped, False))


def _balanced_or(parts: list[scope.Predicate]) -> scope.Predicate:
    """OR as a balanced tree, so hundreds of terms stay within SQLite's expression depth."""
    parts = [p for p in parts if p is not scope.FALSE]
    if not parts:
        return scope.FALSE
    if any(p is scope.TRUE for p in parts):
        return scope.TRUE
    while len(parts) > 1:
        parts = [
            parts[i] | parts[i + 1] if i + 1 < len(parts) else parts[i]
            for i in range(0, len(parts), 2)
        ]
    return parts[0]


def reach(grants: Grants | None) -> object:
    """What a person's rights depend on: equal reach, equal rights."""
    if grants is None:
        return None
    archived = None if grants.holds(SOURCES_ARCHIVED) else grants.archived_source_ids
    roles = sorted(
        (sorted(r.permissions), r.all_sources, sorted(r.source_ids), r.ticket_scope)
        for r in grants.roles
    )
    return (grants.person_id, roles, grants.member_of, grants.supervises, archived)


def right_key(grants: Grants | None, right: Right) -> object:
    """Rights with equal keys have equal predicates (`scope.may` depends only on these)."""
    if grants is None:
        return None
    if right == SEES:
        return SEES
    return (
        tuple(r.role_id for r in grants.roles_with(right)),
        right in SUPERVISOR_RIGHTS,
        right == TICKETS_VIEW,
    )


def _any_ticket(tickets: scope.Predicate, where: scope.Predicate) -> bool:
    where = scope._all(tickets, where)
    if where is scope.FALSE:
        return False
    return Ticket.select(Ticket.number).where(where).exists()


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Change(NamedTuple):
    """One person's grants before and after an action."""

    person_id: int
    before: Grants | None
    after: Grants | None


class RightsGuard:
    """Refuses an action (raising inside its transaction, so nothing is written) when it gives
    anyone a right on a ticket the actor lacks there, or takes anything from someone who holds
    more than the actor. `tickets` narrows the tickets the action can change rights on."""

    def __init__(
        self,
        actor: Grants,
        *,
        tickets: scope.Predicate = scope.TRUE,
        what: str = "do that",
        gives: bool = True,
        takes: bool = True,
    ) -> None:
        """`gives=False` / `takes=False` for an action that can only take rights away (revoke,
        archive, remove a member) or only give them (grant, restore, add a member): the
        comparison that cannot find anything is skipped."""
        self.actor = actor
        self.tickets = tickets
        self.what = what
        self.gives = gives
        self.takes = takes
        self._before: dict[int, Grants | None] = {}
        # An actor who holds every permission on every ticket cannot be exceeded: nothing to
        # compare (an administrator archiving a source watches no one).
        self._unbounded = PERMISSIONS.keys() <= actor.permissions and all(
            right_on(actor, right) is scope.TRUE for right in RIGHTS
        )

    def watch(self, person_ids: Iterable[int]) -> RightsGuard:
        """Take the grants of the people the action may affect, before it writes."""
        if self._unbounded:
            return self
        for person_id in person_ids:
            if person_id not in self._before:
                self._before[person_id] = grants_of(person_id)
        return self

    def verify(self) -> None:
        """After the writes, inside the same transaction: compare and refuse if needed."""
        self.compare([Change(pid, before, grants_of(pid)) for pid, before in self._before.items()])

    def compare(self, changes: Iterable[Change]) -> None:
        if self._unbounded:
            return
        changed = [c for c in changes if self._differs(c)]
        if self.gives:
            self._refuse_gains(changed)
        if self.takes:
            self._refuse_losses(changed)

    @staticmethod
    def _differs(change: Change) -> bool:
        return reach(change.before) != reach(change.after)

    def _distinct(self, change: Change) -> list[Right]:
        """One right for each distinct combination of predicates: the rest would repeat it."""
        seen: dict[object, Right] = {}
        for right in RIGHTS:
            key = (
                right_key(change.before, right),
                right_key(change.after, right),
                right_key(self.actor, right),
            )
            seen.setdefault(key, right)
        return list(seen.values())

    def _refuse(self, reason: str) -> None:
        raise PermissionDenied(f"{self.actor.username} cannot {self.what}: {reason}")

    def _gained(self, change: Change, right: Right) -> scope.Predicate:
        return but_not(right_on(change.after, right), right_on(change.before, right))

    def _lost(self, change: Change, right: Right) -> scope.Predicate:
        return but_not(right_on(change.before, right), right_on(change.after, right))

    def _refuse_gains(self, changed: list[Change]) -> None:
        for change in changed:
            extra = names_of(change.after) - names_of(change.before) - self.actor.permissions
            if extra:
                self._refuse(f"it would give {min(extra)}, which {self.actor.username} lacks")
        for chunk in _chunks(changed, _CHUNK):
            beyond = _balanced_or(
                [
                    but_not(self._gained(c, right), right_on(self.actor, right))
                    for c in chunk
                    for right in self._distinct(c)
                ]
            )
            if _any_ticket(self.tickets, beyond):
                self._refuse(
                    f"it would give rights on tickets where {self.actor.username} lacks them"
                )

    def _refuse_losses(self, changed: list[Change]) -> None:
        # Whether someone exceeds the actor is free to answer for a broad actor (the predicates
        # fold to false) and whether they lose costs a scan, so ask it first.
        for change in changed:
            if self._exceeds_actor(change.before) and self._loses(change):
                self._refuse(
                    f"it would take rights from someone who holds more than {self.actor.username}"
                )

    def _loses(self, change: Change) -> bool:
        if names_of(change.before) - names_of(change.after):
            return True
        lost = [self._lost(change, r) for r in self._distinct(change)]
        return _any_ticket(self.tickets, _balanced_or(lost))

    def _exceeds_actor(self, grants: Grants | None) -> bool:
        return exceeds(grants, self.actor)


def exceeds(grants: Grants | None, actor: Grants) -> bool:
    """True when `grants` hold a permission the actor lacks, or a right on a ticket where the
    actor lacks it."""
    if names_of(grants) - actor.permissions:
        return True
    if reach(grants) == reach(actor):
        return False
    return _any_ticket(
        scope.TRUE,
        _balanced_or([but_not(right_on(grants, r), right_on(actor, r)) for r in RIGHTS]),
    )
