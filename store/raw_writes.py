"""Writes to many rows whose SQL is put together by hand instead of by Peewee's query builder:
for a bulk write of a few hundred rows, building the statement node by node cost as much as
running it. Column names come from the model's fields, every value goes through its field's
`db_value` and is a parameter in the connected database's style (`?` or `%s`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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
    listed = [key.db_value(k) for k in keys]
    if is_sqlite(database):
        where = f"{_quoted(key)} IN ({', '.join([mark] * len(keys))})"
    else:  # one array: the same text for any count of keys
        where = f"{_quoted(key)} = ANY({mark})"
    sql = f'UPDATE "{table}" SET {", ".join(sets)} WHERE {where}'
    params = [field.db_value(value) for field, value in values.items()]
    params += list(added.values())
    params += [param for _, given in computed.values() for param in given]
    params += listed if is_sqlite(database) else [listed]
    return int(database.execute_sql(sql, params).rowcount)


def update_each(
    key: peewee.Field,
    rows: Mapping[Any, Sequence[Any]],
    columns: Sequence[peewee.Field],
    added: Sequence[peewee.Field] = (),
) -> None:
    """`UPDATE table SET column = v.column..., counter = counter + v.column... FROM (VALUES
    (key, value, ...), ...) AS v WHERE key = v.column1`: each row of `rows` (key to its values
    of `columns`, then what each of `added` grows by, in order) written in one statement whose
    work grows with the rows (a `CASE key WHEN ...` per column grows with their square, and
    took SQLite longer to compile than to run). On PostgreSQL the values are an array per
    column, cast to the column's type (one text for any count of rows). Without `added`, a row
    whose columns hold its values already is left alone: no new row version, index entries
    or row triggers for a write that changes nothing."""
    if not rows:
        return
    database = database_proxy.obj
    mark = database.param
    table = key.model._meta.table_name
    written = [*columns, *added]
    sets = ", ".join(
        f"{_quoted(f)} = "
        + (f'"{table}".{_quoted(f)} + v.column{n}' if n > len(columns) + 1 else f"v.column{n}")
        for n, f in enumerate(written, start=2)
    )
    converts: list[Callable[[Any], Any]] = [key.db_value, *(f.db_value for f in columns)]
    converts += [int] * len(added)
    converted = [
        [convert(value) for convert, value in zip(converts, (row_key, *row), strict=True)]
        for row_key, row in rows.items()
    ]
    if is_sqlite(database):
        row = f"({', '.join([mark] * (len(written) + 1))})"
        source = f"(VALUES {', '.join([row] * len(rows))}) AS v"
        params = [param for values in converted for param in values]
    else:  # an array per column, each cast to its column's type: one text for any count
        kinds = [column_type(f, database) for f in (key, *written)]
        names = ", ".join(f"column{n}" for n in range(1, len(kinds) + 1))
        arrays = ", ".join(f"CAST({mark} AS {kind}[])" for kind in kinds)
        source = f"unnest({arrays}) AS v({names})"
        params = [list(column) for column in zip(*converted, strict=True)]
    changed = " OR ".join(
        f'"{table}".{_quoted(f)} IS DISTINCT FROM v.column{n}'
        if not is_sqlite(database)
        else f'"{table}".{_quoted(f)} IS NOT v.column{n}'
        for n, f in enumerate(columns, start=2)
    )
    where = f'"{table}".{_quoted(key)} = v.column1'
    if not added:
        where += f" AND ({changed})"
    sql = f'UPDATE "{table}" SET {sets} FROM {source} WHERE {where}'
    if is_sqlite(database):
        database.execute_sql(sql, params)
    else:
        execute_arrays(database, sql, params)


def execute_arrays(database: peewee.Database, sql: str, arrays: list[list[Any]]) -> Any:
    """On PostgreSQL: `sql`, whose every parameter is an array the statement casts to a
    column's type, run with the arrays bound in binary (`store.postgres.CastArrays`); its
    cursor."""
    from store.postgres import CastArrays  # loaded with the connection

    return database.execute_sql(sql, CastArrays(arrays))


def column_type(field: peewee.Field, database: peewee.Database) -> str:
    """The type of `field`'s column as a CAST names it: without a collation (`TEXT COLLATE
    "C"` is no CAST type), an automatic key's as the integer it is (`SERIAL` is no type)."""
    if isinstance(field, peewee.BigAutoField):
        return "BIGINT"
    if isinstance(field, peewee.AutoField):
        return "INTEGER"
    kind: str = field.ddl_datatype(database.get_sql_context()).sql
    return kind.split(" COLLATE ")[0]


def _quoted(field: peewee.Field) -> str:
    return f'"{field.column_name}"'


def param() -> str:
    """How the connected database marks a parameter: `?` or `%s`."""
    return str(database_proxy.obj.param)
