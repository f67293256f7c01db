"""Migration 36 on a database made before it: the index of statuses and due times the breached
filter counts from, made once."""

from __future__ import annotations

import peewee

from store.models import BREACHED_INDEX, Ticket
from store.schema import migrate

INDEX = "ticket_" + "_".join(BREACHED_INDEX)


def indexes(db: peewee.Database) -> dict[str, list[str]]:
    return {i.name: i.columns for i in db.get_indexes(Ticket._meta.table_name)}


def test_migration_36_adds_the_breached_filter_index_to_an_older_database(
    db: peewee.Database,
) -> None:
    db.execute_sql(f'DROP INDEX "{INDEX}"')
    db.execute_sql("DELETE FROM schema_version WHERE version = 36")
    assert INDEX not in indexes(db)

    migrate(db)
    assert indexes(db)[INDEX] == list(BREACHED_INDEX)
    migrate(db)  # once only
    (applied,) = db.execute_sql("SELECT COUNT(*) FROM schema_version WHERE version = 36").fetchone()
    assert applied == 1
