"""What a rule chunk's actions write to the ticket rows, held until something of the chunk reads
them or it commits: each action that changes a ticket moves its version and its time and may
set a field (its priority, its status), and each of those UPDATEs wrote a new row version with
an entry in every index of the ticket table (its time is in several, so never in place). Held,
a ticket changed by several rules of a chunk is written once, with its due times, however many
actions changed it.

The rows written are those the actions would have left one by one: each ticket's version moved
by its count of changes, its time that of its last change, each field its last value. A change
of who sees a ticket (its assignee, its group) is never held: the reads of the scope's columns
see the rows as they are. What reads the held columns meanwhile sees them as written: the
rules' facts get the held values laid over what they read (`HeldTicketWrites.overlay`), a
change of the priority or the status its field (`TicketWrites.lay_over`); an action that reads
more of the rows, or writes them by itself, has them written first (`ChunkWrites.write`). An
action whose savepoint rolls back drops what it held (`mark`, `restore`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from access.due_times import DUE_COLUMNS, Dues, due_times_to_write
from access.request import Request
from access.rule_conditions import Facts
from access.sla_verdicts import add_verdicts
from access.ticket_writes import TicketWrites
from store.models import Ticket
from store.raw_writes import update_each

# What `HeldTicketWrites.mark` gives back: the held values, changes and times.
Mark = tuple[dict[int, dict[str, Any]], dict[int, int], dict[int, datetime]]


class HeldTicketWrites(TicketWrites):
    """`TicketWrites` that keeps each ticket's time of its last change and writes every held
    ticket in one UPDATE per set of fields (`write`)."""

    def __init__(self) -> None:
        super().__init__()
        self._at: dict[int, datetime] = {}

    def add(
        self, numbers: Iterable[int], values: dict[str, Any], at: datetime | None = None
    ) -> None:
        if at is None:
            raise ValueError("a held change needs its time")
        numbers = list(numbers)
        super().add(numbers, values)
        self._at.update(dict.fromkeys(numbers, at))

    def held(self) -> bool:
        """Whether a change is held, unwritten."""
        return bool(self._changes)

    def mark(self) -> Mark:
        """What is held now, to go back to (`restore`) when what follows rolls back."""
        values = {number: dict(held) for number, held in self._values.items()}
        return values, dict(self._changes), dict(self._at)

    def restore(self, mark: Mark) -> None:
        values, changes, at = mark
        self._values, self._changes, self._at = values, changes, at

    def overlay(self, facts: Mapping[int, Facts]) -> None:
        """The held values and times laid over `facts` read from the rows."""
        for number, fact in facts.items():
            if number in self._changes:
                fact.updated_at = self._at[number]
                for name, value in self._values[number].items():
                    setattr(fact, name, value)

    def write(
        self, dues: Mapping[int, Dues] | None = None, verdicts: Sequence[Mapping[str, Any]] = ()
    ) -> None:
        """Write what is held, each ticket once: one UPDATE per set of fields held (with the
        due times `dues` of those tickets in it, `due_times.due_times_to_write`), the due
        times of the tickets with nothing held in one more; the `verdicts` first."""
        dues = dues or {}
        if verdicts:
            add_verdicts(verdicts)
        shapes: dict[tuple[tuple[str, ...], bool], list[int]] = {}
        for number in sorted(self._changes):
            names = tuple(sorted(self._values[number]))
            shapes.setdefault((names, number in dues), []).append(number)
        fields = Ticket._meta.fields
        for (names, timed), numbers in shapes.items():
            columns = [*(fields[name] for name in names), Ticket.updated_at]
            if timed:
                columns += [column for column, _ in DUE_COLUMNS]
            rows = {
                n: [
                    *(self._values[n][name] for name in names),
                    self._at[n],
                    *([value(dues[n]) for _, value in DUE_COLUMNS] if timed else []),
                    self._changes[n],
                ]
                for n in numbers
            }
            update_each(Ticket.number, rows, columns, [Ticket.version])
        alone = {
            n: [value(dues[n]) for _, value in DUE_COLUMNS]
            for n in sorted(dues)
            if n not in self._changes
        }
        update_each(Ticket.number, alone, [column for column, _ in DUE_COLUMNS])
        self._values.clear()
        self._changes.clear()
        self._at.clear()


class ChunkWrites:
    """A rule chunk's held ticket rows (`tickets`), and the tickets whose due times its actions
    moved, measured once (`flush`) before the chunk's transaction commits, or before something
    of the chunk reads them; the verdicts from the first action's start on."""

    def __init__(self) -> None:
        self.tickets = HeldTicketWrites()
        self.moved: dict[int, None] = {}
        self.request: Request | None = None

    def add_dues(self, request: Request, numbers: Sequence[int]) -> None:
        """The due times of `numbers` moved by an action of `request`."""
        if numbers:
            self.request = self.request or request
            self.moved.update(dict.fromkeys(numbers))

    def write(self) -> None:
        """The held rows written, before an action that reads more of them or writes them by
        itself; the due times left for `flush`."""
        if self.tickets.held():
            self.tickets.write()

    def flush(self) -> None:
        """Everything held written: the due times measured from the audit log (where every
        held change is logged) and written with the held rows."""
        if self.request is not None and self.moved:
            self.tickets.write(*due_times_to_write(self.request, list(self.moved)))
        else:
            self.tickets.write()
        self.moved, self.request = {}, None
