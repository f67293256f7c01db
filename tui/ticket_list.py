"""The inbox list: a Line-API scroll view that renders only the rows in view.

The list's virtual height is the ticket count; rows come from a `RowSource` in pages read on the
session's gate threads around the viewport and kept in a small cache. Moving, paging or jumping
to the end costs one page at most, whatever the count, so a million tickets scroll like a hundred.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any, ClassVar, NamedTuple, Protocol

from rich.segment import Segment
from rich.style import Style
from textual import events, getters
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from access.views import TicketRow
from tui.app import TickettyApp
from tui.due_cells import due_left, due_style
from tui.opening import PAGE
from wording.safe_text import one_line

CACHED_PAGES = 12
# "Mark all" marks at most this many, the first of the view: a bulk change's preview and
# apply stay within a second.
MARK_ALL = 1000


class RowSource(Protocol):
    """Where the list reads its rows. Both calls block (they run SQL): the list calls them from
    the session's gate threads (`tui.gate_funnel`), never on the event loop."""

    def count(self) -> int: ...

    def page(self, offset: int, limit: int, total: int | None) -> list[TicketRow]:
        """Rows `offset` to `offset + limit`; `total`, when known, lets the source read a page
        past the middle from the other end."""
        ...

    def position(self, number: int) -> int | None:
        """The row index of ticket `number`, or None when the source no longer holds it."""
        ...


class Column(NamedTuple):
    title: str
    width: int  # 0: takes the slack
    cell: Callable[[TicketRow, datetime], str]
    drop_order: int  # columns with the highest number go first on a narrow screen


class Located(NamedTuple):
    """Where a reload found the ticket the cursor was on."""

    number: int
    position: int | None  # None: the ticket left the list
    anchor: int  # the cursor's index when the ticket was last seen under it
    waited: int  # the page the rows in view waited for
    page: int  # the page read: the ticket's (or, if it left, the cursor's)


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
    Column("Age", 5, lambda r, now: age(r.updated_at, now), 0),
    Column("Tags", 12, lambda r, _: " ".join(r.tags), 6),
)
MIN_SUBJECT = 26
MIN_NUMBER = 3


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
        self._source: RowSource | None = None
        self._generation = 0
        self._pages: OrderedDict[int, list[TicketRow]] = OrderedDict()
        self._pending: set[int] = set()
        self.total = 0
        self._total_known = False
        self._counting = False
        self._rich_base: Style | None = None
        self.marked: set[int] = set()
        # The ticket the cursor was last seen on and the cursor's index then, kept while a
        # reload reads the list again: the cursor follows the ticket, not the row, when
        # changes re-sort the list (and keys pressed meanwhile move on from the ticket).
        self._following: tuple[int, int] | None = None
        self.left: int | None = None  # the followed ticket that left the list, as said
        # Someone else on a ticket (`tui.presence.MARKERS`), shown in its mark cell unless marked.
        self.present: dict[int, str] = {}
        # Grows to the widest ticket number read, never shrinks: columns do not jump about.
        self.number_width = MIN_NUMBER
        self.pinned = ""  # the title of a column kept on a narrow screen: the sort's
        self.pages_loaded = 0  # how many pages were read: the benchmark and tests watch it

    # ------------------------------------------------------------------ data

    def set_source(self, source: RowSource, first_page: list[TicketRow] | None = None) -> None:
        """Show another query's tickets from the top; `first_page`, if the caller already read
        it, is shown at once and only the count is read."""
        self._source = source
        self.cursor = 0
        self.total = 0
        self._following = None
        self._say_left(None)
        self.scroll_to(0, 0, animate=False)
        self._restart(first_page)

    def reload(self) -> None:
        """Re-count and re-read the list (others' changes, or the person's own), keeping the
        cursor on the ticket it was on wherever that ticket now sits; if it left the list, the
        cursor stays where it was, on the ticket that took its place."""
        self._remember_ticket()
        self._restart(None)

    def _remember_ticket(self) -> None:
        row = self.current_row()
        if row is not None:
            self._following = (row.number, self.cursor)

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
        elif self._following is not None:
            self._locate(self._source, *self._following, self._generation)
        else:
            self._pending.add(self.cursor // PAGE)
            self._load(self._source, self.cursor // PAGE, self._generation, None)

    def _count(self, source: RowSource, generation: int) -> None:
        async def count_tickets() -> None:
            try:
                total = await self.app.gate_funnel.run(source.count)
            except Exception as exc:  # a refused query (too many words): said, never silent
                self._refused(generation, exc)
                return
            self._counted(generation, total)

        self.run_worker(count_tickets(), group="ticket-count", exit_on_error=False)

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
        async def read_page() -> None:
            try:
                rows = await self.app.gate_funnel.run(lambda: source.page(page * PAGE, PAGE, total))
            except Exception as exc:
                self._refused(generation, exc)
                return
            self._loaded(generation, page, rows)

        self.run_worker(read_page(), group="ticket-pages", exit_on_error=False)

    def _locate(self, source: RowSource, number: int, anchor: int, generation: int) -> None:
        """Find where ticket `number` (seen at index `anchor`) now sits and read its page (or,
        if it left, the page at the cursor): one worker, so the cursor moves once, onto rows
        already read."""
        cursor = self.cursor
        # The rows in view wait for this read rather than being read at their old places.
        self._pending.add(cursor // PAGE)

        def read_around() -> tuple[Located, list[TicketRow]]:
            index = source.position(number)
            page = max(0, cursor if index is None else index + cursor - anchor) // PAGE
            rows = source.page(page * PAGE, PAGE, None)
            return Located(number, index, anchor, cursor // PAGE, page), rows

        async def locate_ticket() -> None:
            located, rows = await self.app.gate_funnel.run(read_around)
            self._located(generation, located, rows)

        self.run_worker(locate_ticket(), group="ticket-pages", exit_on_error=False)

    def _located(self, generation: int, found: Located, rows: list[TicketRow]) -> None:
        if generation != self._generation:
            return
        self._pending.discard(found.waited)
        self._loaded(generation, found.page, rows)
        self._following = None
        if found.position is None:
            self._say_left(found.number)
        else:
            self._move_cursor(found.position + self.cursor - found.anchor)
        self._remember_ticket()

    def _move_cursor(self, index: int) -> None:
        if self.total:
            self.cursor = max(0, min(self.total - 1, index))

    def _say_left(self, number: int | None) -> None:
        if number != self.left:
            self.left = number
            self.post_message(self.Left(number))

    def _refused(self, generation: int, error: Exception) -> None:
        """The query was refused or failed: say why, and show no rows and no count of an
        earlier query (told once, though the page and the count may both fail)."""
        if generation != self._generation or (self._total_known and not self.total):
            return
        line = one_line(self.app.failure_text(error, self._source))
        self.app.notify(line, severity="error", timeout=8)
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
        return self.row_at(self.cursor)

    def row_at(self, index: int) -> TicketRow | None:
        """The row at `index` in the list, if its page is read."""
        rows = self._pages.get(index // PAGE)
        offset = index % PAGE
        return rows[offset] if rows is not None and offset < len(rows) else None

    def rows_in_view(self) -> int:
        return max(1, self.size.height - 1)

    # --------------------------------------------------------------- drawing

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        columns = layout(width, self.number_width, self.pinned)
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
        segments = [Segment("●" if marked else self.present.get(row.number, " "), mark_style)]
        for column, cell_width in columns:
            style = base
            if column.title == "" and row.private:
                style = base + self.get_component_rich_style("ticket-list--private")
            elif column.title == "Due":
                style = due_style(row, now, base, self.get_component_rich_style)
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
        source, total = self._source, self.total
        if source is None or not total:
            return

        async def mark_all() -> None:
            rows = await self.app.gate_funnel.run(lambda: source.page(0, MARK_ALL, None))
            self._mark_all(source, [row.number for row in rows], total)

        self.run_worker(mark_all(), group="ticket-marks", exit_on_error=False)

    def _mark_all(self, source: RowSource, numbers: list[int], total: int) -> None:
        if source is not self._source:
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
