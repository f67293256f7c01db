"""Writing and checking the audit log: one row per change, in the change's own transaction,
chained by hashes so that an edit of the file shows even if the triggers were dropped."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from store.models import AuditEvent, utcnow


def encode(value: Any) -> str:
    """JSON with every non-ASCII and control character escaped, so no byte of a logged value
    can reach a terminal raw."""
    if value is None or value == "":
        return ""
    return json.dumps(value, ensure_ascii=True, sort_keys=True, default=str)


def _digest(prev_hash: str, at: datetime, actor_id: int | None, fields: dict[str, Any]) -> str:
    payload = json.dumps(
        [prev_hash, at.isoformat(), actor_id, fields], ensure_ascii=True, sort_keys=True
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def record(
    actor_id: int | None,
    action: str,
    target_kind: str,
    target_id: int | None,
    *,
    ticket: int | None = None,
    before: Any = None,
    after: Any = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one event. Call inside the write transaction of the change it describes.
    `at` is for loaders with their own clock (the demo); changes use the current time."""
    last = AuditEvent.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1).first()
    prev_hash = last.hash if last else ""
    at = at or utcnow()
    fields = {
        "action": action,
        "target_kind": target_kind,
        "target_id": target_id,
        "ticket": ticket,
        "before": encode(before),
        "after": encode(after),
    }
    return AuditEvent.create(
        at=at,
        actor=actor_id,
        prev_hash=prev_hash,
        hash=_digest(prev_hash, at, actor_id, fields),
        **fields,
    )


def verify_chain() -> int | None:
    """The id of the first event whose hash does not match, or None when the chain is whole."""
    prev_hash = ""
    for event in AuditEvent.select().order_by(AuditEvent.id):
        fields = {
            "action": event.action,
            "target_kind": event.target_kind,
            "target_id": event.target_id,
            "ticket": event.ticket,
            "before": event.before,
            "after": event.after,
        }
        if event.prev_hash != prev_hash or event.hash != _digest(
            prev_hash, event.at, event.actor_id, fields
        ):
            return event.id
        prev_hash = event.hash
    return None
