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

from access.audit import _digest, _fields

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
