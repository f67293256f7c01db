"""Workload and response times per agent: one's own with `reports.own`, everyone's with
`reports.team`, over the tickets the viewer may see."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from access.views import WorkloadRow
from tui.listing import ListingScreen, pairs


def minutes(value: float | None) -> str:
    if value is None:
        return "-"
    hours, rest = divmod(int(value), 60)
    return f"{hours}h {rest:02d}m" if hours else f"{rest}m"


class ReportsScreen(ListingScreen):
    TITLE_TEXT = "Workload"
    COLUMNS = ("Agent", "Open assigned", "Replies (30 days)", "Median first reply")

    def key_of(self, record: WorkloadRow) -> str:
        return record.username

    def fetch(self) -> list[WorkloadRow]:
        return self.gate.workload()

    def cells(self, record: WorkloadRow) -> Sequence[str]:
        return (
            record.username,
            str(record.open_assigned),
            str(record.replies_30d),
            minutes(record.median_first_response_minutes),
        )

    def describe(self, record: WorkloadRow) -> Text:
        return pairs(
            [
                ("Open assigned", str(record.open_assigned)),
                ("Replies, 30 days", str(record.replies_30d)),
                ("Median first reply", minutes(record.median_first_response_minutes)),
            ],
            record.username,
        )
