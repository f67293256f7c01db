"""A listing (`tui.listing`) filtered by typing: `/` puts the cursor in the filter line above
the table, each key typed there narrows the rows to those whose `matched_text` holds it, enter
goes back to the table, escape in the line empties it (and then leaves it)."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.widgets import DataTable, Input

from tui.listing import ListingScreen
from tui.screen import Action


class FilteredListing(ListingScreen):
    ACTIONS: ClassVar[tuple[Action, ...]] = (
        *ListingScreen.ACTIONS,
        Action("slash", "filter", "Filter", "listing.filter"),
    )
    DEFAULT_CSS = """
    FilteredListing #listing-filter { height: 1; border: none; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.every_record: list[Any] = []

    def on_mount(self) -> None:
        self.mount(
            Input(placeholder="/ to filter", id="listing-filter", compact=True),
            before="#listing-body",
        )
        super().on_mount()

    def matched_text(self, record: Any) -> str:
        """What the filter looks in (casefolded); the name by default."""
        return self.key_of(record).casefold()

    def matching(self, records: list[Any], typed: str) -> list[Any]:
        needle = typed.strip().casefold()
        if not needle:
            return records
        return [record for record in records if needle in self.matched_text(record)]

    def _show(self, records: list[Any], select: str | None) -> None:
        self.every_record = records
        typed = self.query_one("#listing-filter", Input).value
        super()._show(self.matching(records, typed), select)

    @on(Input.Changed, "#listing-filter")
    def narrow(self, event: Input.Changed) -> None:
        super()._show(self.matching(self.every_record, event.value), None)

    @on(Input.Submitted, "#listing-filter")
    def to_table(self) -> None:
        self.query_one(DataTable).focus()

    def action_filter(self) -> None:
        self.query_one("#listing-filter", Input).focus()

    def action_back(self) -> None:
        """Escape in the filter line empties it (the table gets every row back); elsewhere it
        goes back."""
        line = self.query_one("#listing-filter", Input)
        if line.has_focus and line.value:
            line.value = ""
            return
        if line.has_focus:
            self.query_one(DataTable).focus()
            return
        super().action_back()
