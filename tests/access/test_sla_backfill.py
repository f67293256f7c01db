"""Migration 28 on a database of the shape before it (verdicts kept since migration 21, no
tally): the clocks that ended before migration 21 get the verdicts the changes that ended them
would have given, and the tally counts them; those that ended after it stay without one; run
again, it gives none twice. The backfill runs as migration 32, a chunk of tickets per
transaction: interrupted after a chunk, the next start goes on and ends as a run that was not
interrupted, and meanwhile the SLA report says a month it touches may lack verdicts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import peewee
import pytest

from access import Gate
from access.demo import DEMO_NOW
from access.sla_backfill import backfill_chunk
from store import dialect, migration_chunks
from store.models import SchemaVersion, database_proxy, utcnow
from store.rows import tuple_rows
from store.schema import migrate
from store.sla_models import SLA_TALLY_MODELS, SlaTally, SlaTicketTally, SlaVerdict
from store.sla_tally import TRIGGER
from store.tag_models import DeskSetting
from tests.access.test_gate_sla_report import figures, march
from tests.backends import connect
from tests.cli.test_cli import run


def _before_migration_28(db: peewee.Database, verdicts_kept_since: datetime) -> None:
    """The database as it was at the version before 28, verdicts kept from `verdicts_kept_since`."""
    on = "" if dialect.is_sqlite(db) else " ON sla_verdict"
    db.execute_sql(f"DROP TRIGGER IF EXISTS {TRIGGER}{on}")
    db.drop_tables(SLA_TALLY_MODELS)
    SchemaVersion.delete().where(SchemaVersion.version.in_([28, 32])).execute()
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
        backfill_chunk(demo_db, 0, 10**6)
    assert SlaVerdict.select().count() == given


def _demo_before_migration_28(db: peewee.Database) -> None:
    """The demo with the policies of `march` as before migration 28, with no verdict and
    verdicts kept from a day after its clock's now: every clock the demo ended is to be judged
    by the backfill."""
    march(db)
    SlaVerdict.delete().execute()
    _before_migration_28(db, DEMO_NOW + timedelta(days=1))


SLA_ENDED = [f.name for f in SlaVerdict._meta.sorted_fields if f.name != "id"].index("ended_at")


def _judged() -> tuple[list[tuple[object, ...]], ...]:
    """Every verdict (without its id) and both tallies' rows, sorted."""
    return tuple(
        sorted(tuple_rows(model.select(*(f for f in model._meta.sorted_fields if f.name != "id"))))
        for model in (SlaVerdict, SlaTally, SlaTicketTally)
    )


def test_a_backfill_interrupted_after_a_chunk_resumes_and_ends_as_an_uninterrupted_one(
    new_demo: Callable[..., str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr(migration_chunks, "TICKETS", 60)  # the demo's 300 tickets in 5 chunks
    whole = connect(new_demo(name="whole.db"))
    _demo_before_migration_28(whole)
    migrate(whole)
    expected = _judged()
    assert len(expected[0]) > 100
    whole.close()

    location = new_demo(name="cut.db")
    cut = connect(location)
    _demo_before_migration_28(cut)
    chunks: list[int] = []

    def crash(last: int) -> None:
        chunks.append(last)
        raise RuntimeError("the process dies after its first chunk")

    with pytest.raises(RuntimeError, match="dies"):
        migrate(cut, chunk_done=crash)
    assert 0 < len(_judged()[0]) < len(expected[0])  # the first chunk is kept
    assert not SchemaVersion.select().where(SchemaVersion.version == 32).exists()
    period = f"{expected[0][0][SLA_ENDED]:%Y-%m}"
    assert "may lack some" in Gate(cut, "ada").reports.sla(period).incomplete

    # While another process holds the work, a start does not wait for it; the report says so.
    marker = DeskSetting.get(DeskSetting.key == migration_chunks.MARKER)
    held = f"{marker.value.split()[0]} another {(utcnow() + timedelta(hours=1)).isoformat()}"
    DeskSetting.update(value=held).where(DeskSetting.key == marker.key).execute()
    code, out, _err = run(capsys, location, "ada", "reports", "sla", "--period", period)
    assert code == 0 and "incomplete: clocks that ended before" in out
    database_proxy.initialize(cut)
    assert DeskSetting.get(DeskSetting.key == marker.key).value == held
    DeskSetting.update(value=marker.value.split()[0]).where(DeskSetting.key == marker.key).execute()

    migrate(cut, chunk_done=chunks.append)  # the next start goes on from the marker
    assert _judged() == expected
    assert chunks == sorted(chunks) and len(chunks) >= 4 and chunks[0] <= 60
    assert SchemaVersion.select().where(SchemaVersion.version == 32).exists()
    assert not DeskSetting.select().where(DeskSetting.key == migration_chunks.MARKER).exists()
    assert Gate(cut, "ada").reports.sla(period).incomplete == ""
    cut.close()


def test_a_database_past_migration_28_records_migration_32_at_once(demo_db) -> None:
    """Its backfill was done in migration 28's transaction: no marker, nothing judged again."""
    SchemaVersion.delete().where(SchemaVersion.version == 32).execute()
    before = _judged()
    migrate(demo_db, chunk_done=lambda last: pytest.fail(f"a chunk ran to #{last}"))
    assert SchemaVersion.select().where(SchemaVersion.version == 32).exists()
    assert _judged() == before
