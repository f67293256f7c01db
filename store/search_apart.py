"""SQLite: the search documents of a bulk load indexed by a second process into a file of its
own while the loader writes the rows and builds their indexes, then copied into the database
as FTS5 stores them (its shadow tables, row by row: no text is tokenized twice).

The process is forked (`store.forked`): it starts with the table's definition and the merge
settings of `store.dialect` and touches none of the caller's connections. The documents go
through a pipe, a batch at a time, from whichever process makes them (the demo's rows' maker:
the loader never holds them), with their tickets' scope columns, whose text the process
spells as `scope_words` does; so the file holds the index the loader would have written
itself, segment for segment."""

from __future__ import annotations

import multiprocessing
import sqlite3
from multiprocessing.connection import Connection
from pathlib import Path
from typing import NoReturn, cast

import peewee

from store import dialect, forked, scope_words

# The tables FTS5 keeps `ticket_search` in, all of them, in the order they are copied.
SHADOWS = ("config", "data", "idx", "docsize", "content")
# The scratch file's page cache: its segments are merged once, at the end.
_CACHE_KIB = 256_000


class SearchApart:
    """`add(documents, scopes)` for every batch, then `copy_into(db)` once."""

    def __init__(self, db: peewee.Database) -> None:
        self.path = Path(f"{db.database}-search")
        _remove(self.path)
        self.pipe, theirs = multiprocessing.get_context("fork").Pipe(duplex=True)
        self.child = forked.start(_build, self.path, theirs)
        theirs.close()

    def add(
        self,
        documents: list[tuple[int, str, str, str | None]],
        scoped: list[tuple[object, ...]],
    ) -> None:
        """Documents to index (as `dialect.add_search_documents` takes them) with their
        tickets' scope, each (number, then the values of `scope_words.SCOPE_COLUMNS`). Any
        process forked after this one was started may add them (the demo's rows' maker
        does), the last of them before `copy_into`."""
        try:
            self.pipe.send((documents, scoped))
        except (BrokenPipeError, ConnectionResetError):
            self._failed()

    def copy_into(self, db: peewee.Database) -> None:
        """The documents indexed, merged once, then written into `db`'s `ticket_search`,
        which holds no document yet."""
        try:
            self.pipe.send(None)
            kind, detail = self.pipe.recv()
        except (BrokenPipeError, ConnectionResetError, EOFError):
            self._failed()
        if kind != "done":
            self._failed(detail)
        self.close()
        # A connection of its own: FTS5 keeps the index's structure in memory per connection
        # and reads it again only after a commit by another connection.
        copying = sqlite3.connect(db.database, isolation_level=None)
        try:
            held = copying.execute("SELECT count(*) FROM ticket_search_docsize").fetchone()[0]
            assert held == 0, "documents copied into an index holding some already"
            copying.execute("ATTACH DATABASE ? AS apart", (str(self.path),))
            copying.execute("BEGIN IMMEDIATE")
            for shadow in SHADOWS:
                table = f"ticket_search_{shadow}"
                copying.execute(f"DELETE FROM main.{table}")
                copying.execute(f"INSERT INTO main.{table} SELECT * FROM apart.{table}")
            copying.execute("COMMIT")
            copying.execute("DETACH DATABASE apart")
        finally:
            copying.close()
            _remove(self.path)

    def close(self) -> None:
        """The process ended (killed if still at work) and reaped, the pipe closed."""
        self.pipe.close()
        if self.child.is_alive():
            self.child.kill()
        self.child.join()

    def abandon(self) -> None:
        """The process ended and its file removed, nothing copied (the load failed)."""
        self.close()
        _remove(self.path)

    def _failed(self, detail: str | None = None) -> NoReturn:
        """The process failed (`detail`: its word; else what it sent before it ended)."""
        if detail is None:
            detail = "it ended without a word"
            if self.pipe.poll(1):
                _, detail = self.pipe.recv()
        self.abandon()
        raise RuntimeError(f"the process indexing the search documents failed:\n{detail}")


def _build(path: Path, pipe: Connection) -> None:
    """The process: documents received are indexed into `path` until the end (None), merged
    once, then its word ("done" or the error) sent back."""

    def build() -> None:
        scratch = peewee.SqliteDatabase(
            str(path),
            pragmas={"journal_mode": "off", "synchronous": "off", "cache_size": -_CACHE_KIB},
        )
        scratch.connect()
        scratch.execute_sql(dialect.search_table("ticket_search"))
        with dialect.search_merged_once(scratch):
            while (batch := pipe.recv()) is not None:
                documents, scoped = batch
                with scratch.atomic():  # one commit, one segment, per batch as in the loader
                    dialect.insert_search_documents(scratch, documents, _scopes(scoped))
        scratch.close()
        pipe.send(("done", None))

    forked.leave_after(build, pipe)


def _scopes(scoped: list[tuple[object, ...]]) -> dict[int, str]:
    """The scope column's text by ticket, as `scope_words.scope_tokens` writes it."""
    columns = scope_words.SCOPE_COLUMNS
    return {
        cast(int, number): " ".join(map(scope_words.token, columns, values))
        for number, *values in scoped
    }


def _remove(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
