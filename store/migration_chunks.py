"""A migration whose work runs after the others' transaction, a chunk of tickets per
transaction, so that other writers take the write lock between chunks (migration 32: the
verdicts that migration 28 gives to clocks that ended before migration 21).

The migration that needs the work (28) leaves a marker in its transaction, a row of
`desk_setting`: the last ticket number done (0 at first), the process doing it and until when
it holds it. Each chunk is one write transaction: it reads the marker, judges the next
`TICKETS` tickets in ticket order, and moves the marker past them (or, after the last,
deletes it and records the migration as applied). A crash loses at most the chunk under way,
and the next start goes on from the marker (at once after a failure the process saw, after
`LEASE` after one it did not live through). Another process that starts meanwhile does not
wait for the work: it opens the database at once and leaves it to the holder; a holder gone
for `LEASE` (crashed) is taken over. A database that applied migration 28 before it ran in
chunks has no marker: migration 32 is then recorded at once.

What reads the verdicts while the work is under way knows it (`filling_since`): the SLA
report says a month before migration 21 may still lack verdicts (`access.sla_reports`).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import peewee

from store import dialect
from store.models import SchemaVersion, utcnow
from store.schema_versions import Chunk
from store.tag_models import DeskSetting

MARKER = "migration.32"
# Tickets judged per transaction.
TICKETS = 5000
# How long a holder may go without finishing a chunk before another process takes over.
LEASE = timedelta(minutes=2)
# The schema version from which the change that ends a clock gives its verdict.
VERDICTS_KEPT = 21


def leave_marker() -> None:
    """Inside migration 28's transaction: its backfill is migration 32's, run in chunks."""
    DeskSetting.insert(key=MARKER, value="0").on_conflict_ignore().execute()


def filling_since() -> datetime | None:
    """While the backfill is under way: the instant before which clocks that ended may still
    lack their verdicts (when migration 21 was applied); else None."""
    query = (
        SchemaVersion.select(SchemaVersion.applied_at)
        .join(DeskSetting, on=DeskSetting.key == MARKER)
        .where(SchemaVersion.version == VERDICTS_KEPT)
    )
    row = query.tuples().first()
    return None if row is None else row[0]


def run(
    db: peewee.Database,
    version: int,
    chunk: Chunk,
    chunk_done: Callable[[int], None] | None = None,
) -> bool:
    """Run `chunk` a transaction at a time until the work is done (then `version` is recorded
    as applied) or another process holds it; whether it is done. `chunk_done` is told the last
    ticket number of each chunk committed."""
    holder = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        return _run(db, version, chunk, holder, chunk_done)
    except BaseException:
        with contextlib.suppress(Exception), db.atomic():
            _let_go(holder)
        raise


def _run(
    db: peewee.Database,
    version: int,
    chunk: Chunk,
    holder: str,
    chunk_done: Callable[[int], None] | None,
) -> bool:
    while True:
        with db.atomic():
            marker = dialect.for_change(DeskSetting.select().where(DeskSetting.key == MARKER))
            found = marker.first()
            if found is None:
                SchemaVersion.insert(version=version).on_conflict_ignore().execute()
                return True
            after, held_by, until = _read(found.value)
            now = utcnow()
            if held_by not in ("", holder) and until > now:
                return False
            last = chunk(db, after, TICKETS)
            if last is None:
                DeskSetting.delete().where(DeskSetting.key == MARKER).execute()
                SchemaVersion.insert(version=version).on_conflict_ignore().execute()
                return True
            value = f"{last} {holder} {(now + LEASE).isoformat()}"
            DeskSetting.update(value=value).where(DeskSetting.key == MARKER).execute()
        if chunk_done is not None:
            chunk_done(last)


def _let_go(holder: str) -> None:
    """The marker held by `holder` no longer held: the next start goes on at once."""
    found = DeskSetting.get_or_none(DeskSetting.key == MARKER)
    if found is not None:
        after, held_by, _until = _read(found.value)
        if held_by == holder:
            DeskSetting.update(value=str(after)).where(DeskSetting.key == MARKER).execute()


def _read(value: str) -> tuple[int, str, datetime]:
    """The marker's last ticket done, its holder and until when ("" and the past: nobody)."""
    after, _, rest = value.partition(" ")
    held_by, _, until = rest.partition(" ")
    return int(after or 0), held_by, datetime.fromisoformat(until) if until else datetime.min
