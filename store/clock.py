"""Now as the store keeps times: apart from `store.models`, so that the app's clock is there
before the models are loaded (the start leaves them to after its first frame)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now as naive UTC, like every time the store keeps."""
    return datetime.now(UTC).replace(tzinfo=None)
