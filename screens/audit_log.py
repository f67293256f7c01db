"""The audit log: who did what, when, to what, as a sentence, with the values before and
after as recorded."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import work

from access.views import AuditView
from tui.audit_text import sentence
from tui.listing import ListingScreen, pairs
from tui.screen import Action

PAGE = 200
FILTERS = (
    ("person", "by person (who did it)"),
    ("ticket", "by ticket number"),
    ("role", "by role"),
    ("usergroup", "by usergroup"),
    ("", "no filter"),
)


class AuditLogScreen(ListingScreen):
    TITLE_TEXT = "Audit log"
    # The sentence last: the only column that may be cut (the detail pane shows it whole).
    COLUMNS = ("When", "Who", "Ticket", "What")
    ACTIONS: ClassVar[tuple[Action, ...]] = (
        Action("f", "filter", "Filter", "audit.filter"),
        Action("m", "more", "Load more", "audit.more"),
    )

    def __init__(self) -> None:
        super().__init__()
        self.filters: dict[str, Any] = {}
        self.limit = PAGE

    def key_of(self, record: AuditView) -> str:
        return str(record.id)

    def fetch(self) -> list[AuditView]:
        return self.gate.audit.list_audit(limit=self.limit, **self.filters)

    def cells(self, record: AuditView) -> Sequence[str]:
        return (
            f"{record.at:%Y-%m-%d %H:%M}",
            record.actor or "-",
            f"#{record.ticket}" if record.ticket else "",
            sentence(record),
        )

    def describe(self, record: AuditView) -> Text:
        return pairs(
            [
                ("When", f"{record.at:%Y-%m-%d %H:%M:%S} UTC"),
                ("Who", record.actor or "(system)"),
                ("What", sentence(record)),
                ("Action", record.action),
                ("Target", record.target_label),
                ("Before", record.before or "-"),
                ("After", record.after or "-"),
            ],
            f"Event {record.id}",
        )

    def reload(self, select: str | None = None) -> None:
        shown = ", ".join(f"{k} {v}" for k, v in self.filters.items() if k != "target_kind")
        self.sub_title = f"filter: {shown}" if shown else ""
        super().reload(select)

    def action_filter(self) -> None:
        self.filter_log()

    @work(group="audit-filter", exit_on_error=False)
    async def filter_log(self) -> None:
        """What to filter by, then the value; an empty choice shows the whole log again."""
        kind = await self.asked_choice("Filter the log", FILTERS)
        if kind is None:
            return
        if not kind:
            self.filters = {}
            self.reload()
            return
        value = await self.asked_text(f"Filter {dict(FILTERS)[kind]}")
        if value is None:
            return
        if kind == "person":
            self.filters = {"person": value}
        elif kind == "ticket":
            if not value.lstrip("#").isdigit():
                self.notify("a ticket number is digits", severity="error")
                return
            self.filters = {"ticket": int(value.lstrip("#"))}
        else:
            self.filters = {"target_kind": kind, "target_name": value}
        self.reload()

    def action_more(self) -> None:
        self.limit += PAGE
        self.reload()
