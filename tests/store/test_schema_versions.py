"""The versions a start checks without importing the migrations (`store.schema_versions`) are
the migrations' own, and a database lacking one is still brought up to date when opened."""

from __future__ import annotations

from store.db import connect
from store.schema import MIGRATIONS
from store.schema_versions import LATEST, VERSIONS


def test_the_versions_a_start_checks_are_the_migrations_numbers() -> None:
    assert tuple(version for version, _step in MIGRATIONS) == VERSIONS
    assert MIGRATIONS[-1][0] == LATEST


def test_opening_a_database_that_lacks_a_version_runs_its_migration(demo_copy: str) -> None:
    db = connect(demo_copy)
    db.execute_sql("DELETE FROM schema_version WHERE version = 36")
    db.close()

    db = connect(demo_copy)
    try:
        (applied,) = db.execute_sql(
            "SELECT COUNT(*) FROM schema_version WHERE version = 36"
        ).fetchone()
    finally:
        db.close()
    assert applied == 1
