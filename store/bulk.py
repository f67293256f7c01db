"""Loading many rows at once, the fastest way each backend offers, for demo data and restores.

Rows go straight into the tables (no audit events, no triggers per row): SQLite takes them by
`executemany` with the inserted tables' secondary indexes, the full-text and the tallies'
triggers set aside (the verdicts' tally's too), PostgreSQL by `COPY`, also without the tables'
foreign keys. At the end the indexes are built once, the foreign keys checked once, the
full-text index and the tallies (`store.tallies`, `store.sla_tally`) are rebuilt and the ticket
number sequence continues after the highest number loaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext

import peewee

from store import dialect, sla_tally, tallies
from store.db import SQLITE_PRAGMAS
from store.models import BaseModel, Ticket
from store.search_apart import SearchApart
from store.sla_models import SlaVerdict
from store.tag_models import TicketTag

# SQLite page cache while loading: the indexes are built at the end, each by one sort.
LOAD_CACHE_KIB = 256_000


class BulkLoader:
    """`insert(Model, columns, rows)` as often as needed inside `loading(db, models)`."""

    def __init__(self, db: peewee.Database, apart: SearchApart | None = None) -> None:
        self.db = db
        self.apart = apart

    def insert(
        self, model: type[BaseModel], columns: Sequence[peewee.Field], rows: Iterable[tuple]
    ) -> None:
        """Insert `rows` (values in the order of `columns`) in one transaction."""
        table = model._meta.table_name
        names = ", ".join(f'"{c.column_name}"' for c in columns)
        with self.db.atomic():
            if dialect.is_sqlite(self.db):
                marks = ", ".join("?" for _ in columns)
                # Rows go to the driver as they are: its adapters write datetimes and booleans
                # as Peewee's own inserts do.
                self.db.cursor().executemany(
                    f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows
                )
            else:
                with self.db.cursor().copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)

    def index(self, documents: Iterable[tuple[int, str, str, str | None]]) -> None:
        """The search documents of tickets loaded, for a load with `documents_given`
        (`dialect.add_search_documents`); each loaded ticket's, once. PostgreSQL takes none:
        it rebuilds them after the load, parsing the text in the server as it would parse
        the same text copied in. A load with `documents_apart` gives them to `apart`
        instead."""
        if dialect.is_sqlite(self.db):
            with self.db.atomic():
                dialect.add_search_documents(self.db, documents)


@contextmanager
def loading(
    db: peewee.Database,
    models: Sequence[type[BaseModel]],
    *,
    verdict_tally: sla_tally.Counted | None = None,
    tallies_aside: bool = False,
    documents_given: bool = False,
    documents_apart: bool = False,
) -> Iterator[BulkLoader]:
    """A loader for `models`' tables; afterwards their indexes, the search index, the tallies
    and the sequences are as if every row had been inserted one by one. `verdict_tally`, when
    the caller counts the verdicts it loads, is written as the verdicts' tally instead of
    counting it from the table. With `tallies_aside` the caller has the saved views' and tags'
    tallies aside for longer (`tallies.without_triggers` around more than the load) and they
    are counted once when it ends, not by the loader. With `documents_given` the caller gives
    the loaded tickets' search documents (`BulkLoader.index`) and SQLite indexes them as they
    come instead of rebuilding the search index from every ticket's messages; with
    `documents_apart` too, they go to the loader's `apart` (`store.search_apart`, on SQLite,
    where processes fork) instead, from any process forked after the load began: a second
    process indexes them into a file of its own while the rows and their indexes are written,
    and its index is copied in after them, the same index (for a search index holding no
    document before)."""
    sqlite = dialect.is_sqlite(db)
    if sqlite:
        db.execute_sql(f"PRAGMA cache_size = -{LOAD_CACHE_KIB}")
        # A commit of the load waits for no flush to the disk (WAL: a crash of the machine may
        # lose the last batches, never the file); the file is flushed at the end.
        db.execute_sql("PRAGMA synchronous = NORMAL")
    with db.atomic():
        for model in models:
            peewee.SchemaManager(model).drop_indexes(safe=True)
        references = [] if sqlite else _drop_references(db, models)
    # The tallies' triggers (one upsert per row) are left aside; each is counted anew once.
    counted = (Ticket in models or TicketTag in models) and not tallies_aside
    views = tallies.without_triggers(db) if counted else nullcontext()
    verdicts = (
        sla_tally.without_triggers(db, verdict_tally) if SlaVerdict in models else nullcontext()
    )
    # Documents given are merged by FTS5 once, after the last, not as each batch comes.
    apart = SearchApart(db) if documents_given and documents_apart and sqlite else None
    given_here = documents_given and sqlite and apart is None
    merged = dialect.search_merged_once(db) if given_here else nullcontext()
    with views, verdicts, dialect.without_search_triggers(db), merged:
        try:
            yield BulkLoader(db, apart)
        except BaseException:
            if apart is not None:
                apart.abandon()
            raise
        finally:
            with db.atomic():
                for model in models:
                    peewee.SchemaManager(model).create_indexes(safe=True)
                for table, name, definition in references:
                    db.execute_sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                if not (documents_given and sqlite):
                    dialect.rebuild_search(db)
                if not sqlite:
                    for model in models:
                        _continue_sequence(db, model)
            if apart is not None and not apart.pipe.closed:
                apart.copy_into(db)
            if sqlite:
                db.execute_sql(f"PRAGMA cache_size = {SQLITE_PRAGMAS['cache_size']}")
                db.execute_sql(f"PRAGMA synchronous = {SQLITE_PRAGMAS['synchronous']}")
    db.execute_sql("ANALYZE")


def _drop_references(
    db: peewee.Database, models: Sequence[type[BaseModel]]
) -> list[tuple[str, str, str]]:
    """PostgreSQL: the foreign keys of `models`' tables dropped, as (table, name, definition)
    to add back after the load; added back, each is checked over the whole table at once,
    instead of by a trigger and a query per row copied."""
    tables = [model._meta.table_name for model in models]
    found = db.execute_sql(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY conrelid, conname",
        (tables,),
    ).fetchall()
    for table, name, _definition in found:
        db.execute_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    return [(str(t), str(n), str(d)) for t, n, d in found]


def _continue_sequence(db: peewee.Database, model: type[BaseModel]) -> None:
    """PostgreSQL: the next number after the highest loaded (COPY does not move sequences)."""
    key = model._meta.primary_key
    if not isinstance(key, peewee.AutoField):
        return
    table, column = model._meta.table_name, key.column_name
    db.execute_sql(
        f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
        f'coalesce(max("{column}"), 0) + 1, false) FROM "{table}"'
    )
