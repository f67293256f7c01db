"""Workload and response times per agent: one's own with `reports.own`, everyone's with
`reports.team`, over the tickets the viewer may see."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import work

from access.reports import PERIODS
from access.views import WorkloadRow
from tui.listing import ListingScreen, pairs
from tui.screen import Action
from wording.units import duration


class ReportsScreen(ListingScreen):
    TITLE_TEXT = "Workload"
    COLUMNS = ("Agent", "Open", "Replies", "1st reply")
    ACTIONS: ClassVar[tuple[Action, ...]] = (
        Action("p", "period", "Period", "reports.period"),
        Action("s", "sla_report", "SLA report", "reports.sla"),
    )

    def __init__(self) -> None:
        super().__init__()
        self.days = 30

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = f"last {self.days} days"

    def action_period(self) -> None:
        self.choose_period()

    def action_sla_report(self) -> None:
        from screens.sla_report import SlaReportScreen

        self.app.push_screen(SlaReportScreen())

    @work(group="report-period", exit_on_error=False)
    async def choose_period(self) -> None:
        choices = [(str(d), f"last {d} days") for d in PERIODS]
        value = await self.asked_choice("Period of the report", choices)
        if value:
            self.days = int(value)
            self.sub_title = f"last {self.days} days"
            self.reload()

    def key_of(self, record: WorkloadRow) -> str:
        return record.username

    def fetch(self) -> list[WorkloadRow]:
        return self.gate.reports.workload(self.days)

    def cells(self, record: WorkloadRow) -> Sequence[str]:
        return (
            record.username,
            str(record.open_assigned),
            str(record.replies),
            duration(record.median_first_response_minutes),
        )

    def describe(self, record: WorkloadRow) -> Text:
        return pairs(
            [
                ("Open assigned", str(record.open_assigned)),
                (f"Replies, last {record.days} days", str(record.replies)),
                ("Median first reply", duration(record.median_first_response_minutes)),
            ],
            record.username,
        )
