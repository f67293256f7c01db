"""New rows a write transaction holds back and then writes a table at a time, in one statement
each: on PostgreSQL a mail import's one-row INSERTs (a requester, a ticket, its message, an
attachment per message) cost a round trip apiece, most of the import's time on the server.

A held row's key is known at once: taken from its table's sequence (the first one by `nextval`,
the next ones counted on from it), under the write transaction's lock, which keeps every other
writer from inserting meanwhile (as the audit chain's head is kept in memory). When the rows are
written the sequence is set past the last key handed out, so the rows get the keys that inserting
them one by one would have given them, in the same order. A writer that knows nothing but held
rows will follow (a mail batch's next part) has the next keys go on from where the sequences
were set, without asking them again (`write(going_on=True)`). Whoever reads or writes one of these
tables, or a row naming a held one, while rows are held, `write`s them first: a key another
insert took meanwhile fails the write (a duplicate key), never overwrites.

On SQLite, which has no round trips to save, a row is inserted as it comes (`PreparedInsert.run`,
the same statement as without holding)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from store.dialect import is_sqlite
from store.models import database_proxy
from store.pipelined import pipelined
from store.prepared import PreparedInsert


class HeldRows:
    """The rows of `inserts` (each a `PreparedInsert` of a table whose key is automatic) held
    back; written in the order of `inserts`, so put a table before those that name its rows."""

    def __init__(self, inserts: Sequence[PreparedInsert]) -> None:
        self.holding = not is_sqlite(database_proxy.obj)
        self._keyed: dict[PreparedInsert, PreparedInsert] = {}
        for insert in inserts:
            meta: Any = insert.model._meta
            key = meta.primary_key.name
            self._keyed[insert] = PreparedInsert(
                insert.model, (key, *insert.names), ignore_conflicts=insert.ignore_conflicts
            )
        self._rows: dict[PreparedInsert, list[dict[str, Any]]] = {i: [] for i in inserts}
        self._next: dict[PreparedInsert, int] = {}  # the next key to hand out, per table taken
        self._first: dict[PreparedInsert, int] = {}  # the first key held, per table

    def insert(self, insert: PreparedInsert, **values: Any) -> int:
        """A new row of `insert`'s table (one of this holder's), held back; its key."""
        if not self.holding:
            return insert.run(**values)
        key = self._next.get(insert)
        if key is None:
            key = self._first[insert] = _first_key(insert)
        self._next[insert] = key + 1
        keyed = self._keyed[insert]
        self._rows[insert].append({keyed.names[0]: key, **values})
        return key

    def holds(self, insert: PreparedInsert, key: int) -> bool:
        """Whether the row of `insert`'s table with this key is held (not written yet)."""
        return self._first.get(insert, key + 1) <= key < self._next.get(insert, key)

    def held_row(self, insert: PreparedInsert, key: int) -> dict[str, Any] | None:
        """The values of the row of `insert`'s table with this key, if it is held."""
        if not self.holds(insert, key):
            return None
        return self._rows[insert][key - self._first[insert]]

    def write(self, going_on: bool = False) -> None:
        """The rows held so far, written, a table at a time, and the sequences set past them;
        each statement sent while the one before it runs (`pipelined`). The next key held is
        asked of the sequence again, unless `going_on`: the caller inserts nothing into these
        tables but through this holder until it writes again, and the next key of each table
        is the one its sequence was set to."""
        if not any(self._rows.values()):
            self._next.clear()
            self._first.clear()
            return
        sets, params = [], []
        for insert, following in self._next.items():
            sets.append(f"setval({_SEQUENCE}, GREATEST(%s, nextval({_SEQUENCE})), false)")
            params += [*_named(insert), following, *_named(insert)]
        with pipelined(database_proxy):
            for insert, rows in self._rows.items():
                if rows:
                    self._keyed[insert].run_many(rows)
                    rows.clear()
            keys = database_proxy.obj.execute_sql(f"SELECT {', '.join(sets)}", params)
        if going_on:
            self._next = dict(zip(self._next, map(int, keys.fetchone()), strict=True))
            self._first = dict(self._next)
        else:
            self._next.clear()
            self._first.clear()


_SEQUENCE = "pg_get_serial_sequence(%s, %s)"


def _named(insert: PreparedInsert) -> tuple[str, str]:
    """The table and key column of `insert`, as `pg_get_serial_sequence` takes them."""
    meta: Any = insert.model._meta
    return f'"{meta.table_name}"', str(meta.primary_key.column_name)


def _first_key(insert: PreparedInsert) -> int:
    cursor = database_proxy.obj.execute_sql(f"SELECT nextval({_SEQUENCE})", _named(insert))
    return int(cursor.fetchone()[0])
