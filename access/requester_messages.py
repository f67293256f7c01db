"""What a requester's own message does to their ticket, whether it came by mail or was written in
the app: one rule, used by both.

A pending ticket waited for the customer and a resolved one was thought settled: the customer's
answer reopens either (status `open`). A closed ticket stays closed: closing is final (its
figures and SLA are settled, reports count it, the customer was told), so an answer to it starts
a follow-up linked to it (`access.follow_ups`), by mail and in the app alike.
"""

from __future__ import annotations

REOPENED_BY_REQUESTER = ("pending", "resolved")
REOPENED_STATUS = "open"
FINAL_STATUS = "closed"


def status_after_requester_message(status: str) -> str | None:
    """The status a ticket takes when its requester writes on it, or None to leave it."""
    return REOPENED_STATUS if status in REOPENED_BY_REQUESTER else None
