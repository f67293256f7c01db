"""Migration 28 on a database of the shape before it (verdicts kept since migration 21, no
tally): the clocks that ended before migration 21 get the verdicts the changes that ended them
would have given, and the tally counts them; those that ended after it stay without one; run
again, it gives none twice."""

from __future__ import annotations

from datetime import datetime

import peewee

from access import Gate, backfill_verdicts
from store import dialect
from store.models import SchemaVersion
from store.schema import migrate
from store.sla_models import SLA_TALLY_MODELS, SlaVerdict
from store.sla_tally import TRIGGER
from tests.access.test_gate_sla_report import figures, march


def _before_migration_28(db: peewee.Database, verdicts_kept_since: datetime) -> None:
    """The database as it was at the version before 28, verdicts kept from `verdicts_kept_since`."""
    on = "" if dialect.is_sqlite(db) else " ON sla_verdict"
    db.execute_sql(f"DROP TRIGGER IF EXISTS {TRIGGER}{on}")
    db.drop_tables(SLA_TALLY_MODELS)
    SchemaVersion.delete().where(SchemaVersion.version == 28).execute()
    SchemaVersion.update(applied_at=verdicts_kept_since).where(
        SchemaVersion.version == 21
    ).execute()


def test_migration_28_judges_the_clocks_ended_before_verdicts_were_kept(
    demo_db: peewee.Database,
) -> None:
    ada, _numbers = march(demo_db)  # the tickets of `test_gate_sla_report`, not judged
    assert not SlaVerdict.select().exists()
    assert ada.reports.sla("2025-03").rows == ()

    # Verdicts kept from 2025-04-01 08:30: the April reply (09:00) ended after, with none.
    _before_migration_28(demo_db, datetime(2025, 4, 1, 8, 30))
    migrate(demo_db)

    report = ada.reports.sla("2025-03")
    assert figures(report.rows, "agent", "tom") == (2, 2, 0, 100.0, 135.0, 1, 1, 50.0, 450.0)
    assert figures(report.rows, "agent", "ali") == (1, 1, 0, 100.0, 180.0, 0, 0, None, None)
    assert ada.reports.sla("2025-04").rows == ()
    # Read from the verdict rows (ali's own), the same figures as from the tally.
    own = Gate(demo_db, "ali").reports.sla("2025-03").rows
    assert figures(own, "agent", "ali") == figures(report.rows, "agent", "ali")
    given = SlaVerdict.select().count()
    assert given == 5
    with demo_db.atomic():
        assert backfill_verdicts(demo_db) == 0
    assert SlaVerdict.select().count() == given
