"""Migration 28's part in the gate: the verdicts of clocks that ended before verdicts were kept
(migration 21), given once, with the clock the write path uses (`access.due_times`).

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
from store.models import SchemaVersion, Ticket, utcnow
from store.rows import tuple_rows
from store.sla_models import SlaVerdict

# The schema version from which the change that ends a clock gives its verdict.
VERDICTS_KEPT = 21


def backfill_verdicts(db: peewee.Database) -> int:
    """Give the clocks that ended before migration 21 their verdicts; how many were given."""
    kept_since = SchemaVersion.get_or_none(SchemaVersion.version == VERDICTS_KEPT)
    if kept_since is None:
        return 0
    before: datetime = kept_since.applied_at
    judged = SlaVerdict.select(peewee.SQL("1")).where(
        (SlaVerdict.ticket == Ticket.number) & (SlaVerdict.ended_at < before)
    )
    memo: dict[str, object] = {}
    given, after = 0, 0
    while True:
        chunk = [
            number
            for (number,) in tuple_rows(
                Ticket.select(Ticket.number)
                .where(
                    (Ticket.number > after)
                    & (Ticket.created_at < before)
                    & ~peewee.fn.EXISTS(judged)
                )
                .order_by(Ticket.number)
                .limit(CHUNK)
            )
        ]
        if not chunk:
            return given
        state = state_of(memo, chunk)
        if not state.policies.policies:
            return given
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
                if row["ended_at"] < before
            ]
        if rows:
            SlaVerdict.insert_many(rows).on_conflict_ignore().execute()
        given += len(rows)
        after = chunk[-1]
