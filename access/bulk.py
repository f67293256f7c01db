"""One change to many tickets: a dry run that says which will change and why the others will
be skipped, then the change itself in chunks, each one transaction with its audit rows.

Every check is a query over the whole chunk (scope, permission, the assignee's own scope, the
version), never a request per ticket, so a thousand marked tickets cost a few statements. A
ticket refused, already so, or changed by someone else is skipped; the rest go ahead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from typing import Any, NamedTuple

from access import audit, scope
from access.catalogue import (
    TICKETS_ASSIGN,
    TICKETS_CHANGE_GROUP,
    TICKETS_CHANGE_STATUS,
    TICKETS_CLOSE,
    TICKETS_REPLY,
    TICKETS_TAKE,
    USERGROUPS_LIST,
    PermissionKey,
)
from access.errors import InvalidInput, NotFound
from access.gate import GateBase
from access.grants import Grants, read_grants
from access.views import BulkOutcome
from access.vocabulary import TICKET_PRIORITIES, TICKET_STATUSES
from store.models import (
    Person,
    Ticket,
    Usergroup,
    database_proxy,
    utcnow,
)
from store.rows import dict_rows, tuple_rows

# Tickets per transaction: short enough that other writers wait little, long enough that a
# thousand tickets take a handful of commits.
CHUNK = 250

# What each kind of change writes, the permission it needs, and its audit action.
KINDS: dict[str, tuple[str, PermissionKey, str]] = {
    # kind: (column, permission, audit action)
    "assign": ("assignee", TICKETS_ASSIGN, "ticket.assign"),
    "take": ("assignee", TICKETS_TAKE, "ticket.take"),
    "move": ("usergroup", TICKETS_CHANGE_GROUP, "ticket.move"),
    "status": ("status", TICKETS_CHANGE_STATUS, "ticket.status"),
    "close": ("status", TICKETS_CLOSE, "ticket.status"),
    "priority": ("priority", TICKETS_CHANGE_STATUS, "ticket.priority"),
}
VERBS = {
    "assign": "assign",
    "take": "take",
    "move": "move",
    "status": "change the status of",
    "close": "close",
    "priority": "change the priority of",
}


class _Target(NamedTuple):
    """The resolved new value: the id or text written, and the name the audit log shows."""

    kind: str
    column: str
    permission: PermissionKey
    action: str
    value: Any
    shown: str | None
    assignee: Grants | None = None  # whose own scope must cover the ticket (assign)
    nobody: bool = False  # assign to a name that is unknown or deactivated: no ticket may


class BulkTickets(GateBase):
    def plan_bulk(
        self,
        kind: str,
        numbers: Iterable[int],
        value: str | None = None,
        *,
        versions: Mapping[int, int] | None = None,
    ) -> BulkOutcome:
        """The dry run: which tickets the change would alter, which it would skip and why.
        Writes nothing."""
        return self._bulk(kind, numbers, value, versions or {}, apply=False)

    def apply_bulk(
        self,
        kind: str,
        numbers: Iterable[int],
        value: str | None = None,
        *,
        versions: Mapping[int, int] | None = None,
    ) -> BulkOutcome:
        """The change, chunk by chunk: each chunk is sorted again inside its transaction, its
        tickets updated in one statement, and one audit row written per ticket changed or
        refused."""
        return self._bulk(kind, numbers, value, versions or {}, apply=True)

    def _bulk(
        self,
        kind: str,
        numbers: Iterable[int],
        value: str | None,
        versions: Mapping[int, int],
        *,
        apply: bool,
    ) -> BulkOutcome:
        grants = self.grants()
        target = self._bulk_target(grants, kind, value)
        changed: list[int] = []
        skipped: dict[str, list[int]] = {}
        for chunk in _chunks(_unique(numbers)):
            with self._writing() if apply else nullcontext():
                will, skip, before = self._sort_chunk(grants, target, chunk, versions, lock=apply)
                if apply:
                    self._write_chunk(grants, target, will, before, skip)
            changed += will
            for reason, which in skip.items():
                skipped.setdefault(reason, []).extend(which)
        return BulkOutcome.of(_describe(target), changed, skipped, applied=apply)

    # ------------------------------------------------------------------ parts

    def _bulk_target(self, grants: Grants, kind: str, value: str | None) -> _Target:
        """The new value, checked once for the whole change; bad input refuses it all."""
        if kind not in KINDS:
            raise InvalidInput(f"unknown change {kind!r}; one of {', '.join(KINDS)}")
        column, permission, action = KINDS[kind]
        if kind == "take":  # as anyone assigned, the taker must be able to work on them
            return _Target(
                kind, column, permission, action, grants.person_id, grants.username, grants
            )
        if kind == "close":
            return _Target(kind, column, permission, action, "closed", "closed")
        if kind == "assign":
            if value is None:
                return _Target(kind, column, permission, action, None, None)
            person = Person.get_or_none(Person.username == value)
            if person is None or not person.active:
                # Skipped as "outside what NAME may work on", like someone whose scope misses
                # them: an assign must not tell whether a name exists.
                return _Target(kind, column, permission, action, -1, value, nobody=True)
            return _Target(kind, column, permission, action, person.id, value, _grants_of(person))
        if kind == "move":
            if value is None:
                return _Target(kind, column, permission, action, None, None)
            group = Usergroup.get_or_none(Usergroup.name == value)
            if group is None or not (grants.holds(USERGROUPS_LIST) or group.id in grants.groups):
                raise NotFound(f"no usergroup named {value!r}")
            return _Target(kind, column, permission, action, group.id, group.name)
        if kind == "status":
            if value not in TICKET_STATUSES:
                raise InvalidInput(f"unknown status {value!r}; one of {', '.join(TICKET_STATUSES)}")
            if value == "closed":
                return self._bulk_target(grants, "close", None)
            return _Target(kind, column, permission, action, value, value)
        if value not in TICKET_PRIORITIES:
            raise InvalidInput(f"unknown priority {value!r}; one of {', '.join(TICKET_PRIORITIES)}")
        return _Target(kind, column, permission, action, value, value)

    def _sort_chunk(
        self,
        grants: Grants,
        target: _Target,
        chunk: list[int],
        versions: Mapping[int, int],
        *,
        lock: bool = False,
    ) -> tuple[list[int], dict[str, list[int]], dict[int, Any]]:
        """Split a chunk into the tickets that will change and the skipped ones by reason;
        also the current value of each ticket that will change (the audit's "before")."""
        column = getattr(Ticket, target.column)
        seen = Ticket.select(Ticket.number, Ticket.version, column.alias("current")).where(
            Ticket.number.in_(chunk) & scope.visible(grants)
        )
        if lock and getattr(database_proxy.obj, "for_update", False):
            seen = seen.for_update()
        rows = {r["number"]: r for r in dict_rows(seen)}
        may = scope.may(grants, target.permission)
        if target.kind == "assign" and target.value is None:  # the assignee may hand them back
            may = scope._any([may, Ticket.assignee == grants.person_id])
        permitted = _numbers_where(list(rows), may)
        able = set() if target.nobody else set(rows)
        if target.assignee is not None:
            able = _numbers_where(list(rows), scope.may(target.assignee, TICKETS_REPLY))
        will: list[int] = []
        skipped: dict[str, list[int]] = {}
        before: dict[int, Any] = {}
        for number in chunk:
            row = rows.get(number)
            reason = None
            if row is None:
                reason = "not found"
            elif number not in permitted:
                reason = f"not in your scope to {VERBS[target.kind]}"
            elif number in versions and versions[number] != row["version"]:
                reason = "changed by someone else meanwhile"
            elif row["current"] == target.value:
                reason = _already(target)
            elif number not in able:
                reason = _cannot_work(target)
            if reason is None:
                will.append(number)
                before[number] = rows[number]["current"]
            else:
                skipped.setdefault(reason, []).append(number)
        return will, skipped, before

    def _write_chunk(
        self,
        grants: Grants,
        target: _Target,
        numbers: list[int],
        before: dict[int, Any],
        skipped: dict[str, list[int]],
    ) -> None:
        """One UPDATE for the chunk (its rows were read in this transaction, under the write
        lock), then its audit rows: one per change, one per refusal."""
        column = getattr(Ticket, target.column)
        if numbers:
            Ticket.update(
                {
                    column: target.value,
                    Ticket.updated_at: utcnow(),
                    Ticket.version: Ticket.version + 1,
                }
            ).where(Ticket.number.in_(numbers)).execute()
        shown_before = _names_of(target.column, set(before.values()))
        events = [
            audit.Event(
                target.action,
                "ticket",
                number,
                ticket=number,
                before=shown_before.get(before[number], before[number]),
                after=target.shown,
            )
            for number in numbers
        ]
        events += [
            audit.Event(f"denied.{target.action}", "ticket", number, after=reason)
            for reason, which in skipped.items()
            if reason.startswith("not in your scope")
            for number in which
        ]
        audit.record_many(grants.person_id, events)


def _numbers_where(numbers: list[int], condition: scope.Predicate) -> set[int]:
    if not numbers:
        return set()
    query = Ticket.select(Ticket.number).where(Ticket.number.in_(numbers) & condition)
    return {number for (number,) in tuple_rows(query)}


def _names_of(column: str, ids: set[Any]) -> dict[Any, str]:
    """Names for the ids an assignee or group column held, as the audit log shows them."""
    keys = [i for i in ids if i is not None]
    if column == "assignee" and keys:
        return dict(
            tuple_rows(Person.select(Person.id, Person.username).where(Person.id.in_(keys)))
        )
    if column == "usergroup" and keys:
        return dict(
            tuple_rows(Usergroup.select(Usergroup.id, Usergroup.name).where(Usergroup.id.in_(keys)))
        )
    return {}


def _cannot_work(target: _Target) -> str:
    if target.kind == "take":
        return "you cannot work on them (no reply there)"
    return f"outside what {target.shown} may work on"


def _already(target: _Target) -> str:
    if target.kind in ("assign", "take"):
        return f"already assigned to {target.shown}" if target.shown else "already unassigned"
    if target.kind == "move":
        return f"already in {target.shown}" if target.shown else "already without a group"
    if target.kind == "priority":
        return f"already {target.shown} priority"
    return f"already {target.shown}"


def _describe(target: _Target) -> str:
    if target.kind in ("assign", "take"):
        return f"assign to {target.shown}" if target.shown else "unassign"
    if target.kind == "move":
        return f"move to {target.shown}" if target.shown else "move out of any group"
    if target.kind == "priority":
        return f"priority {target.shown}"
    return "close" if target.kind == "close" else f"status {target.shown}"


def _unique(numbers: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(int(n) for n in numbers))


def _chunks(numbers: list[int]) -> list[list[int]]:
    return [numbers[i : i + CHUNK] for i in range(0, len(numbers), CHUNK)]


def _grants_of(person: Person) -> Grants:
    grants = read_grants(Person.id == person.id)
    if grants is None:
        raise NotFound(f"no active person named {person.username!r}")
    return grants
