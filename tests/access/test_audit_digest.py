"""The audit chain's hash of an event: the SHA-256 of the JSON of `[previous hash, time, actor,
fields]` (keys sorted, every non-ASCII character escaped), whatever the values hold, so that
chains written before verify as they did."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from access.audit import AuditWriter, Event, _digest, _fields
from store.models import AuditEvent

_VALUES = st.one_of(
    st.none(),
    st.integers(),
    st.booleans(),
    st.text(),
    st.dictionaries(st.text(max_size=5), st.one_of(st.none(), st.integers(), st.text())),
)
_IDS = st.one_of(st.none(), st.integers(min_value=1))
_HASHES = st.one_of(st.just(""), st.text(alphabet="0123456789abcdef", min_size=64, max_size=64))


@given(
    prev_hash=st.one_of(
        st.just(""), st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
    ),
    at=st.datetimes(),
    actor=_IDS,
    action=st.text(),
    kind=st.text(),
    target=_IDS,
    ticket=_IDS,
    before=_VALUES,
    after=_VALUES,
)
def test_an_events_hash_is_that_of_its_json(
    prev_hash: str,
    at: datetime,
    actor: int | None,
    action: str,
    kind: str,
    target: int | None,
    ticket: int | None,
    before: Any,
    after: Any,
) -> None:
    fields = _fields(action, kind, target, ticket, before, after)
    payload = json.dumps([prev_hash, at.isoformat(), actor, fields], sort_keys=True)
    assert _digest(prev_hash, at, actor, fields) == hashlib.sha256(payload.encode()).hexdigest()


def test_a_hash_written_before_is_the_same() -> None:
    fields = _fields("ticket.note", "message", 12, 7, None, {"body": "Zwrot, \u0142\u00f3d\u017a"})
    assert _digest("", datetime(2026, 12, 4, 12, 0, 0, 5), 3, fields) == (
        hashlib.sha256(
            b'["", "2026-12-04T12:00:00.000005", 3, {"action": "ticket.note", '
            b'"after": "{\\"body\\": \\"Zwrot, \\\\u0142\\\\u00f3d\\\\u017a\\"}", "before": "", '
            b'"target_id": 12, "target_kind": "message", "ticket": 7}]'
        ).hexdigest()
    )


def test_events_sharing_a_value_are_written_as_events_with_copies_of_it(db: Any) -> None:
    """`record_many` encodes a value several events share once: the rows are those of the
    same events each with a value of its own."""
    shared = {"rule": "Refund triage", "did": "tag refund"}
    at = datetime(2026, 12, 4, 12, 0, 0)

    def rows(events: list[Event]) -> Any:
        writer = AuditWriter(lambda: at)
        with db.atomic() as run:
            writer.record_many(None, events)
            found = (
                AuditEvent.select(AuditEvent.ticket, AuditEvent.after, AuditEvent.hash)
                .where(AuditEvent.id.in_(writer.written))
                .order_by(AuditEvent.id)
                .tuples()
            )
            written = list(found)
            run.rollback()
        return written

    other = {"rule": "Refund triage", "did": "note"}
    values = [shared, other, shared]
    alike = [
        Event("rule.acted", "rule", 3, ticket=n, after=v) for n, v in enumerate(values, start=5)
    ]
    apart = [
        Event("rule.acted", "rule", 3, ticket=n, after=dict(v))
        for n, v in enumerate(values, start=5)
    ]
    written = rows(alike)
    assert written == rows(apart)
    assert [after for _, after, _ in written] == [json.dumps(v, sort_keys=True) for v in values]
