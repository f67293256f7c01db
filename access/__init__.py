"""Who may see and do what: the permission catalogue, a person's grants, and the gate.

The gate (`Gate`, `access.gate`) is imported when first named here (PEP 562): the errors and
the value modules the app's first frame needs load without it, and so without peewee."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from access.errors import (
    AccessError,
    Conflict,
    InvalidInput,
    NoChange,
    NotFound,
    PermissionDenied,
    StillHeld,
    UnknownPerson,
)
from access.file_limit import FileTooLarge
from store.schema_versions import VERDICT_BACKFILL, register_step

if TYPE_CHECKING:
    import peewee

    from access.gate import Gate, PartOf


def backfill_chunk(db: peewee.Database, after: int, tickets: int) -> int | None:
    """Migration 32's chunk of that backfill (`access.sla_backfill.backfill_chunk`), its module
    imported only when a database needs it."""
    from access.sla_backfill import backfill_chunk as chunk

    return chunk(db, after, tickets)


register_step(VERDICT_BACKFILL, backfill_chunk)


def __getattr__(name: str) -> Any:
    if name in ("Gate", "PartOf"):
        from access import gate

        return getattr(gate, name)
    raise AttributeError(f"module 'access' has no attribute {name!r}")


__all__ = [
    "AccessError",
    "Conflict",
    "FileTooLarge",
    "Gate",
    "InvalidInput",
    "NoChange",
    "NotFound",
    "PartOf",
    "PermissionDenied",
    "StillHeld",
    "UnknownPerson",
]
