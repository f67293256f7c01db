"""Figures as people read them, the same in the app and on the command line."""

from __future__ import annotations


def duration(minutes: float | None) -> str:
    """`31h 17m`, `45m`, or `-` when there is no figure."""
    if minutes is None:
        return "-"
    hours, rest = divmod(round(minutes), 60)
    return f"{hours}h {rest:02d}m" if hours else f"{rest}m"


def count(tickets: int, at_least: bool = False) -> str:
    """`4,779`, or `5,000+` for a count that stopped there (there may be more)."""
    return f"{tickets:,}+" if at_least else f"{tickets:,}"
