"""The inbox list: a Line-API scroll view that renders only the rows in view.

The list's virtual height is the ticket count; rows come from a `RowSource` in pages read by a
thread worker around the viewport and kept in a small cache. Moving, paging or jumping to the end
costs one page at most, whatever the count, so a million tickets scroll like a hundred.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any, ClassVar, NamedTuple, Protocol

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from access.views import TicketRow
from tui.app import describe_error
from tui.safe_text import one_line

PAGE = 100
CACHED_PAGES = 12


class RowSource(Protocol):
    """Where the list reads its rows. Both calls block (they run SQL): the list calls them from
    a thread worker, never on the event loop."""

    def count(self) -> int: ...

    def page(self, offset: int, limit: int, total: int | None) -> list[TicketRow]:
        """Rows `offset` to `offset + limit`; `total`, when known, lets the source read a page
        past the middle from the other end."""
        ...


class Column(NamedTuple):
    title: str
    width: int  # 0: takes the slack
    cell: Callable[[TicketRow, datetime], str]
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
    Column("Age", 5, lambda r, now: age(r.updated_at, now), 0),
)
MIN_SUBJECT = 26
MIN_NUMBER = 3


@lru_cache(maxsize=8)
def layout(width: int, number_width: int = MIN_NUMBER) -> tuple[tuple[Column, int], ...]:
    """The columns that fit `width` (one mark cell taken), with their widths; the number
    column is `number_width` wide, the subject takes the rest."""

    def widths(columns: list[Column]) -> int:
        return number_width + 1 + sum(c.width + 1 for c in columns if c.width)

    chosen = list(COLUMNS)
    while width - 2 - widths(chosen) < MIN_SUBJECT and any(c.drop_order for c in chosen):
        chosen.remove(max(chosen, key=lambda c: c.drop_order))
    subject = max(MIN_SUBJECT, width - 2 - widths(chosen))
    return tuple((c, c.width or (number_width if c.title == "#" else subject)) for c in chosen)


def fit(text: str, width: int) -> str:
    text = one_line(text)
    if len(text) > width:
        return text[: max(0, width - 1)] + "…"
    return text.ljust(width)


class TicketList(ScrollView, can_focus=True):
    """Tickets, newest activity first; `space` marks, `enter` opens."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False, id="list.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="list.up"),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False, id="list.page_up"),
        Binding("g,home", "first", "First", show=False, id="list.first"),
        Binding("G,end", "last", "Last", show=False, id="list.last"),
        Binding("space", "mark", "Mark", show=False, id="list.mark"),
        Binding("enter", "open", "Open", show=False, id="list.open"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "ticket-list--header",
        "ticket-list--cursor",
        "ticket-list--marked",
        "ticket-list--placeholder",
        "ticket-list--private",
    }
    DEFAULT_CSS = """
    TicketList { height: 1fr; overflow-x: hidden; }
    TicketList > .ticket-list--header { text-style: bold; background: $panel; }
    TicketList > .ticket-list--cursor { background: $accent 60%; }
    TicketList:focus > .ticket-list--cursor { background: $accent; text-style: bold; }
    TicketList > .ticket-list--marked { color: $warning; text-style: bold; }
    TicketList > .ticket-list--placeholder { color: $text-muted; }
    TicketList > .ticket-list--private { color: $error; }
    """

    cursor = reactive(0, init=False, repaint=False)  # watch_cursor repaints the two rows

    class Opened(Message):
        def __init__(self, row: TicketRow) -> None:
            super().__init__()
            self.row = row

    class MarksChanged(Message):
        """The marked rows changed (the inbox shows how many)."""

    class Counted(Message):
        """The source's count arrived (the status line shows it)."""

        def __init__(self, total: int) -> None:
            super().__init__()
            self.total = total

    def __init__(self, *, now: Callable[[], datetime], **kw: Any) -> None:
        super().__init__(**kw)
        self._now = now
        self._source: RowSource | None = None
        self._generation = 0
        self._pages: OrderedDict[int, list[TicketRow]] = OrderedDict()
        self._pending: set[int] = set()
        self.total = 0
        self._total_known = False
        self._counting = False
        self._rich_base: Style | None = None
        self.marked: set[int] = set()
        # Grows to the widest ticket number read, never shrinks: columns do not jump about.
        self.number_width = MIN_NUMBER
        self.pages_loaded = 0  # how many pages were read: the benchmark and tests watch it

    # ------------------------------------------------------------------ data

    def set_source(self, source: RowSource, first_page: list[TicketRow] | None = None) -> None:
        """Show another query's tickets from the top; `first_page`, if the caller already read
        it, is shown at once and only the count is read."""
        self._source = source
        self.cursor = 0
        self.total = 0
        self.scroll_to(0, 0, animate=False)
        self._restart(first_page)

    def reload(self) -> None:
        """Re-count and re-read what is in view (others' changes), keeping the cursor."""
        self._restart(None)

    def _restart(self, first_page: list[TicketRow] | None) -> None:
        self._generation += 1
        self._pages.clear()
        self._pending.clear()
        self._total_known = False
        self._counting = False
        if self._source is None:
            return
        if first_page is not None:
            self._loaded(self._generation, 0, first_page)
        else:
            self._pending.add(self.cursor // PAGE)
            self._load(self._source, self.cursor // PAGE, self._generation, None)

    def _count(self, source: RowSource, generation: int) -> None:
        def work() -> None:
            try:
                total = source.count()
            except Exception as exc:  # a refused query (too many words): said, never silent
                self.app.call_from_thread(self._refused, generation, exc)
                return
            self.app.call_from_thread(self._counted, generation, total)

        self.run_worker(work, thread=True, group="ticket-count", exit_on_error=False)

    def _counted(self, generation: int, total: int) -> None:
        if generation != self._generation:
            return
        self.total = total
        self._total_known = True
        self.virtual_size = Size(self.size.width, total + 1)
        if self.cursor >= total:
            self.cursor = max(0, total - 1)
        self.post_message(self.Counted(total))
        self.refresh()
        if total:
            # The last page, read from the other end of the index: `G`, the jump to the end,
            # then shows it at once.
            self._page_for(total - 1)

    def _page_for(self, index: int) -> list[TicketRow] | None:
        page = index // PAGE
        rows = self._pages.get(page)
        if rows is not None:
            self._pages.move_to_end(page)
            return rows
        if page not in self._pending and self._source is not None:
            self._pending.add(page)
            total = self.total if self._total_known else None
            self._load(self._source, page, self._generation, total)
        return None

    def _load(self, source: RowSource, page: int, generation: int, total: int | None) -> None:
        def work() -> None:
            try:
                rows = source.page(page * PAGE, PAGE, total)
            except Exception as exc:
                self.app.call_from_thread(self._refused, generation, exc)
                return
            self.app.call_from_thread(self._loaded, generation, page, rows)

        self.run_worker(work, thread=True, group="ticket-pages", exit_on_error=False)

    def _refused(self, generation: int, error: Exception) -> None:
        """The query was refused or failed: say why, and show no rows and no count of an
        earlier query (told once, though the page and the count may both fail)."""
        if generation != self._generation or (self._total_known and not self.total):
            return
        self.app.notify(one_line(describe_error(error)), severity="error", timeout=8)
        self._pages.clear()
        self._pending.clear()
        self._counting = True  # nothing more to count for this query
        self._counted(generation, 0)

    def _loaded(self, generation: int, page: int, rows: list[TicketRow]) -> None:
        if generation != self._generation:
            return
        self._pending.discard(page)
        self._pages[page] = rows
        self.pages_loaded += 1
        widest = max((len(str(row.number)) for row in rows), default=MIN_NUMBER)
        if widest > self.number_width:
            self.number_width = widest
        if not self._counting and self._source is not None:
            # Counted once the first page is on screen, not beside it: at a million tickets a
            # search's count takes longer than its page, and two cores are shared with the
            # screen.
            self._counting = True
            self.call_after_refresh(self._count, self._source, generation)
        if not self._total_known:
            # Paint the rows before the count arrives (at a million tickets the count is the
            # slower query); the count then sets the true length.
            self.total = max(self.total, page * PAGE + len(rows))
            self.virtual_size = Size(self.size.width, self.total + 1)
        while len(self._pages) > CACHED_PAGES:
            self._pages.popitem(last=False)
        self.refresh()

    @property
    def counted(self) -> bool:
        """Whether the count of the current query has arrived."""
        return self._total_known

    def current_row(self) -> TicketRow | None:
        rows = self._pages.get(self.cursor // PAGE)
        offset = self.cursor % PAGE
        return rows[offset] if rows is not None and offset < len(rows) else None

    def rows_in_view(self) -> int:
        return max(1, self.size.height - 1)

    # --------------------------------------------------------------- drawing

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        columns = layout(width, self.number_width)
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
        now = self._now()
        marked = row.number in self.marked
        mark_style = base + self.get_component_rich_style("ticket-list--marked")
        segments = [Segment("●" if marked else " ", mark_style)]
        for column, cell_width in columns:
            style = base
            if column.title == "" and row.private:
                style = base + self.get_component_rich_style("ticket-list--private")
            segments.append(Segment(fit(column.cell(row, now), cell_width) + " ", style))
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
        if self.total:
            self.cursor = max(0, min(self.total - 1, index))

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

    def clear_marks(self) -> None:
        self.marked.clear()
        self.post_message(self.MarksChanged())
        self.refresh()

    def action_open(self) -> None:
        row = self.current_row()
        if row is not None:
            self.post_message(self.Opened(row))

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self._move_to(int(self.scroll_offset.y) + event.y - 1)
            if event.chain >= 2:
                self.action_open()
