"""Migration 40 on a PostgreSQL database made before it: a new ticket's trigger that a setting of
the transaction holds back, a message's words parsed once, the aggregate that joins words in
order; the documents the triggers leave are those they left before."""

from __future__ import annotations

from typing import Any

import peewee
import pytest

from store import search_held
from store.models import Message
from store.schema import migrate
from tests import builders as b

# The two triggers' forms before migration 40.
_BEFORE = (
    "CREATE OR REPLACE TRIGGER ticket_search_ai AFTER INSERT ON ticket "
    "FOR EACH ROW EXECUTE FUNCTION ticket_search_ticket()",
    "CREATE OR REPLACE FUNCTION message_search() RETURNS trigger AS $$ BEGIN "
    "UPDATE ticket_search SET everything = everything || ticketty_words(NEW.body), "
    "public = CASE WHEN NEW.kind = 'note' THEN public "
    "ELSE public || ticketty_words(NEW.body) END WHERE number = NEW.ticket_id; "
    "RETURN NULL; END $$ LANGUAGE plpgsql",
    "DROP AGGREGATE ticketty_words_joined(tsvector)",
)


def _documents(db: peewee.Database, w: b.World) -> Any:
    """The documents of a new ticket with a message and a note, and of an older ticket given a
    message and a note, the new ticket named by its place: rolled back after."""
    with db.atomic() as run:
        new = b.ticket(w.s1, w.customer, subject="Łódź paczka", body="Straße zwrot", note="ёлка")
        Message.create(ticket=new, kind="customer", author=w.customer, body="again, ß, zwrot")
        Message.create(ticket=w.t_s1, kind="customer", author=w.customer, body="later Øre")
        Message.create(ticket=w.t_s1, kind="note", author=w.customer, body="άλφα note")
        rows = db.execute_sql(
            "SELECT number = %s, public::text, everything::text FROM ticket_search "
            "WHERE number IN (%s, %s) ORDER BY number",
            (new, new, w.t_s1),
        ).fetchall()
        run.rollback()
    return rows


def _trigger(db: peewee.Database) -> str:
    return db.execute_sql(
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 'ticket_search_ai'"
    ).fetchone()[0]


@pytest.mark.postgresql_only(reason="SQLite's triggers are held back by a row (migration 39)")
def test_migration_40_makes_the_held_trigger_and_leaves_the_same_documents(
    db: peewee.Database,
) -> None:
    w = b.world()
    for statement in _BEFORE:
        db.execute_sql(statement)
    db.execute_sql("DELETE FROM schema_version WHERE version = 40")
    assert search_held.SETTING not in _trigger(db)
    before = _documents(db, w)

    migrate(db)
    assert search_held.SETTING in _trigger(db)
    assert _documents(db, w) == before
    assert [new for new, *_ in before] == [False, True]
    with db.atomic():
        db.execute_sql(f"SELECT set_config('{search_held.SETTING}', 'on', true)")
        held = b.ticket(w.s1, w.customer, subject="Held")
        assert _indexed(db, held) == []
    kept = b.ticket(w.s1, w.customer, subject="Kept")  # the setting went with the transaction
    assert _indexed(db, kept) == [(kept,)]


def _indexed(db: peewee.Database, number: int) -> list[tuple[int]]:
    return db.execute_sql(
        "SELECT number FROM ticket_search WHERE number = %s", (number,)
    ).fetchall()
