"""Every change to tickets, one or many, goes through here: the change kinds of
`access.changes` are checked, written and audited by one pipeline.

A change resolves its new value once, then takes the tickets in chunks, each one transaction:
one statement reads the chunk (locked where the database has row locks) with, per ticket, whether
the person sees it, whether the permission counts there, its version, its current value and
whether the new assignee may work on it; each ticket gets a verdict; one UPDATE writes those that
change, and their audit rows (one per change, one per refusal) are one insert. A dry run stops
after the verdicts.

The one-ticket calls (`assign`, `take`, ...) are this pipeline with one number: a ticket refused,
not found or changed meanwhile raises what it is, one already so raises `NoChange`; a change to
many reports each reason in a `BulkOutcome` instead, "already so" among them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from typing import Any, NamedTuple

import peewee

from access import audit, changes, notify_events, rule_events, scope
from access.catalogue import TICKETS_REPLY, PermissionKey
from access.changes import ChangeKind, Target
from access.due_times import CLOCK_FIELDS, keep_due_times
from access.errors import Conflict, NoChange, NotFound, PermissionDenied
from access.grants import Grants
from access.request import Part, Request
from access.ticket_writes import TicketWrites
from access.tickets import parse_number
from access.views import BulkOutcome
from store import dialect
from store.among import among
from store.errors import TickettyError
from store.models import Person, Ticket, Usergroup
from store.prepared import NumbersQuery, padded

# Tickets per transaction: short enough that other writers wait little, long enough that a
# thousand tickets take a handful of commits.
CHUNK = 250

_Assignee = Person.alias("assignee")
_CHUNKS = NumbersQuery()  # `_chunk_query`'s SQL, by grants, change and padded count of tickets
# How the audit log names a field's value: the assignee's and the group's by name.
_SHOWN: dict[str, peewee.ColumnBase] = {
    "assignee": _Assignee.username,
    "usergroup": Usergroup.name,
}

# What a ticket's verdict is, when it does not change.
NOT_FOUND = "not found"
STALE = "changed by someone else meanwhile"


class Verdict(NamedTuple):
    """What the change does to one ticket: `skipped` is None when it changes, otherwise the
    reason as a summary says it; `refused` the permission lacking when the skip is a refusal."""

    number: int
    skipped: str | None
    version: int = 0  # after the change (or now, when skipped)
    before: Any = None  # the value replaced, as the audit log names it
    refused: PermissionKey | None = None
    already: bool = False


class Pass(NamedTuple):
    """A whole change: its kind, its resolved value, and a verdict per ticket in order."""

    kind: ChangeKind
    target: Target
    verdicts: list[Verdict]

    def outcome(self, *, applied: bool) -> BulkOutcome:
        changed = [v.number for v in self.verdicts if v.skipped is None]
        skipped: dict[str, list[int]] = {}
        for v in self.verdicts:
            if v.skipped is not None:
                skipped.setdefault(v.skipped, []).append(v.number)
        unchanged = [v.number for v in self.verdicts if v.already]
        describe = changes.describe(self.kind, self.target)
        return BulkOutcome.of(describe, changed, skipped, applied=applied, unchanged=unchanged)


class TicketChanges(Part):
    """`gate.changes`: every change to tickets, one or many (this module's pipeline)."""

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
        return run_pipeline(
            self._open(), kind, numbers, value, versions or {}, apply=False
        ).outcome(applied=False)

    def apply_bulk(
        self,
        kind: str,
        numbers: Iterable[int],
        value: str | None = None,
        *,
        versions: Mapping[int, int] | None = None,
    ) -> BulkOutcome:
        """The change, chunk by chunk, each chunk one transaction: those of its tickets that
        change are written by one statement, with one audit row per change or refusal. A
        ticket already as asked is skipped as such: nothing changed there is no error."""
        return run_pipeline(self._open(), kind, numbers, value, versions or {}, apply=True).outcome(
            applied=True
        )

    def assign(
        self, number: int | str, username: str | None, *, expected_version: int | None = None
    ) -> int:
        """Assign to `username` (None unassigns). The assignee, the person assigning included,
        must be an active person who may reply on this ticket through their own roles or
        supervision: assigning cannot show a ticket to someone outside its scope, nor give one
        to someone who could not work on it. Whoever it is assigned to may hand it back (None)
        without the right to assign. Returns the ticket's new version."""
        return change_one(self._open(), "assign", number, username, expected_version)

    def take(self, number: int | str, *, expected_version: int | None = None) -> int:
        """Assign to oneself: with `tickets.take` on the ticket, and the right to work on it
        (reply), as anyone assigned."""
        return change_one(self._open(), "take", number, None, expected_version)

    def move(
        self, number: int | str, group: str | None, *, expected_version: int | None = None
    ) -> int:
        """Move to another usergroup (None: no group). The target must be a group this person
        can see, so a move cannot probe for hidden groups."""
        return change_one(self._open(), "move", number, group, expected_version)

    def set_status(
        self, number: int | str, status: str, *, expected_version: int | None = None
    ) -> int:
        """Change the status; closing needs `tickets.close`, any other status `change_status`."""
        return change_one(self._open(), "status", number, status, expected_version)

    def close(self, number: int | str, *, expected_version: int | None = None) -> int:
        return change_one(self._open(), "close", number, None, expected_version)

    def set_priority(
        self, number: int | str, priority: str, *, expected_version: int | None = None
    ) -> int:
        return change_one(self._open(), "priority", number, priority, expected_version)


def change_one(
    request: Request, kind: str, number: int | str, value: str | None, expected: int | None
) -> int:
    """The pipeline with one ticket: its verdict raised as the one-ticket calls always
    have (the refusal audited like any other), or its new version."""
    number = parse_number(number)
    versions = {} if expected is None else {number: expected}
    done = run_pipeline(request, kind, [number], value, versions, apply=True)
    (verdict,) = done.verdicts
    if verdict.skipped is None:
        return verdict.version
    raise verdict_error(request.grants(), done.kind, done.target, verdict)


def verdict_error(
    grants: Grants, kind: ChangeKind, target: Target, verdict: Verdict
) -> TickettyError:
    """What a one-ticket call raises for a ticket the change skips."""
    number = verdict.number
    if verdict.refused is not None:
        return PermissionDenied(_refusal(grants, verdict))
    if verdict.already:
        return NoChange(changes.already_one(kind, target, number))
    if verdict.skipped == STALE:
        return Conflict(f"ticket #{number} was changed by someone else; reload it and try again")
    if verdict.skipped == NOT_FOUND:
        return NotFound(f"no ticket #{number}")
    return NotFound(f"nobody named {target.shown!r} can work on ticket #{number}")


def run_pipeline(
    request: Request,
    name: str,
    numbers: Iterable[int],
    value: str | None,
    versions: Mapping[int, int],
    *,
    apply: bool,
) -> Pass:
    """Resolve, sort and (when `apply`) write, chunk by chunk. The new value is resolved
    in the first chunk's transaction; bad input refuses the whole change."""
    kind = changes.kind_for(name, value)
    target: Target | None = None
    verdicts: list[Verdict] = []
    for chunk in chunks(_unique(numbers)) or [[]]:
        with request.writing() if apply else nullcontext():
            target = target or kind.resolve(request.grants(), value)
            if apply:
                done = change_chunk(request, kind, target, chunk, versions)
                if kind.field in CLOCK_FIELDS:
                    keep_due_times(request, [v.number for v in done if v.skipped is None])
                verdicts += done
            else:
                verdicts += _sort_chunk(request.grants(), kind, target, chunk, versions, lock=False)
    assert target is not None  # resolved in the first pass of the loop
    if apply:
        changed = [v.number for v in verdicts if v.skipped is None]
        rule_events.tickets_changed(request.session.clock, kind.field, changed)
    return Pass(kind, target, verdicts)


def change_chunk(
    request: Request,
    kind: ChangeKind,
    target: Target,
    chunk: list[int],
    versions: Mapping[int, int] | None = None,
    *,
    tickets: TicketWrites | None = None,
) -> list[Verdict]:
    """Inside a write transaction: the change on one chunk of tickets, its verdicts read
    under the write lock, written and audited, in a constant number of statements however
    many tickets the chunk holds. The caller keeps the due times of a field in
    `CLOCK_FIELDS` (`keep_due_times`), once for all the changes of its transaction. Given
    `tickets`, the ticket rows' UPDATE is left to it (`TicketWrites.flush`), to be written with
    the transaction's other changes of the same tickets."""
    grants = request.grants()
    sorted_chunk = _sort_chunk(grants, kind, target, chunk, versions or {}, lock=True)
    return _write_chunk(request, grants, kind, target, sorted_chunk, tickets)


def change_chunk_unaudited_refusals(
    request: Request,
    kind: ChangeKind,
    target: Target,
    chunk: list[int],
    tickets: TicketWrites | None = None,
) -> list[Verdict]:
    """`change_chunk` whose refusals are not audited: a rule's action refused on a ticket
    writes nothing there (the rule says why in its own event). Given `tickets`, the ticket
    rows' UPDATE is left to it, as in `change_chunk`, and the verdicts read the rows as its
    held changes leave them (`TicketWrites.lay_over`)."""
    grants = request.grants()
    verdicts = _sort_chunk(grants, kind, target, chunk, {}, lock=True, held=tickets)
    changing = [v for v in verdicts if v.skipped is None]
    written = {v.number: v for v in _write_chunk(request, grants, kind, target, changing, tickets)}
    return [written.get(v.number, v) for v in verdicts]


def _sort_chunk(
    grants: Grants,
    kind: ChangeKind,
    target: Target,
    chunk: list[int],
    versions: Mapping[int, int],
    *,
    lock: bool,
    held: TicketWrites | None = None,
) -> list[Verdict]:
    """A verdict per ticket of the chunk, from one statement reading them all, the rows as
    the changes `held` leaves them."""
    if not chunk:
        return []
    key = (grants, kind, target, lock)
    listed = padded(chunk)  # the same tickets, in fewer shapes of statement
    found = _CHUNKS.raw_rows(key, listed, lambda n: _chunk_query(grants, kind, target, n, lock))
    rows = {row[0]: dict(zip(_CHUNK_COLUMNS, row, strict=True)) for row in found}
    if held is not None:
        held.lay_over(rows, kind.field)
    verdicts = []
    for number in chunk:
        row = rows.get(number)
        if row is None:
            verdicts.append(Verdict(number, NOT_FOUND))
            continue
        version = row["version"]
        if not row["permitted"]:
            why = f"not in your scope to {kind.verb}"
            verdicts.append(Verdict(number, why, version, refused=kind.permission))
        elif number in versions and versions[number] != version:
            verdicts.append(Verdict(number, STALE, version))
        elif row["current"] == target.value:
            verdicts.append(Verdict(number, changes.already(kind, target), version, already=True))
        elif not row["able"]:
            why = changes.cannot_work(target)
            verdicts.append(Verdict(number, why, version, refused=target.worker_refused))
        else:
            verdicts.append(Verdict(number, None, version, before=row["current_name"]))
    return verdicts


# `_chunk_query`'s columns, as the driver gives them (each already what its field reads: a
# number, a text, or a flag as 0 or 1).
_CHUNK_COLUMNS = ("number", "version", "current", "current_name", "permitted", "able")


def _chunk_query(
    grants: Grants, kind: ChangeKind, target: Target, chunk: list[int], lock: bool
) -> peewee.ModelSelect[Ticket]:
    """The chunk's visible tickets with what the verdicts need, in one statement."""
    joined = kind.joined
    column = joined.current(target) if joined is not None else getattr(Ticket, kind.field)
    permitted = scope.may(grants, kind.permission)
    if kind.hand_back and target.value is None:  # whoever has it may hand it back
        permitted = scope._any([permitted, Ticket.assignee == grants.person_id])
    able: scope.Predicate = scope.FALSE if target.nobody else scope.TRUE
    if target.worker is not None:
        able = scope.may(target.worker, TICKETS_REPLY)
    flags = {"permitted": permitted, "able": able}
    query = (
        Ticket.select(
            Ticket.number,
            Ticket.version,
            column.alias("current"),
            (peewee.Value(None) if kind.joined else _SHOWN.get(kind.field, column)).alias(
                "current_name"
            ),
            *(peewee.Case(None, [(cond, 1)], 0).alias(name) for name, cond in flags.items()),
        )
        .join(_Assignee, peewee.JOIN.LEFT_OUTER, on=(Ticket.assignee == _Assignee.id))
        .switch(Ticket)
        .join(Usergroup, peewee.JOIN.LEFT_OUTER, on=(Ticket.usergroup == Usergroup.id))
        .where(among(Ticket.number, chunk) & scope.visible(grants))
    )
    return dialect.for_change(query) if lock else query


def _write_chunk(
    request: Request,
    grants: Grants,
    kind: ChangeKind,
    target: Target,
    verdicts: list[Verdict],
    tickets: TicketWrites | None,
) -> list[Verdict]:
    """One UPDATE for the tickets that change (read in this transaction, under the write
    lock; left to `tickets` when given), then the audit rows of the chunk in one insert; the
    verdicts with the new versions."""
    numbers = [v.number for v in verdicts if v.skipped is None]
    now = request.clock()
    if numbers:
        if kind.joined is not None:
            kind.joined.write(target, numbers)
        writes = TicketWrites() if tickets is None else tickets
        writes.add(numbers, {} if kind.joined else {kind.field: target.value}, now)
        if tickets is None:
            writes.flush(now)
        notify_events.tickets_changed(grants.person_id, kind.field, target.value, numbers, now)
    events = []
    for v in verdicts:
        if v.skipped is None:
            events.append(
                audit.Event(
                    kind.action,
                    "ticket",
                    v.number,
                    ticket=v.number,
                    before=v.before,
                    after=target.shown,
                )
            )
        elif v.refused is not None:
            events.append(
                audit.Event(f"denied.{kind.action}", "ticket", v.number, after=_refusal(grants, v))
            )
    request.record_many(events)
    return [v._replace(version=v.version + 1) if v.skipped is None else v for v in verdicts]


def _refusal(grants: Grants, verdict: Verdict) -> str:
    """What a refusal says, to the person and in the audit log alike."""
    return f"{grants.username} lacks {verdict.refused} on ticket #{verdict.number}"


def _unique(numbers: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(int(n) for n in numbers))


def chunks(numbers: list[int]) -> list[list[int]]:
    """`numbers` in chunks of `CHUNK`, each one transaction's worth."""
    return [numbers[i : i + CHUNK] for i in range(0, len(numbers), CHUNK)]
