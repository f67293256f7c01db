"""Service-level attainment and median business times for a month, per agent, usergroup and
source: one's own with `reports.own`, everyone's with `reports.team` (`gate.reports.sla`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import work

from access.sla_reports import BY_USERGROUP, SlaFigures
from tui.listing import ListingScreen, pairs
from tui.screen import Action
from wording.units import duration

# What the By column says: "group" keeps the table within 80 columns.
BY_SHOWN = {BY_USERGROUP: "group"}
# How many months back the period picker offers, this one included.
MONTHS_OFFERED = 12


def months_back(now: datetime, count: int = MONTHS_OFFERED) -> list[str]:
    """`2026-11`, `2026-10`, …: the month of `now` and the ones before it."""
    index = now.year * 12 + now.month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index, index - count, -1)]


def share(met: int, breached: int, percent: float | None) -> str:
    """`42/50 84%`, or `-` when no target has a verdict yet (the detail pane has the tenths)."""
    return "-" if percent is None else f"{met}/{met + breached} {round(percent)}%"


class SlaReportScreen(ListingScreen):
    TITLE_TEXT = "SLA report"
    COLUMNS = (
        "By",
        "Name",
        "1st resp. met",
        "Median",
        "Resolved met",
        "Median ",
        "Next resp. met",
        "Median  ",
    )
    ACTIONS: ClassVar[tuple[Action, ...]] = (Action("p", "period", "Month", "sla_report.period"),)
    # Reads every ticket of the month: not read again at each change of others.
    WATCHES = ("policy", "calendar")
    # The table needs about 100 columns (at 80 the next responses are scrolled to): the detail
    # pane goes below it up to this width.
    NARROW = 130

    def __init__(self) -> None:
        super().__init__()
        self.period = ""
        self.incomplete = ""  # the last report's (`SlaReport.incomplete`)

    def on_mount(self) -> None:
        self.period = months_back(self.app.clock(), 1)[0]
        super().on_mount()
        self.sub_title = self._subtitle()

    def _subtitle(self) -> str:
        shown = f"verdicts given in {self.period}; business time"
        return shown + ("; INCOMPLETE: verdicts still being given" if self.incomplete else "")

    def action_period(self) -> None:
        self.choose_month()

    @work(group="sla-report-period", exit_on_error=False)
    async def choose_month(self) -> None:
        choices = [(month, month) for month in months_back(self.app.clock())]
        value = await self.asked_choice("Month of the report", choices)
        if value:
            self.period = value
            self.sub_title = self._subtitle()
            self.reload()

    def key_of(self, record: SlaFigures) -> str:
        return f"{record.by}:{record.name}"

    def fetch(self) -> list[SlaFigures]:
        report = self.gate.reports.sla(self.period)
        self.incomplete = report.incomplete
        return list(report.rows)

    def _show(self, records: list[Any], select: str | None) -> None:
        super()._show(records, select)
        self.sub_title = self._subtitle()

    def cells(self, record: SlaFigures) -> Sequence[str]:
        return (
            BY_SHOWN.get(record.by, record.by),
            record.name,
            share(
                record.first_response_met,
                record.first_response_breached,
                record.first_response_met_percent,
            ),
            duration(record.median_first_response_minutes),
            share(record.resolution_met, record.resolution_breached, record.resolution_met_percent),
            duration(record.median_resolution_minutes),
            share(
                record.next_response_met,
                record.next_response_breached,
                record.next_response_met_percent,
            ),
            duration(record.median_next_response_minutes),
        )

    def describe(self, record: SlaFigures) -> Text:
        return pairs(
            [
                ("Tickets measured", str(record.tickets)),
                (
                    "First response met",
                    _counts(
                        record.first_response_met,
                        record.first_response_breached,
                        record.first_response_met_percent,
                    ),
                ),
                ("median", duration(record.median_first_response_minutes)),
                (
                    "Resolution met",
                    _counts(
                        record.resolution_met,
                        record.resolution_breached,
                        record.resolution_met_percent,
                    ),
                ),
                ("median", duration(record.median_resolution_minutes)),
                (
                    "Next responses met",
                    _counts(
                        record.next_response_met,
                        record.next_response_breached,
                        record.next_response_met_percent,
                    ),
                ),
                ("median", duration(record.median_next_response_minutes)),
            ],
            f"{record.by} {record.name}, {self.period}",
        )


def _counts(met: int, breached: int, percent: float | None) -> str:
    """`42 of 50 (84.0%), 8 breached`."""
    if percent is None:
        return "none ended or breached yet"
    return f"{met} of {met + breached} ({percent}%), {breached} breached"
