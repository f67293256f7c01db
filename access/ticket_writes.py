"""The ticket rows a transaction's changes write, kept until they are needed and then written
together: a macro's steps on a chunk of tickets each set a column (status, priority, ...) and
move the version and the time, and one UPDATE per set of new values then writes them all, so
that the ticket table's indexes and triggers are paid once per ticket instead of once per step.

A ticket's verdicts read its row: a step that reads a column another step has set meanwhile
(its own field, or one a scope reads: `SCOPE`) is read after a `flush`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from store.models import Ticket
from store.raw_writes import update_in

# The columns that say who sees a ticket and who may change it (`access.scope`).
SCOPE = frozenset({"source", "usergroup", "private", "requester", "assignee"})


class TicketWrites:
    """Per ticket, the columns set (by field name) and the number of changes made (each moves
    the version by one), until `flush`."""

    def __init__(self) -> None:
        self._values: dict[int, dict[str, Any]] = {}
        self._changes: dict[int, int] = {}

    def add(self, numbers: Iterable[int], values: dict[str, Any]) -> None:
        """One change on each of `numbers`: `values` (field name to value) set, the version
        moved by one."""
        for number in numbers:
            self._values.setdefault(number, {}).update(values)
            self._changes[number] = self._changes.get(number, 0) + 1

    def pending(self, names: Iterable[str]) -> bool:
        """Whether one of the fields `names` is set and not yet written."""
        wanted = set(names)
        return any(wanted.intersection(values) for values in self._values.values())

    def flush(self, now: datetime) -> None:
        """Write what was added since the last flush: one UPDATE per set of values (and of
        changes made), each ticket's time set to `now`."""
        groups: dict[tuple[tuple[tuple[str, Any], ...], int], list[int]] = {}
        for number, changes in self._changes.items():
            values = tuple(sorted(self._values[number].items(), key=lambda item: item[0]))
            groups.setdefault((values, changes), []).append(number)
        fields = Ticket._meta.fields
        for (values, changes), numbers in groups.items():
            written = {fields[name]: value for name, value in values}
            update_in(
                Ticket.number,
                numbers,
                {**written, Ticket.updated_at: now},
                {Ticket.version: changes},
            )
        self._values.clear()
        self._changes.clear()
