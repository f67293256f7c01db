"""`column IN (a list of numbers)` for statements about a chunk of a few hundred tickets: the
query builder makes a node of every value and renders each in turn, which cost a chunk's
statements as much as running some of them; here the list is one node, its parameters handed
to the driver as they are (numbers and texts need no conversion)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import peewee


class _Listed(peewee.ColumnBase):
    """`(?, ?, ...)`: the values as parameters, in the database's style."""

    def __init__(self, values: list[Any]) -> None:
        super().__init__()
        self.values = values

    def __sql__(self, ctx: peewee.Context) -> peewee.Context:
        mark = ctx.state.param or "?"
        ctx.literal(f"({', '.join([mark] * len(self.values))})")
        # What `ctx.value(v, False, add_param=False)` does for each, at once.
        given: list[Any] = ctx._values  # type: ignore[attr-defined]
        given.extend(self.values)
        return ctx


def among(column: peewee.ColumnBase, values: Iterable[int] | Iterable[str]) -> peewee.Expression:
    """`column IN (values)`; none: a condition no row meets, as Peewee's own."""
    listed: list[Any] = list(values)
    if not listed:
        return column.in_([])
    return peewee.Expression(column, peewee.OP.IN, _Listed(listed))
