"""The ticket rows a transaction's changes write, kept until they are needed and then written
together: a macro's steps on a chunk of tickets each set a column (status, priority, ...) and
move the version and the time, and one UPDATE per set of new values then writes them all, so
that the ticket table's indexes and triggers are paid once per ticket instead of once per step.

A ticket's verdicts read its row: a step that reads a column another step has set meanwhile
(its own field, or one a scope reads: `SCOPE`) is read after a `flush`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import peewee

from access.due_times import Dues, due_cases
from access.sla_verdicts import add_verdicts
from store.models import Ticket
from store.raw_writes import param, update_in

# The columns that say who sees a ticket and who may change it (`access.scope`).
SCOPE = frozenset({"source", "usergroup", "private", "requester", "assignee"})


class TicketWrites:
    """Per ticket, the columns set (by field name) and the number of changes made (each moves
    the version by one), until `flush`."""

    def __init__(self) -> None:
        self._values: dict[int, dict[str, Any]] = {}
        self._changes: dict[int, int] = {}

    def add(
        self, numbers: Iterable[int], values: dict[str, Any], at: datetime | None = None
    ) -> None:
        """One change on each of `numbers`: `values` (field name to value) set, the version
        moved by one; `at`, the change's time, is for a writer that keeps each ticket's own
        (`rule_writes.HeldTicketWrites`): `flush` sets them all to its `now`."""
        for number in numbers:
            self._values.setdefault(number, {}).update(values)
            self._changes[number] = self._changes.get(number, 0) + 1

    def pending(self, names: Iterable[str]) -> bool:
        """Whether one of the fields `names` is set and not yet written."""
        wanted = set(names)
        return any(wanted.intersection(values) for values in self._values.values())

    def lay_over(self, rows: Mapping[int, dict[str, Any]], field: str) -> None:
        """The pipeline's rows of tickets (`version`, `current` and `current_name` of
        `field`, a field shown as its value) as the changes added leave them."""
        for number, row in rows.items():
            if number in self._changes:
                row["version"] += self._changes[number]
                values = self._values[number]
                if field in values:
                    row["current"] = row["current_name"] = values[field]

    def flush(
        self,
        now: datetime,
        dues: Mapping[int, Dues] | None = None,
        verdicts: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        """Write what was added since the last flush: one UPDATE per set of values (and of
        changes made), each changed ticket's time set to `now`; with them, in the same
        UPDATE, the due times `dues` (`due_times.due_times_to_write`), after their
        `verdicts`."""
        dues = dues or {}
        if verdicts:
            add_verdicts(verdicts)
        groups: dict[tuple[tuple[tuple[str, Any], ...], int], list[int]] = {}
        for number in sorted({*self._changes, *dues}):
            values = tuple(sorted(self._values.get(number, {}).items(), key=lambda kv: kv[0]))
            groups.setdefault((values, self._changes.get(number, 0)), []).append(number)
        fields = Ticket._meta.fields
        for (values, changes), numbers in groups.items():
            written: dict[peewee.Field, Any] = {fields[name]: value for name, value in values}
            if changes:
                written[Ticket.updated_at] = now
            timed = [n for n in numbers if n in dues]
            update_in(
                Ticket.number,
                numbers,
                written,
                {Ticket.version: changes} if changes else {},
                due_cases(dues, timed, param()) if timed else {},
            )
        self._values.clear()
        self._changes.clear()
