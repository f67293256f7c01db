"""The schema versions this Ticketty knows, and the gate's steps some of them need, without the
migrations themselves: a start whose database is current checks its versions against `VERSIONS`
and never imports `store.schema` (which imports every model module for its migrations)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    import peewee

# Every migration's number, in the order `store.schema.MIGRATIONS` runs them (a test holds the
# two equal).
VERSIONS = (
    *range(1, 33),
    36,
    37,
    38,
    39,
    40,
    41,
)
LATEST = VERSIONS[-1]

# One chunk of a migration's work run a chunk per transaction (`store.migration_chunks`): the
# tickets after the number given, at most as many as given; the last ticket number done, or None
# when none is left.
Chunk: TypeAlias = "Callable[[peewee.Database, int, int], int | None]"

# What a migration needs of the gate's logic, which the store may not import: the gate registers
# it (`register_step`) when it is imported, before any database is opened through it.
_GATE_STEPS: dict[str, Chunk] = {}
VERDICT_BACKFILL = "sla.verdict_backfill"


def register_step(name: str, step: Chunk) -> None:
    """Register the gate's part of a migration (`VERDICT_BACKFILL`, a chunk of it)."""
    _GATE_STEPS[name] = step


def gate_step(name: str) -> Chunk:
    """The step the gate registered as `name`; refused (before the migrations' transaction
    writes anything) when the gate has not been imported."""
    step = _GATE_STEPS.get(name)
    if step is None:
        import peewee

        raise peewee.DatabaseError(f"this schema version needs {name}: import access first")
    return step
