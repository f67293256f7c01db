"""The demo gives its tickets' search documents as it makes them (`BulkLoader.index`): they
are the documents the search rebuild makes from the tickets' messages, on both backends."""

from __future__ import annotations

from collections.abc import Callable

import peewee

from access.demo import build_demo
from store import dialect
from tests.backends import connect


def _documents(db: peewee.Database) -> dict[int, tuple[str, ...]]:
    if dialect.is_sqlite(db):
        query = "SELECT rowid, subject, public, notes FROM ticket_search"
    else:  # positions aside (no search reads them): the words of each document
        query = "SELECT number, strip(public)::text, strip(everything)::text FROM ticket_search"
    return {number: tuple(texts) for number, *texts in db.execute_sql(query)}


def test_the_demos_documents_are_those_the_rebuild_makes(new_location: Callable[..., str]) -> None:
    db = connect(new_location("search-demo.db"), create=True)
    build_demo(db, tickets=300, service_levels=True)
    given = _documents(db)
    assert sorted(given) == list(range(1, 301))
    dialect.rebuild_search(db)
    assert _documents(db) == given
