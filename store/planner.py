"""Hints to SQLite's query planner, for where its own choice is known to cost seconds."""

from __future__ import annotations

import peewee


def unindexed(column: peewee.Field) -> peewee.ColumnBase:
    """`+column`: the same value, but the planner will not answer a term on it with an index
    on that column (it keeps the index that gives the order, and tests the term per row)."""
    return peewee.NodeList((peewee.SQL("+"), column), glue="")
