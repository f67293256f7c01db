"""Hints to SQLite's query planner, for where its own choice is known to cost seconds."""

from __future__ import annotations

import peewee

from store import dialect


def unindexed(column: peewee.Field) -> peewee.ColumnBase:
    """`+column`: the same value, but the planner will not answer a term on it with an index
    on that column (it keeps the index that gives the order, and tests the term per row).
    PostgreSQL's planner takes no such hint (and has no unary plus on text): the column."""
    if not dialect.is_sqlite(column.model._meta.database):
        return column
    return peewee.NodeList((peewee.SQL("+"), column), glue="")
