"""Migration 29 on a database made before it: the mark of automatic mail on messages, the
`Auto-Submitted` and queue time of replies (indexed by recipient), the rule a notification
comes from, a due rule's place among tickets due at one time, and its escalations to retry."""

from __future__ import annotations

import peewee

from store.models import Message, OutboxItem
from store.notification_models import Notification
from store.rule_models import Rule, RuleRetry
from store.schema import migrate

ADDED = (
    (Message, "automatic"),
    (OutboxItem, "auto_submitted"),
    (OutboxItem, "queued_at"),
    (Notification, "rule"),
    (Rule, "last_ticket"),
)
INDEX = "outbox_item_recipient_auto_submitted_queued_at"


def columns(db: peewee.Database, model: type[peewee.Model]) -> set[str]:
    return {c.name for c in db.get_columns(model._meta.table_name)}


def test_migration_29_adds_its_columns_index_and_table_to_an_older_database(
    db: peewee.Database,
) -> None:
    db.execute_sql(f'DROP INDEX "{INDEX}"')
    for model, column in ADDED:
        db.execute_sql(f'ALTER TABLE "{model._meta.table_name}" DROP COLUMN "{column}"')
    db.execute_sql(f'DROP TABLE "{RuleRetry._meta.table_name}"')
    db.execute_sql("DELETE FROM schema_version WHERE version = 29")
    assert all(column not in columns(db, model) for model, column in ADDED)

    migrate(db)
    assert all(column in columns(db, model) for model, column in ADDED)
    assert INDEX in {i.name for i in db.get_indexes(OutboxItem._meta.table_name)}
    assert RuleRetry.select().count() == 0
    migrate(db)  # once only
    (applied,) = db.execute_sql("SELECT COUNT(*) FROM schema_version WHERE version = 29").fetchone()
    assert applied == 1
