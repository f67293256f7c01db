"""A listing (`tui.listing`) filtered by typing: `/` puts the cursor in the filter line above
the table, each key typed there narrows the rows to those whose `matched_text` holds it, enter
goes back to the table, escape in the line empties it (and then leaves it).

The table holds the matching rows a page (`AT_MOST`) at a time: Textual's table fills a row
at a time, and thousands of canned replies filled at once would cost what a person waiting on
the list notices. It opens on the first page (or the one around the row to select); the next
page joins it as the cursor nears its end, the one before as the cursor nears its start, and
`G` (`g`) goes to the very last (first) row; the filter line says which rows of how many the
table holds. It holds `KEEP` pages at most: walking on past them, the window moves so that
one page stays behind the cursor and the rest lies ahead of it (the table filled again with
the window, the cursor on its record and the rows where they were on the screen), so a walk
either way fills it again once per `KEEP - 1` pages walked, and the rows dropped are read
again from the matching records when the cursor comes back to them; a walk through 20,000
rows leaves 600 in the table."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.message import Message
from textual.widgets import DataTable, Input

from tui.listing import ListingScreen
from tui.moving import MovingTable
from tui.screen import Action


class PagedTable(MovingTable):
    """A table holding some of a listing's rows: `g`/`G` ask the screen for the first or last
    row of them all (`EdgeAsked`), which it may have to put in the table first."""

    class EdgeAsked(Message):
        def __init__(self, last: bool) -> None:
            super().__init__()
            self.last = last

    def action_first(self) -> None:
        self.post_message(self.EdgeAsked(last=False))

    def action_last(self) -> None:
        self.post_message(self.EdgeAsked(last=True))


class FilteredListing(ListingScreen):
    ACTIONS: ClassVar[tuple[Action, ...]] = (
        *ListingScreen.ACTIONS,
        Action("slash", "filter", "Filter", "listing.filter"),
    )
    DEFAULT_CSS = """
    FilteredListing #listing-filter { height: 1; border: none; padding: 0 1; }
    """
    TABLE = PagedTable

    AT_MOST = 200  # rows a page
    NEAR = 10  # rows from the table's end (start) at which the next (previous) page joins
    KEEP = 3  # pages the table holds at most

    def __init__(self) -> None:
        super().__init__()
        self.every_record: list[Any] = []
        self.matches: list[Any] = []  # the records the filter matches; the table holds some
        self.start = 0  # where in `matches` the table's first row is

    @property
    def matched(self) -> int:
        """How many records the filter matches."""
        return len(self.matches)

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
        """The page of `matching` that holds `select` (else the record under the cursor, else
        the first page)."""
        current = self.current
        wanted = select or (self.key_of(current) if current is not None else None)
        start = 0
        if wanted is not None and len(matching) > self.AT_MOST:
            keys = [self.key_of(record) for record in matching]
            if wanted in keys:
                start = max(0, keys.index(wanted) - self.AT_MOST // 2)
        self.matches = matching
        self._hold(start, start + self.AT_MOST, select)

    def _hold(self, start: int, end: int, select: str | None) -> None:
        """The table filled with `matches[start:end]`, the cursor on `select` (else kept)."""
        self.start = max(0, start)
        self._fill(self.matches[self.start : end], select)
        self._say_rows()

    def _say_rows(self) -> None:
        held, matched = len(self.records), len(self.matches)
        line = self.query_one("#listing-filter", Input)
        line.placeholder = "/ to filter" + (
            f" · rows {self.start + 1}-{self.start + held} of {matched}" if held < matched else ""
        )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        super().on_data_table_row_highlighted(event)
        # Where the cursor is now: filling the table posts a highlight of its first row too.
        row, held = self.query_one(DataTable).cursor_row, len(self.records)
        end, near = self.start + held, max(1, min(self.NEAR, self.AT_MOST // 4))
        if row >= held - near and end < len(self.matches):
            if held + self.AT_MOST <= self.KEEP * self.AT_MOST:
                self._append(self.matches[end : end + self.AT_MOST])
                self._say_rows()
            elif self.current is not None:  # a page kept behind the cursor, the rest ahead
                last_start = len(self.matches) - self.KEEP * self.AT_MOST
                self._slide(min(self.start + row - self.AT_MOST, last_start))
        elif row < near and self.start > 0 and self.current is not None:
            self._slide(max(0, self.start + row - (self.KEEP - 1) * self.AT_MOST))

    def _slide(self, start: int) -> None:
        """The table holds the `KEEP` pages from `start`, the cursor on its record and the
        rows it keeps where they were on the screen."""
        table, before = self.query_one(DataTable), self.start
        scrolled = table.scroll_y
        self._hold(start, max(0, start) + self.KEEP * self.AT_MOST, self.key_of(self.current))
        moved = scrolled + before - self.start
        table.call_after_refresh(table.scroll_to, y=moved, animate=False)

    @on(PagedTable.EdgeAsked)
    def to_edge(self, event: PagedTable.EdgeAsked) -> None:
        """`g`/`G`: the first or last matching row, its page put in the table when it is not."""
        table = self.query_one(DataTable)
        if not self.matches:
            return
        if not event.last:
            if self.start > 0:
                self._hold(0, self.AT_MOST, self.key_of(self.matches[0]))
            table.move_cursor(row=0)
            return
        last = len(self.matches)
        if self.start + len(self.records) < last:
            self._hold(last - self.AT_MOST, last, self.key_of(self.matches[-1]))
        table.move_cursor(row=len(self.records) - 1)

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
