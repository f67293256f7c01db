"""The inbox list: a Line-API scroll view that renders only the rows in view.

The list's virtual height is the ticket count; rows come from a `RowSource` in pages read on the
session's gate threads around the viewport and kept in a small cache (`tui.ticket_pages`).
Moving, paging or jumping to the end costs one page at most, whatever the count, so a million
tickets scroll like a hundred.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any, ClassVar, NamedTuple, TypeVar

from rich.segment import Segment
from rich.style import Style
from textual import events, getters
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import WorkType

from access.list_views import TicketRow
from tui.app import TickettyApp
from tui.due_cells import Moment, due_left, due_style
from tui.opening import PAGE
from tui.ticket_pages import MIN_NUMBER, Located, RowSource, TicketPages
from wording.safe_text import one_line

# "Mark all" marks at most this many, the first of the view: a bulk change's preview and
# apply stay within a second.
MARK_ALL = 1000

Result = TypeVar("Result")


class Column(NamedTuple):
    title: str
    width: int  # 0: takes the slack
    cell: Callable[[TicketRow, Moment], str]
    drop_order: int  # columns with the highest number go first on a narrow screen


def age(then: datetime, now: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return "now"


def _flags(row: TicketRow) -> str:
    seen_as = "S" if row.as_supervisor else "A" if row.as_assignee else " "
    return ("P" if row.private else " ") + seen_as


COLUMNS: tuple[Column, ...] = (
    Column("#", 0, lambda r, _: str(r.number), 0),  # as wide as the numbers shown
    Column("", 2, lambda r, _: _flags(r), 0),
    Column("Subject", 0, lambda r, _: r.subject, 0),
    Column("Requester", 14, lambda r, _: r.requester, 5),
    Column("Group", 14, lambda r, _: r.usergroup or "-", 2),
    Column("Source", 12, lambda r, _: r.source, 4),
    Column("Status", 8, lambda r, _: r.status, 1),
    Column("Prio", 6, lambda r, _: r.priority, 3),
    Column("Assignee", 9, lambda r, _: r.assignee or "-", 1),
    Column("Due", 9, due_left, 1),  # at 80 columns it takes the group's place
    Column("Age", 5, lambda r, at: age(r.updated_at, at.now), 0),
    Column("Tags", 12, lambda r, _: " ".join(r.tags), 6),
)
MIN_SUBJECT = 26


@lru_cache(maxsize=8)
def layout(
    width: int, number_width: int = MIN_NUMBER, pinned: str = ""
) -> tuple[tuple[Column, int], ...]:
    """The columns that fit `width` (one mark cell taken), with their widths; the number
    column is `number_width` wide, the subject takes the rest. The column titled `pinned`
    (the one the list is sorted by) is never dropped."""

    def widths(columns: list[Column]) -> int:
        return number_width + 1 + sum(c.width + 1 for c in columns if c.width)

    def drop_order(column: Column) -> int:
        return 0 if column.title == pinned else column.drop_order

    chosen = list(COLUMNS)
    while width - 2 - widths(chosen) < MIN_SUBJECT and any(drop_order(c) for c in chosen):
        chosen.remove(max(chosen, key=drop_order))
    subject = max(MIN_SUBJECT, width - 2 - widths(chosen))
    return tuple((c, c.width or (number_width if c.title == "#" else subject)) for c in chosen)


def fit(text: str, width: int) -> str:
    text = one_line(text)
    if len(text) > width:
        return text[: max(0, width - 1)] + "…"
    return text.ljust(width)


class TicketList(ScrollView, can_focus=True):
    """Tickets, newest activity first; `space` marks, `enter` opens."""

    app = getters.app(TickettyApp)  # pages are read on the session's gate threads

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False, id="list.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="list.up"),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False, id="list.page_up"),
        Binding("g,home", "first", "First", show=False, id="list.first"),
        Binding("G,end", "last", "Last", show=False, id="list.last"),
        Binding("space", "mark", "Mark", show=False, id="list.mark"),
        Binding("asterisk", "mark_all", "Mark all in view", show=False, id="list.mark_all"),
        Binding("enter", "open", "Open", show=False, id="list.open"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "ticket-list--header",
        "ticket-list--cursor",
        "ticket-list--marked",
        "ticket-list--placeholder",
        "ticket-list--private",
        "ticket-list--breached",
        "ticket-list--due-soon",
    }
    DEFAULT_CSS = """
    TicketList { height: 1fr; overflow-x: hidden; }
    TicketList > .ticket-list--header { text-style: bold; background: $panel; }
    TicketList > .ticket-list--cursor { background: $accent 60%; }
    TicketList:focus > .ticket-list--cursor { background: $accent; text-style: bold; }
    TicketList > .ticket-list--marked { color: $warning; text-style: bold; }
    TicketList > .ticket-list--placeholder { color: $text-muted; }
    TicketList > .ticket-list--private { color: $error; }
    TicketList > .ticket-list--breached { color: $error; text-style: bold; }
    TicketList > .ticket-list--due-soon { color: $warning; }
    """

    cursor = reactive(0, init=False, repaint=False)  # watch_cursor repaints the two rows

    class Opened(Message):
        def __init__(self, row: TicketRow) -> None:
            super().__init__()
            self.row = row

    class MarksChanged(Message):
        """The marked rows changed (the inbox shows how many)."""

    class Left(Message):
        """The ticket under the cursor left the list at a reload (`number`), the cursor went to
        its neighbour; `number` None: the person moved on, the note is over."""

        def __init__(self, number: int | None) -> None:
            super().__init__()
            self.number = number

    class Counted(Message):
        """The source's count arrived (the status line shows it)."""

        def __init__(self, total: int) -> None:
            super().__init__()
            self.total = total

    def __init__(self, *, now: Callable[[], datetime], **kw: Any) -> None:
        super().__init__(**kw)
        self._now = now
        self.pages = TicketPages(self)
        self._rich_base: Style | None = None
        self.marked: set[int] = set()
        # The ticket the cursor was last seen on and the cursor's index then, kept while a
        # reload reads the list again: the cursor follows the ticket, not the row, when
        # changes re-sort the list (and keys pressed meanwhile move on from the ticket).
        self._following: tuple[int, int] | None = None
        self.left: int | None = None  # the followed ticket that left the list, as said
        # Someone else on a ticket (`tui.presence.MARKERS`), shown in its mark cell unless marked.
        self.present: dict[int, str] = {}
        self.pinned = ""  # the title of a column kept on a narrow screen: the sort's

    # ------------------------------------------------------------------ data

    def set_source(self, source: RowSource, first_page: list[TicketRow] | None = None) -> None:
        """Show another query's tickets from the top; `first_page`, if the caller already read
        it, is shown at once and only the count is read."""
        self.cursor = 0
        self._following = None
        self._say_left(None)
        self.scroll_to(0, 0, animate=False)
        self.pages.start(source, first_page)

    def reload(self) -> None:
        """Re-count and re-read the list (others' changes, or the person's own), keeping the
        cursor on the ticket it was on wherever that ticket now sits; if it left the list, the
        cursor stays where it was, on the ticket that took its place."""
        self._remember_ticket()
        self.pages.restart(None, self._following)

    def _remember_ticket(self) -> None:
        row = self.current_row()
        if row is not None:
            self._following = (row.number, self.cursor)

    @property
    def total(self) -> int:
        """How many tickets the list holds (before the count: as many as were read)."""
        return self.pages.total

    @property
    def counted(self) -> bool:
        """Whether the count of the current query has arrived."""
        return self.pages.counted

    @property
    def pages_loaded(self) -> int:
        return self.pages.pages_loaded

    def _page_for(self, index: int) -> list[TicketRow] | None:
        return self.pages.page_for(index)

    def current_row(self) -> TicketRow | None:
        return self.row_at(self.cursor)

    def row_at(self, index: int) -> TicketRow | None:
        """The row at `index` in the list, if its page is read."""
        return self.pages.row_at(index)

    # ------------------------------------------------- what the pages tell it

    def read(
        self,
        call: Callable[[], Result],
        arrived: Callable[[Result], None],
        refused: Callable[[Exception], None] | None,
        group: str,
    ) -> None:
        """Run `call` on the session's gate threads in a worker, then hand on its outcome."""

        async def read_rows() -> None:
            try:
                result = await self.app.gate_funnel.run(call)
            except Exception as exc:
                if refused is None:
                    raise
                refused(exc)
                return
            arrived(result)

        work: WorkType[None] = read_rows
        self.run_worker(work, group=group, exit_on_error=False)

    def rows_arrived(self) -> None:
        self.virtual_size = Size(self.size.width, self.total + 1)
        self.refresh()

    def count_arrived(self, total: int) -> None:
        self.virtual_size = Size(self.size.width, total + 1)
        if self.cursor >= total:
            self.cursor = max(0, total - 1)
        self.post_message(self.Counted(total))
        self.refresh()

    def ticket_found(self, found: Located) -> None:
        self._following = None
        if found.position is None:
            self._say_left(found.number)
        else:
            self._move_cursor(found.position + self.cursor - found.anchor)
        self._remember_ticket()

    def query_refused(self, error: Exception, source: RowSource | None) -> None:
        line = one_line(self.app.failure_text(error, source))
        self.app.notify(line, severity="error", timeout=8)

    def _move_cursor(self, index: int) -> None:
        if self.total:
            self.cursor = max(0, min(self.total - 1, index))

    def _say_left(self, number: int | None) -> None:
        if number != self.left:
            self.left = number
            self.post_message(self.Left(number))

    def rows_in_view(self) -> int:
        return max(1, self.size.height - 1)

    # --------------------------------------------------------------- drawing

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        columns = layout(width, self.pages.number_width, self.pinned)
        if y == 0:
            style = self.get_component_rich_style("ticket-list--header")
            text = " " + " ".join(fit(c.title, w) for c, w in columns)
            return Strip([Segment(fit(text, width), style)], width)
        index = int(self.scroll_offset.y) + y - 1
        if index >= self.total:
            return Strip.blank(width, self._base_style())
        rows = self._page_for(index)
        base = self._base_style()
        if index == self.cursor:
            base = base + self.get_component_rich_style("ticket-list--cursor")
        if rows is None or index % PAGE >= len(rows):
            muted = base + self.get_component_rich_style("ticket-list--placeholder")
            return Strip([Segment(fit("  …", width), muted)], width)
        row = rows[index % PAGE]
        at = Moment(self._now(), self.app.due_calendars.by_policy)
        marked = row.number in self.marked
        mark_style = base + self.get_component_rich_style("ticket-list--marked")
        segments = [Segment("●" if marked else self.present.get(row.number, " "), mark_style)]
        for column, cell_width in columns:
            style = base
            if column.title == "" and row.private:
                style = base + self.get_component_rich_style("ticket-list--private")
            elif column.title == "Due":
                style = due_style(row, at, base, self.get_component_rich_style)
            segments.append(Segment(fit(column.cell(row, at), cell_width) + " ", style))
        return Strip(segments).adjust_cell_length(width, base)

    def _base_style(self) -> Style:
        """`rich_style`, kept until the styles change: Textual works it out afresh on every
        call by walking up the widget tree, and a frame draws some forty lines."""
        if self._rich_base is None:
            self._rich_base = self.rich_style
        return self._rich_base

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._rich_base = None

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, self.total + 1)

    # ---------------------------------------------------------------- moving

    def watch_cursor(self, old: int, new: int) -> None:
        top = int(self.scroll_offset.y)
        view = self.rows_in_view()
        if new < top:
            self.scroll_to(y=new, animate=False, immediate=True)
        elif new >= top + view:
            self.scroll_to(y=new - view + 1, animate=False, immediate=True)
        self._refresh_row(old)
        self._refresh_row(new)

    def _refresh_row(self, index: int) -> None:
        y = index - int(self.scroll_offset.y) + 1
        if 0 < y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def _move_to(self, index: int) -> None:
        """The person moves the cursor (a key, a click)."""
        if self.left is not None:
            self._say_left(None)
        self._move_cursor(index)

    def action_cursor_down(self) -> None:
        self._move_to(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self._move_to(self.cursor - 1)

    def action_page_down(self) -> None:
        self._move_to(self.cursor + self.rows_in_view())

    def action_page_up(self) -> None:
        self._move_to(self.cursor - self.rows_in_view())

    def action_first(self) -> None:
        self._move_to(0)

    def action_last(self) -> None:
        self._move_to(self.total - 1)

    def action_mark(self) -> None:
        row = self.current_row()
        if row is None:
            return
        self.marked ^= {row.number}
        self.post_message(self.MarksChanged())
        self._move_to(self.cursor + 1)
        self._refresh_row(self.cursor - 1)

    def show_present(self, markers: dict[int, str]) -> None:
        if markers != self.present:
            self.present = markers
            self.refresh()

    def clear_marks(self) -> None:
        self.set_marks(())

    def set_marks(self, numbers: Iterable[int]) -> None:
        self.marked = set(numbers)
        self.post_message(self.MarksChanged())
        self.refresh()

    def action_mark_all(self) -> None:
        """Mark every ticket in this view (the first `MARK_ALL` of a bigger one, as said);
        pressed again when they are all marked, unmark them."""
        source, total = self.pages.source, self.total
        if source is None or not total:
            return
        self.read(
            lambda: [row.number for row in source.page(0, MARK_ALL, None)],
            lambda numbers: self._mark_all(source, numbers, total),
            None,
            "ticket-marks",
        )

    def _mark_all(self, source: RowSource, numbers: list[int], total: int) -> None:
        if source is not self.pages.source:
            return  # another view meanwhile
        if numbers and self.marked >= set(numbers):
            self.clear_marks()
            return
        self.set_marks(self.marked | set(numbers))
        if total > len(numbers):
            self.notify(f"marked the first {len(numbers):,} of {total:,} tickets in this view")

    def action_open(self) -> None:
        row = self.current_row()
        if row is not None:
            self.post_message(self.Opened(row))

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self._move_to(int(self.scroll_offset.y) + event.y - 1)
            if event.chain >= 2:
                self.action_open()
