"""Migration 28's part in the gate: the verdicts of clocks that ended before verdicts were kept
(migration 21), given once, with the clock the write path uses (`access.due_times`); run as
migration 32, a chunk of tickets per transaction after the migrations' own
(`store.migration_chunks`).

Which tickets: those filed before migration 21 ran that have no verdict ended before then (a
database kept verdicts from migration 21 on, so such verdicts are only the demo's, which judged
every clock of its tickets). Each such ticket's history is read and measured as a change to it
would measure it, a chunk of tickets per statement, by the policies there are when the
migration runs (the only ones known: their earlier versions are not kept), and each clock
that ended before migration 21 ran gets the verdict the change that ended it would have given.
A clock that ended later without a verdict (no policy matched then) stays without one, as the
verdicts' rule says (`access.sla_verdicts`). The clock gives the latest end of each kind, so a
ticket reopened and resolved again before migration 21 has the verdict of its last resolution
only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import peewee

from access.due_times import CHUNK, state_of
from access.sla_clock import clock
from access.sla_verdicts import new_verdicts
from store.migration_chunks import VERDICTS_KEPT
from store.models import SchemaVersion, Ticket, utcnow
from store.rows import tuple_rows
from store.sla_models import SlaVerdict


def backfill_chunk(db: peewee.Database, after: int, tickets: int) -> int | None:
    """Migration 32's chunk: the next `tickets` tickets to judge after number `after`, in
    ticket order, judged; the last number judged, or None when none was left."""
    last = _Backfill().run(after, tickets)
    return None if last == after else last


class _Backfill:
    """The tickets filed before migration 21 without a verdict that ended before it, judged
    `CHUNK` at a time, the policies read once."""

    def __init__(self) -> None:
        kept_since = SchemaVersion.get_or_none(SchemaVersion.version == VERDICTS_KEPT)
        self.before: datetime | None = None if kept_since is None else kept_since.applied_at
        self.memo: dict[str, object] = {}

    def run(self, after: int, tickets: int) -> int:
        """Judge the tickets after number `after`, at most `tickets`; the last number judged
        (`after` when none was)."""
        seen = 0
        while seen < tickets:
            chunk = self._next(after, min(CHUNK, tickets - seen))
            if not chunk or not self._judge(chunk):
                break
            after, seen = chunk[-1], seen + len(chunk)
        return after

    def _next(self, after: int, size: int) -> list[int]:
        if self.before is None:
            return []
        judged = SlaVerdict.select(peewee.SQL("1")).where(
            (SlaVerdict.ticket == Ticket.number) & (SlaVerdict.ended_at < self.before)
        )
        query = (
            Ticket.select(Ticket.number)
            .where(
                (Ticket.number > after)
                & (Ticket.created_at < self.before)
                & ~peewee.fn.EXISTS(judged)
            )
            .order_by(Ticket.number)
            .limit(size)
        )
        return [number for (number,) in tuple_rows(query)]

    def _judge(self, chunk: list[int]) -> bool:
        """The verdicts of `chunk` given; False when there is no policy to judge by."""
        state = state_of(self.memo, chunk)
        if not state.policies.policies:
            return False
        assert self.before is not None
        now = utcnow()
        rows: list[dict[str, Any]] = []
        for number, history in state.histories.items():
            measured = clock(history, state.policies.policies, now)
            context = state.verdict_context(number)
            rows += [
                row
                for row in new_verdicts(
                    number, history, measured, state.policies, context, datetime.min
                )
                if row["ended_at"] < self.before
            ]
        if rows:
            SlaVerdict.insert_many(rows).on_conflict_ignore().execute()
        return True
