"""The shape shared by the admin screens: a table of records, a detail pane for the highlighted
one (moved by the keys of every list, `tui.moving`), and actions shown only when the person
holds the permission each needs. Each follows
others' changes of the kinds it `WATCHES` (`tui.live`), and the person's permissions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Static

from tui.footer import KeyFooter
from tui.gate_funnel import GateCallFailed
from tui.header import TitleBar
from tui.live import OthersChanged
from tui.moving import MovingTable
from tui.screen import Action, TickettyScreen
from tui.widgets import ConfirmModal, PickerModal, PromptModal
from wording.safe_text import as_text, one_line


class ListingScreen(TickettyScreen[None]):
    """Subclasses set `TITLE_TEXT`, `COLUMNS`, `ACTIONS` and implement `fetch` (runs in a
    worker), `cells` and `describe`."""

    TITLE_TEXT = ""
    COLUMNS: ClassVar[Sequence[str]] = ()
    ACTIONS: ClassVar[tuple[Action, ...]] = (
        Action("escape", "back", "Back", "listing.back"),
        Action("ctrl+r", "reload", "Reload", "listing.reload", show=False),
    )
    # The table's class: the keys of every list (a filtered listing pages them).
    TABLE: ClassVar[type[MovingTable]] = MovingTable
    # The audit target kinds whose changes this list shows; empty: every change.
    WATCHES: ClassVar[tuple[str, ...]] = ()
    # Under NARROW columns the detail pane goes below the table, full width, so neither
    # the table's columns nor the pane's values are cut at 80x24.
    NARROW = 100
    DEFAULT_CSS = """
    ListingScreen #listing-table { width: 3fr; }
    ListingScreen #listing-detail { width: 2fr; min-width: 28; border-left: solid $panel;
                                    padding: 0 1; }
    ListingScreen.-narrow #listing-body { layout: vertical; }
    ListingScreen.-narrow #listing-table { width: 1fr; height: 1fr; }
    ListingScreen.-narrow #listing-detail { width: 1fr; height: 9; min-width: 0;
                                            border-left: none; border-top: solid $panel; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.records: list[Any] = []
        self.widths: list[int] = []  # of the columns, as the table was filled

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Horizontal(id="listing-body"):
            yield self.TABLE(id="listing-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="listing-detail"):
                yield Static("", id="detail-text")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = self.TITLE_TEXT
        self.query_one(DataTable).add_columns(*self.COLUMNS)
        self.refresh_permissions()
        self.reload()

    def on_others_changed(self, message: OthersChanged) -> None:
        if not self.WATCHES or message.changes.touches(*self.WATCHES):
            self.reload()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < self.NARROW, "-narrow")

    # ------------------------------------------------------------------ data

    def fetch(self) -> list[Any]:
        raise NotImplementedError

    def cells(self, record: Any) -> Sequence[str]:
        raise NotImplementedError

    def describe(self, record: Any) -> Text:
        raise NotImplementedError

    def key_of(self, record: Any) -> str:
        return str(record.name)

    def reload(self, select: str | None = None) -> None:
        self.read_records(select)

    @work(group="listing-read", exit_on_error=False)
    async def read_records(self, select: str | None = None) -> None:
        """Read the records again and show them, the cursor kept (or put on `select`)."""
        self._show(await self.app.gate_call(self.fetch), select)

    def _show(self, records: list[Any], select: str | None) -> None:
        """Show the records read, keeping the cursor on the same record (or on `select`)."""
        self._fill(records, select)

    def _fill(self, records: list[Any], select: str | None) -> None:
        """Fill the table, keeping the cursor on the same record (or on `select`)."""
        table = self.query_one(DataTable)
        current = self.current
        wanted = select or (self.key_of(current) if current is not None else None)
        self.records = records
        rows = self._rows(records)
        # Widths are set here, not measured by the table when idle: a frame drawn between the
        # rows arriving and that measurement keeps a header cached at the old widths.
        table.clear(columns=True)
        self.widths = [
            max([cell_len(title), *(cell_len(row[index]) for row in rows)])
            for index, title in enumerate(self.COLUMNS)
        ]
        for title, width in zip(self.COLUMNS, self.widths, strict=True):
            table.add_column(title, width=width)
        self._add_rows(records, rows)
        keys = [self.key_of(r) for r in records]
        if wanted in keys:
            table.move_cursor(row=keys.index(wanted))
        self._describe_current()
        if self.focused is None:  # a reload leaves the focus where the person put it
            table.focus()

    def _rows(self, records: Sequence[Any]) -> list[list[str]]:
        return [[one_line(str(c)) for c in self.cells(record)] for record in records]

    def _add_rows(self, records: Sequence[Any], rows: Sequence[Sequence[str]]) -> None:
        table = self.query_one(DataTable)
        for record, row in zip(records, rows, strict=True):
            table.add_row(*(as_text(cell) for cell in row), key=self.key_of(record))

    def _append(self, records: Sequence[Any]) -> None:
        """More rows at the table's end, the cursor where it is; when one is wider than its
        column, the table is filled again at the new widths."""
        rows = self._rows(records)
        if any(cell_len(c) > w for row in rows for c, w in zip(row, self.widths, strict=True)):
            self._fill([*self.records, *records], None)
            return
        self.records = [*self.records, *records]
        self._add_rows(records, rows)

    @property
    def current(self) -> Any | None:
        table = self.query_one(DataTable)
        if not self.records or table.cursor_row >= len(self.records):
            return None
        return self.records[table.cursor_row]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._describe_current()

    def _describe_current(self) -> None:
        record = self.current
        self.query_one("#detail-text", Static).update(
            self.describe(record) if record is not None else Text("nothing here yet")
        )

    # ------------------------------------------------------------- flows

    async def changed(
        self, call: Callable[[], Any], done_text: str, select: str | None = None
    ) -> None:
        """In a flow: make a gate change, tell the person, and reload; refused (someone
        changed the record meanwhile, say), show the record as it is now."""
        try:
            await self.app.gate_call(call)
        except GateCallFailed:
            self.reload(select)
            return
        self.notify(one_line(done_text))
        self.reload(select)

    async def refusal(self, call: Callable[[], Any]) -> Exception | None:
        """In a flow: make a gate change; None when it was made, else the gate's refusal (the
        person was told), for a flow that asks again with what was typed kept."""
        try:
            await self.app.gate_call(call)
        except GateCallFailed as failed:
            return failed.error
        return None

    async def asked_text(self, title: str, value: str = "") -> str | None:
        """In a flow: the text the person typed, stripped; None when cancelled or empty."""
        text = await self.app.asked(PromptModal(title, value))
        return text.strip() if text is not None and text.strip() else None

    async def asked_choice(self, title: str, choices: Sequence[tuple[str, str]]) -> str | None:
        """In a flow: the value the person picked; None when cancelled."""
        value: str | None = await self.app.asked(PickerModal(title, choices))
        return value

    async def asked_yes(self, question: str) -> bool:
        """In a flow: whether the person said yes."""
        yes: bool | None = await self.app.asked(ConfirmModal(question))
        return bool(yes)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_reload(self) -> None:
        self.reload()


def pairs(rows: Sequence[tuple[str, str]], title: str) -> Text:
    """A detail pane: a bold title, then aligned name/value lines, all data sanitised."""
    text = Text(one_line(title) + "\n\n", style="bold")
    width = max((len(name) for name, _ in rows), default=0)
    for name, value in rows:
        text.append(f"{name:>{width}}  ", style="bold")
        text.append_text(as_text(one_line(value)))
        text.append("\n")
    return text
