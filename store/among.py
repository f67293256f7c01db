"""`column IN (a list of numbers)` for statements about a chunk of a few hundred tickets: the
query builder makes a node of every value and renders each in turn, which cost a chunk's
statements as much as running some of them; here the list is one node, its parameters handed
to the driver as they are (numbers and texts need no conversion).

On PostgreSQL the list is one parameter, an array (`column = ANY(%s)`, which the planner
treats as the `IN` list it would be): the statement's text is then the same for any count of
values, and psycopg keeps its conversion of a text of at most 50 parameters (it splits a longer
one anew at every run)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import peewee

ARRAY_PARAM = "%s"  # the parameter style of the driver that takes an array (psycopg)


class _Among(peewee.ColumnBase):
    """`(column IN (?, ?, ...))`, or `(column = ANY(%s))` with the values as one array where
    the database's parameters are psycopg's."""

    def __init__(self, column: peewee.ColumnBase, values: list[Any]) -> None:
        super().__init__()
        self.column = column
        self.values = values

    def __sql__(self, ctx: peewee.Context) -> peewee.Context:
        mark = ctx.state.param or "?"
        ctx.literal("(").sql(self.column)
        # What `ctx.value(v, False, add_param=False)` does for each, at once.
        given: list[Any] = ctx._values  # type: ignore[attr-defined]
        if mark == ARRAY_PARAM:
            ctx.literal(f" = ANY({mark}))")
            given.append(self.values)
        else:
            ctx.literal(f" IN ({', '.join([mark] * len(self.values))}))")
            given.extend(self.values)
        return ctx


def among(column: peewee.ColumnBase, values: Iterable[int] | Iterable[str]) -> peewee.ColumnBase:
    """`column IN (values)`; none: a condition no row meets, as Peewee's own."""
    listed: list[Any] = list(values)
    if not listed:
        return column.in_([])
    return _Among(column, listed)
