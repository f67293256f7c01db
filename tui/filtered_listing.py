"""A listing (`tui.listing`) filtered by typing: `/` puts the cursor in the filter line above
the table, each key typed there narrows the rows to those whose `matched_text` holds it, enter
goes back to the table, escape in the line empties it (and then leaves it).

The table shows at most `AT_MOST` rows (around the one to select, when it is further down):
Textual's table fills a row at a time, and thousands of canned replies would cost what a
person waiting on the list notices; the filter line says how many match, to narrow them."""

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

    AT_MOST = 200

    def __init__(self) -> None:
        super().__init__()
        self.every_record: list[Any] = []
        self.matched = 0  # how many records the filter matches (the table shows AT_MOST)

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
        self._show_matching(self.matching(records, typed), select)

    def _show_matching(self, matching: list[Any], select: str | None) -> None:
        start = 0
        if select is not None and len(matching) > self.AT_MOST:
            keys = [self.key_of(record) for record in matching]
            if select in keys:
                start = max(0, keys.index(select) - self.AT_MOST // 2)
        self.matched = len(matching)
        shown = matching[start : start + self.AT_MOST]
        line = self.query_one("#listing-filter", Input)
        line.placeholder = "/ to filter" + (
            f" · {len(shown)} of {len(matching)} shown" if len(shown) < len(matching) else ""
        )
        super()._show(shown, select)

    @on(Input.Changed, "#listing-filter")
    def narrow(self, event: Input.Changed) -> None:
        self._show_matching(self.matching(self.every_record, event.value), None)

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
