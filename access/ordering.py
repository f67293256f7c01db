"""Rows kept in an order a person chooses (service-level policies, rules): a `position` column,
1 first, renumbered without gaps after a move or a delete."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from access.errors import InvalidInput, NoChange
from store.models import SlaPolicy
from store.rule_models import Rule

Ordered = TypeVar("Ordered", SlaPolicy, Rule)


def in_order(model: type[Ordered]) -> list[Ordered]:
    return list(model.select().order_by(model.position, model.id))


def renumber(rows: Sequence[SlaPolicy | Rule]) -> None:
    """Positions 1, 2, ... for `rows` in this order, written where they changed."""
    for position, row in enumerate(rows, start=1):
        if row.position != position:
            model = type(row)
            model.update(position=position).where(model.id == row.id).execute()


def move_to(row: Ordered, position: int, what: str) -> int:
    """Put `row` at `position` (past the end: last) among its kind, inside the caller's write
    transaction; its new position. The same place is `NoChange`."""
    if position < 1:
        raise InvalidInput("a position counts from 1")
    rows = [r for r in in_order(type(row)) if r.id != row.id]
    rows.insert(position - 1, row)
    new_position = rows.index(row) + 1
    if new_position == row.position:
        raise NoChange(f"{what} is already at {new_position}; nothing changed")
    renumber(rows)
    return new_position
