"""Writes to many rows whose SQL is put together by hand instead of by Peewee's query builder:
for a bulk write of a few hundred rows, building the statement node by node cost as much as
running it. Column names come from the model's fields, every value goes through its field's
`db_value` and is a parameter in the connected database's style (`?` or `%s`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import peewee

from store.dialect import is_sqlite
from store.models import database_proxy


def update_in(
    key: peewee.Field,
    keys: Sequence[Any],
    values: Mapping[peewee.Field, Any],
    added: Mapping[peewee.Field, int] | None = None,
    computed: Mapping[peewee.Field, tuple[str, Sequence[Any]]] | None = None,
) -> int:
    """`UPDATE table SET column = value, ..., counter = counter + n, other = (SQL) WHERE key IN
    (keys)`, the table `key`'s: `computed` gives a column SQL of its own and its parameters (in
    the database's style: `param`), passed to the driver as they are. The rows it changed."""
    added = added or {}
    computed = computed or {}
    if not keys or not (values or added or computed):
        return 0
    database = database_proxy.obj
    mark = database.param
    sets = [f"{_quoted(f)} = {mark}" for f in values]
    sets += [f"{_quoted(f)} = {_quoted(f)} + {mark}" for f in added]
    sets += [f"{_quoted(f)} = {sql}" for f, (sql, _) in computed.items()]
    table = key.model._meta.table_name
    sql = (
        f'UPDATE "{table}" SET {", ".join(sets)} '
        f"WHERE {_quoted(key)} IN ({', '.join([mark] * len(keys))})"
    )
    params = [field.db_value(value) for field, value in values.items()]
    params += list(added.values())
    params += [param for _, given in computed.values() for param in given]
    params += [key.db_value(k) for k in keys]
    return int(database.execute_sql(sql, params).rowcount)


def update_each(
    key: peewee.Field, rows: Mapping[Any, Sequence[Any]], columns: Sequence[peewee.Field]
) -> None:
    """`UPDATE table SET column = v.column... FROM (VALUES (key, value, ...), ...) AS v WHERE
    key = v.column1`: each row of `rows` (key to its values of `columns`, in order) written
    in one statement whose work grows with the rows (a `CASE key WHEN ...` per column grows
    with their square, and took SQLite longer to compile than to run). On PostgreSQL the
    first row's values are cast to their columns' types, which a column of NULLs only would
    otherwise lack (the key is left as the driver types it)."""
    if not rows:
        return
    database = database_proxy.obj
    mark = database.param
    first = [mark] * len(columns)
    if not is_sqlite(database):
        context = database.get_sql_context()
        # The type alone: a collation (`TEXT COLLATE "C"`) is no part of a CAST's type.
        kinds = [f.ddl_datatype(context).sql.split(" COLLATE ")[0] for f in columns]
        first = [f"CAST({mark} AS {kind})" for kind in kinds]
    other = f"({', '.join([mark] * (len(columns) + 1))})"
    values = ", ".join([f"({mark}, {', '.join(first)})"] + [other] * (len(rows) - 1))
    table = key.model._meta.table_name
    sets = ", ".join(f"{_quoted(f)} = v.column{n}" for n, f in enumerate(columns, start=2))
    sql = (
        f'UPDATE "{table}" SET {sets} FROM (VALUES {values}) AS v '
        f'WHERE "{table}".{_quoted(key)} = v.column1'
    )
    converts = [key.db_value, *(f.db_value for f in columns)]
    params = [
        convert(value)
        for row_key, row in rows.items()
        for convert, value in zip(converts, (row_key, *row), strict=True)
    ]
    database.execute_sql(sql, params)


def _quoted(field: peewee.Field) -> str:
    return f'"{field.column_name}"'


def param() -> str:
    """How the connected database marks a parameter: `?` or `%s`."""
    return str(database_proxy.obj.param)
