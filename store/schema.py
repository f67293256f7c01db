"""Schema versions: each migration runs once, in order, at start-up, recorded in `schemaversion`."""

from __future__ import annotations

from collections.abc import Callable

import peewee

from store import dialect
from store.models import ALL_MODELS, MAIL_MODELS, SchemaVersion


def _v1_initial(db: peewee.Database) -> None:
    db.create_tables(ALL_MODELS)
    for statement in dialect.audit_append_only(db):
        db.execute_sql(statement)


def _v2_search(db: peewee.Database) -> None:
    for statement in dialect.search_index(db):
        db.execute_sql(statement)


VERSIONED = ("person", "source", "role", "usergroup")


def _v3_versions(db: peewee.Database) -> None:
    """People, sources, roles and usergroups carry a version, as tickets do."""
    for table in VERSIONED:
        if "version" not in {column.name for column in db.get_columns(table)}:
            db.execute_sql(f"ALTER TABLE {table} ADD COLUMN version INTEGER NOT NULL DEFAULT 1")


def _v4_mail(db: peewee.Database) -> None:
    db.create_tables(MAIL_MODELS)


MIGRATIONS: list[tuple[int, Callable[[peewee.Database], None]]] = [
    (1, _v1_initial),
    (2, _v2_search),
    (3, _v3_versions),
    (4, _v4_mail),
]

LATEST = MIGRATIONS[-1][0]


def current_version(db: peewee.Database) -> int:
    if not SchemaVersion.table_exists():
        return 0
    row = SchemaVersion.select(peewee.fn.MAX(SchemaVersion.version)).scalar()
    return int(row or 0)


def migrate(db: peewee.Database) -> None:
    """Apply the migrations this database lacks, each in its own write transaction."""
    if current_version(db) >= LATEST:
        return
    with db.atomic():
        db.create_tables([SchemaVersion])
        done = current_version(db)
        for version, step in MIGRATIONS:
            if version > done:
                step(db)
                SchemaVersion.create(version=version)
