"""The rows of a query read as tuples or dicts.

Peewee's type stubs give `.tuples()` and `.dicts()` the query's own type, so iterating one looks
like iterating model instances; these two say what the rows really are.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

import peewee


def tuple_rows(query: peewee.BaseQuery) -> Iterable[tuple[Any, ...]]:
    """`query.tuples()`: each row a tuple of the selected columns, in order."""
    return cast(Iterable[tuple[Any, ...]], query.tuples())


def dict_rows(query: peewee.BaseQuery) -> Iterable[dict[str, Any]]:
    """`query.dicts()`: each row a dict keyed by column name or alias."""
    return cast(Iterable[dict[str, Any]], query.dicts())


def dict_row(query: peewee.SelectBase) -> dict[str, Any]:
    """`query.dicts().get()`: the first row as a dict (peewee.DoesNotExist when there is none)."""
    return cast(dict[str, Any], query.dicts().get())


def selected(row: peewee.Model, alias: str) -> Any:
    """A column the query selected beside the model's fields under `alias`: peewee sets it on
    the instance as an attribute the model's type does not declare."""
    return getattr(row, alias)
