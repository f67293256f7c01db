"""INSERTs whose SQL Peewee builds once per database and that then run many times.

An import writes a handful of rows per message; building each statement's SQL anew cost as much
as running it. The SQL still comes from Peewee for whichever database is connected (SQLite or
PostgreSQL, `RETURNING` where the database has it), and each value goes through its field's
`db_value`, as Peewee's own insert does.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import peewee

from store.dialect import is_sqlite
from store.models import database_proxy
from store.raw_writes import column_type, execute_arrays

_compiled: weakref.WeakKeyDictionary[peewee.Database, dict[tuple[type, tuple[str, ...]], str]]
_compiled = weakref.WeakKeyDictionary()
MOST_PREPARED_ROWS = 256  # a multi-row insert's SQL is kept for each count of rows up to this


class PreparedInsert:
    """`INSERT INTO model (the named fields, then every other field with a default)`; `run`
    returns the new row's primary key."""

    def __init__(
        self, model: type[peewee.Model], names: tuple[str, ...], *, ignore_conflicts: bool = False
    ) -> None:
        self.model = model
        self.names = names
        self.ignore_conflicts = ignore_conflicts  # a row already there (by a unique key) is left
        meta: Any = model._meta
        given = [meta.fields[name] for name in names]
        self.defaults = [(f, d) for f, d in meta.defaults.items() if f.name not in names]
        self.fields = given + [f for f, _ in self.defaults]
        # What `_params` runs for each row: the named fields' conversions, then the defaults',
        # each skipped for a value of a type its field passes on as it is.
        self._named = [
            (name, kept_as_is(field, "db_value"), field.db_value)
            for name, field in zip(names, given, strict=True)
        ]
        self._filled = [
            (kept_as_is(f, "db_value"), f.db_value, d, callable(d)) for f, d in self.defaults
        ]
        self._one: tuple[weakref.ref[peewee.Database], str] | None = None  # `run`'s SQL, last

    def _sql(
        self, database: peewee.Database, rows: int = 1, *, returning: tuple[str, ...] = ()
    ) -> str:
        known = _compiled.setdefault(database, {})
        conflicts = "ignore" if self.ignore_conflicts else ""
        key = (self.model, (*self.names, str(rows), conflicts, "returning", *returning))
        if key not in known:
            shape = None
            if rows > 2:
                shape = _rows_shape(*(self._sql(database, n, returning=returning) for n in (1, 2)))
            if shape is not None:
                before, row, after = shape
                known[key] = before + ", ".join([row] * rows) + after
            else:
                known[key] = self._built(rows, returning)
        return known[key]

    def _unnest_sql(self, database: peewee.Database, returning: tuple[str, ...]) -> str:
        """PostgreSQL's SQL for any count of rows: `INSERT ... SELECT ... FROM unnest(one
        array per column)`, the rows in the arrays' order (a handful of parameters, so one
        text that psycopg converts once, whatever the count)."""
        known = _compiled.setdefault(database, {})
        conflicts = "ignore" if self.ignore_conflicts else ""
        key = (self.model, (*self.names, "unnest", conflicts, "returning", *returning))
        if key not in known:
            mark = database.param
            kinds = [column_type(f, database) for f in self.fields]
            arrays = ", ".join(f"CAST({mark} AS {kind}[])" for kind in kinds)
            names = [f"v{n}" for n in range(len(self.fields))]
            table = self.model._meta.table_name
            sql = (
                f'INSERT INTO "{table}" ({", ".join(_quoted(f) for f in self.fields)}) '
                f"SELECT {', '.join(names)} FROM unnest({arrays}) "
                f"WITH ORDINALITY AS v({', '.join(names)}, n) ORDER BY n"
            )
            if self.ignore_conflicts:
                sql += " ON CONFLICT DO NOTHING"
            if returning:
                meta: Any = self.model._meta
                sql += f" RETURNING {', '.join(_quoted(meta.fields[n]) for n in returning)}"
            known[key] = sql
        return known[key]

    def _execute_many(
        self, database: peewee.Database, rows: list[dict[str, Any]], returning: tuple[str, ...]
    ) -> Any:
        """A multi-row insert of `rows` run, its cursor: on PostgreSQL an array per column
        (bound in binary: `execute_arrays`), elsewhere `VALUES` of a row's parameters each."""
        converted = [self._params(values) for values in rows]
        if not is_sqlite(database):
            columns = [list(column) for column in zip(*converted, strict=True)]
            return execute_arrays(database, self._unnest_sql(database, returning), columns)
        params = [param for row in converted for param in row]
        return database.execute_sql(self._sql(database, len(rows), returning=returning), params)

    def _built(self, rows: int, returning: tuple[str, ...]) -> str:
        """The statement's SQL for `rows` rows as Peewee builds it."""
        blank = [tuple(None for _ in self.fields)] * rows
        query = self.model.insert_many(blank, fields=self.fields)
        if self.ignore_conflicts:
            query = query.on_conflict_ignore()
        if returning:
            meta: Any = self.model._meta
            query = query.returning(*(meta.fields[name] for name in returning))
        sql: str = query.sql()[0]
        return sql

    def _params(self, values: dict[str, Any]) -> list[Any]:
        params = []
        for name, as_is, convert in self._named:
            value = values[name]
            params.append(value if type(value) in as_is else convert(value))
        for as_is, convert, default, call in self._filled:
            value = default() if call else default
            params.append(value if type(value) in as_is else convert(value))
        return params

    def run_many(self, rows: list[dict[str, Any]]) -> None:
        """Insert `rows` in one statement, its SQL built once per number of rows up to
        `MOST_PREPARED_ROWS` (more: built for this call only), on PostgreSQL once."""
        database = database_proxy.obj
        if not rows:
            return
        if len(rows) > MOST_PREPARED_ROWS and is_sqlite(database):
            self.model.insert_many(rows).execute()
            return
        self._execute_many(database, rows, ())

    def run_many_returning(self, rows: list[dict[str, Any]]) -> list[int]:
        """`run_many`, giving the new rows' primary keys (in no promised order)."""
        meta: Any = self.model._meta
        key = meta.primary_key.name
        return [int(found) for (found,) in self.run_many_giving(rows, (key,))]

    def sent_returning(self, rows: list[dict[str, Any]]) -> Any:
        """`run_many_returning` up to `MOST_PREPARED_ROWS` rows, its cursor not read yet: the
        new rows' primary keys are its rows (in no promised order)."""
        database = database_proxy.obj
        meta: Any = self.model._meta
        if len(rows) > MOST_PREPARED_ROWS:
            raise ValueError(f"{len(rows)} rows; send at most {MOST_PREPARED_ROWS} at a time")
        return self._execute_many(database, rows, (meta.primary_key.name,))

    def run_many_giving(
        self, rows: list[dict[str, Any]], returning: tuple[str, ...]
    ) -> list[tuple[Any, ...]]:
        """`run_many`, giving the new rows' fields named `returning` (in no promised order),
        as the driver returns them."""
        database = database_proxy.obj
        if not rows:
            return []
        if len(rows) > MOST_PREPARED_ROWS and is_sqlite(database):
            meta: Any = self.model._meta
            query = self.model.insert_many(rows).returning(*(meta.fields[n] for n in returning))
            return list(query.tuples().execute())
        cursor = self._execute_many(database, rows, returning)
        return [tuple(row) for row in cursor.fetchall()]

    def run(self, **values: Any) -> int:
        database = database_proxy.obj
        one = self._one
        if one is None or one[0]() is not database:
            self._one = one = weakref.ref(database), self._sql(database)
        cursor = database.execute_sql(one[1], self._params(values))
        if database.returning_clause:
            return int(cursor.fetchone()[0])
        return int(cursor.lastrowid)


# Peewee's conversions (`adapt`) that give back a value of these types as it is.
_AS_IS: dict[Any, frozenset[type]] = {
    peewee.IntegerField.adapt: frozenset({int}),
    peewee.CharField.adapt: frozenset({str}),
    peewee.BooleanField.adapt: frozenset({bool}),
    peewee.DateTimeField.adapt: frozenset({datetime}),
}


def kept_as_is(field: peewee.Field, method: str) -> frozenset[type]:
    """The types (exactly) of the values `field`'s `method` (`db_value` or `python_value`)
    gives back unchanged, so that a caller converting many values may pass those on as they
    are: None and the plain types of Peewee's own fields; nothing for another field."""
    if isinstance(field, peewee.ForeignKeyField):  # a number is no row: the key's conversion
        if getattr(type(field), method) is not getattr(peewee.ForeignKeyField, method):
            return frozenset()
        field = field.rel_field
    if getattr(type(field), method) is not getattr(peewee.Field, method):
        return frozenset()
    found = _AS_IS.get(type(field).adapt)
    return frozenset() if found is None else found | {type(None)}


def _rows_shape(one: str, two: str) -> tuple[str, str, str] | None:
    """What comes before a multi-row insert's rows, one row's `(?, ?, ...)`, and what follows
    them, from Peewee's SQL for one row and for two (`... VALUES (?, ?), (?, ?) ...`): the SQL
    for many rows is then put together instead of built a node per value; None when the two
    are not in that shape."""
    same = 0
    for a, b in zip(one, two, strict=False):
        if a != b:
            break
        same += 1
    size = len(two) - len(one) - 2
    if size < 2 or same < size:
        return None
    before, row, after = one[: same - size], one[same - size : same], one[same:]
    if not (row.startswith("(") and row.endswith(")")) or before + row + ", " + row + after != two:
        return None
    return before, row, after


def _quoted(field: peewee.Field) -> str:
    return f'"{field.column_name}"'


def padded(values: Sequence[Any]) -> list[Any]:
    """`values` with the last repeated up to the next power of two (up to
    `MOST_PREPARED_ROWS`): the same `IN` list for fewer counts of parameters, so fewer SQL
    statements to build and keep."""
    listed = list(values)
    if not listed or len(listed) > MOST_PREPARED_ROWS:
        return listed
    size = 1 << (len(listed) - 1).bit_length()
    return listed + [listed[-1]] * (size - len(listed))


class PreparedSelect:
    """A SELECT Peewee builds once per database and count of arguments from `build(*args)`;
    `first(*args)` runs it with other values. The query must take exactly its arguments as
    parameters, in order (no LIMIT: that is a parameter too), and they must be plain ints and
    strings, which Peewee passes to the driver unchanged. A build of any count (`IN` a list of
    its arguments) keeps a SQL for each count up to `MOST_PREPARED_ROWS`; given `listed_after`,
    the arguments after that many are only an `IN` list, padded (`padded`) to fewer counts."""

    def __init__(
        self, build: Callable[..., peewee.Query], *, listed_after: int | None = None
    ) -> None:
        self.build = build
        self.listed_after = listed_after
        # Per count of arguments: the SQL, and for each of its parameters None (an argument)
        # or the length of an array of arguments (`store.among` on PostgreSQL).
        self._sql: weakref.WeakKeyDictionary[
            peewee.Database, dict[int, tuple[str, list[int | None]]]
        ]
        self._sql = weakref.WeakKeyDictionary()

    def first(self, *args: int | str) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self._run(args).fetchone()
        return row

    def rows(self, *args: int | str) -> list[tuple[Any, ...]]:
        """Every row, as tuples."""
        return list(self._run(args).fetchall())

    def _run(self, args: tuple[int | str, ...]) -> Any:
        database = database_proxy.obj
        if self.listed_after is not None:
            args = (*args[: self.listed_after], *padded(args[self.listed_after :]))
        known = self._sql.setdefault(database, {})
        found = known.get(len(args))
        if found is None:
            sql, params = self.build(*args).sql()
            found = sql, [len(p) if type(p) is list else None for p in params]
            if _flat(params) != list(args):
                raise ValueError(f"the query's parameters {params!r} are not its arguments")
            if len(args) <= MOST_PREPARED_ROWS:
                known[len(args)] = found
        sql, shape = found
        return database.execute_sql(sql, _shaped(args, shape))


def _flat(params: Sequence[Any]) -> list[Any]:
    """`params` with each array's values in its place."""
    return [v for p in params for v in (p if type(p) is list else [p])]


def _shaped(args: Sequence[Any], shape: list[int | None]) -> list[Any]:
    """`args` as a statement's parameters of `shape` (`PreparedSelect._sql`): an argument
    for each None, a list of the next arguments for each length."""
    if all(size is None for size in shape):
        return list(args)
    params: list[Any] = []
    at = 0
    for size in shape:
        if size is None:
            params.append(args[at])
            at += 1
        else:
            params.append(list(args[at : at + size]))
            at += size
    return params


class NumbersQuery:
    """A SELECT about a list of numbers (a chunk of tickets, `store.among.among`; it may name
    them several times, as a UNION of reads of the same tickets does) whose SQL and other
    parameters a key fixes (the grants, the change ...): built once per database, key and
    count of numbers with stand-in numbers, then run with the numbers in the stand-ins' places.
    `rows` reads its rows as the built query reads them (`.dicts()`, `.tuples()`, its fields'
    conversions), `raw_rows` as the driver gives them. A key that cannot be hashed, or a build
    that does not name each stand-in as a parameter, is built for its call alone."""

    MOST_KEPT = 512  # statements kept per database; past it they are forgotten, all at once

    def __init__(self) -> None:
        self._known: weakref.WeakKeyDictionary[peewee.Database, dict[Any, _Placed]]
        self._known = weakref.WeakKeyDictionary()

    def rows(
        self, key: Any, numbers: list[int], build: Callable[[list[int]], peewee.SelectBase]
    ) -> list[Any]:
        """The rows of `build(numbers)`; `key` must fix everything of it but the numbers."""
        placed = self._placed(key, numbers, build)
        if placed is None:
            return list(build(numbers))
        # What Peewee's own execution does with the cursor: rows as the query reads them.
        query: Any = placed[0]
        return list(query._get_cursor_wrapper(_run(placed, numbers)))

    def raw_rows(
        self, key: Any, numbers: list[int], build: Callable[[list[int]], peewee.Query]
    ) -> list[tuple[Any, ...]]:
        """`rows` as the driver gives them."""
        placed = self._placed(key, numbers, build)
        if placed is None:
            sql, given = build(numbers).sql()
            return list(database_proxy.obj.execute_sql(sql, given).fetchall())
        return list(_run(placed, numbers).fetchall())

    def _placed(
        self, key: Any, numbers: list[int], build: Callable[[list[int]], peewee.Query]
    ) -> _Placed | None:
        known = self._known.setdefault(database_proxy.obj, {})
        try:
            placed = known.get((key, len(numbers)))
        except TypeError:
            return None
        if placed is None:
            placed = _placed(build, len(numbers))
            if placed is None:
                return None
            if len(known) >= self.MOST_KEPT:
                known.clear()
            known[(key, len(numbers))] = placed
        return placed


_Placed = tuple[peewee.Query, str, list[Any], list[tuple[int, int | list[int]]]]
_STAND_IN = -(2**62)


def _placed(build: Callable[[list[int]], peewee.Query], count: int) -> _Placed | None:
    """`build`'s query for `count` stand-in numbers, its SQL, its parameters, and where each
    stand-in stands among them (position, index of the number), or each array of stand-ins
    (`store.among` on PostgreSQL: position, indexes of its numbers); None when one is not
    there."""
    if not 0 < count <= MOST_PREPARED_ROWS:
        return None
    query = build([_STAND_IN - n for n in range(count)])
    sql, given = query.sql()
    params = list(given)
    places: list[tuple[int, int | list[int]]] = []
    for at, value in enumerate(params):
        if _stand_in(value):
            places.append((at, _STAND_IN - value))
        elif type(value) is list and value and all(_stand_in(v) for v in value):
            places.append((at, [_STAND_IN - v for v in value]))
    named = {n for _, which in places for n in (which if isinstance(which, list) else [which])}
    if named != set(range(count)):
        return None
    return query, sql, params, places


def _stand_in(value: Any) -> bool:
    return type(value) is int and value <= _STAND_IN


def _run(placed: _Placed, numbers: list[int]) -> Any:
    """The cursor of `placed`'s statement run with `numbers` in the stand-ins' places."""
    _, sql, params, places = placed
    params = list(params)
    for at, which in places:
        params[at] = [numbers[n] for n in which] if isinstance(which, list) else numbers[which]
    return database_proxy.obj.execute_sql(sql, params)
