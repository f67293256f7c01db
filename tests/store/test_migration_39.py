"""Migration 39 on a SQLite database made before it: the triggers of a new ticket's document and
a new message's words made anew in the form a row of `ticket_search_deferred` holds back, the
table made; writes after it are indexed as before."""

from __future__ import annotations

import peewee
import pytest

from store import dialect
from store.models import Message, Ticket
from store.schema import migrate

_TRIGGERS = ("ticket_search_ai", "message_search_ai")


@pytest.mark.sqlite_only(reason="PostgreSQL's search triggers are its own")
def test_migration_39_makes_the_triggers_that_can_be_held_back(demo_db: peewee.Database) -> None:
    db = demo_db
    for name in _TRIGGERS:
        db.execute_sql(f"DROP TRIGGER {name}")
        db.execute_sql(dialect.search_triggers()[name].replace(dialect._UNLESS_DEFERRED, ""))
    db.execute_sql(f"DROP TABLE {dialect.SEARCH_DEFERRED}")
    db.execute_sql("DELETE FROM schema_version WHERE version = 39")
    assert not any(dialect._trigger_is_ours(db, name) for name in _TRIGGERS)

    migrate(db)
    assert all(dialect._trigger_is_ours(db, name) for name in _TRIGGERS)
    assert db.execute_sql(f"SELECT count(*) FROM {dialect.SEARCH_DEFERRED}").fetchone() == (0,)
    ticket = Ticket.select().order_by(Ticket.number).first()
    Message.create(ticket=ticket, kind="customer", author=ticket.requester, body="zebu")
    assert db.execute_sql(
        "SELECT rowid FROM ticket_search WHERE ticket_search MATCH 'zebu'"
    ).fetchall() == [(ticket.number,)]
