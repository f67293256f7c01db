"""The demo gives its tickets' search documents as it makes them (`BulkLoader.index`): they
are the documents the search rebuild makes from the tickets' messages, on both backends."""

from __future__ import annotations

from collections.abc import Callable

import peewee

from access.demo import build_demo
from store import dialect
from store.models import Message, Ticket
from tests.backends import connect

TICKETS = 20_000


def _documents(db: peewee.Database) -> dict[int, tuple[str, ...]]:
    if dialect.is_sqlite(db):
        query = "SELECT rowid, subject, public, notes FROM ticket_search"
    else:  # each word with its positions, as the rebuild parses them
        query = "SELECT number, public::text, everything::text FROM ticket_search"
    return {number: tuple(texts) for number, *texts in db.execute_sql(query)}


def test_the_demos_documents_are_those_the_rebuild_makes(new_location: Callable[..., str]) -> None:
    """PostgreSQL parses the text the demo gives (`dialect.add_search_documents`), not the
    messages: the words and positions are the same for every ticket, those with accents,
    letters folded, escape codes and a bidi override among them."""
    db = connect(new_location("search-demo.db"), create=True)
    build_demo(db, tickets=TICKETS, service_levels=True)
    texts = [t.subject for t in Ticket.select(Ticket.subject)]
    texts += [m.body for m in Message.select(Message.body).distinct()]
    assert {"ó", "ü", "ł", "\x1b", "\u202e"} <= set("".join(texts))
    given = _documents(db)
    assert sorted(given) == list(range(1, TICKETS + 1))
    dialect.rebuild_search(db)
    assert _documents(db) == given
