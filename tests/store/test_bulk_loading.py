"""Rows loaded in bulk (the demo, restores) are stored exactly as the same rows written one by
one through Peewee: the same text for times (so they sort and compare alike), the same booleans,
the indexes and search rebuilt afterwards."""

from __future__ import annotations

from datetime import datetime

import peewee
import pytest

from store import bulk
from store.models import Message, Source, Ticket
from tests import builders

CREATED = datetime(2026, 11, 30, 9, 15, 0)
UPDATED = datetime(2026, 11, 30, 17, 45, 12, 345678)

COLUMNS = (
    Ticket.number,
    Ticket.subject,
    Ticket.status,
    Ticket.priority,
    Ticket.source,
    Ticket.requester,
    Ticket.private,
    Ticket.created_at,
    Ticket.updated_at,
    Ticket.version,
)


def _stored(db: peewee.Database, number: int) -> tuple[object, ...]:
    """The ticket's row as the database holds it, each value with its stored type."""
    cursor = db.execute_sql(
        "SELECT subject, status, priority, private, created_at, updated_at FROM ticket "
        f"WHERE number = {db.param}",
        (number,),
    )
    row = cursor.fetchone()
    return tuple((type(value).__name__, value) for value in row)


def test_loaded_rows_are_stored_as_peewee_writes_them(db: peewee.Database) -> None:
    source = Source.create(name="Shop", kind="marketplace").id
    requester = builders.person("jan")
    Ticket.create(
        number=1,
        subject="written one by one",
        status="open",
        priority="high",
        source=source,
        requester=requester,
        private=True,
        created_at=CREATED,
        updated_at=UPDATED,
    )
    with bulk.loading(db, [Ticket, Message]) as loader:
        row = (2, "loaded in bulk", "open", "high", source, requester, True, CREATED, UPDATED, 1)
        loader.insert(Ticket, COLUMNS, [row])
        loader.insert(
            Message,
            (Message.ticket, Message.kind, Message.author, Message.body, Message.created_at),
            [(2, "customer", requester, "a parcel went missing", CREATED)],
        )

    one_by_one, loaded = _stored(db, 1), _stored(db, 2)
    assert loaded[1:] == one_by_one[1:]
    fetched = Ticket.get(Ticket.number == 2)
    assert (fetched.private, fetched.created_at, fetched.updated_at) == (True, CREATED, UPDATED)
    later = Ticket.select(Ticket.number).where(Ticket.updated_at >= UPDATED).order_by(Ticket.number)
    assert [t.number for t in later] == [1, 2]


@pytest.mark.postgresql_only(reason="the documents are tsvectors")
def test_the_search_rebuilt_after_a_load_holds_the_words_the_triggers_would(
    demo_db: peewee.Database,
) -> None:
    """Each ticket's two documents after the demo's bulk load hold the same words as the ones
    the triggers' function makes for it (positions aside: no search reads them)."""
    rebuilt = _documents(demo_db)
    numbers = sorted(rebuilt)
    assert any(public != everything for public, everything in rebuilt.values())  # notes seen
    for number in numbers:
        demo_db.execute_sql("SELECT ticketty_index_ticket(%s)", (number,))
    assert _documents(demo_db) == rebuilt


def _documents(db: peewee.Database) -> dict[int, tuple[str, str]]:
    rows = db.execute_sql(
        "SELECT number, strip(public)::text, strip(everything)::text FROM ticket_search"
    )
    return {number: (public, everything) for number, public, everything in rows}
