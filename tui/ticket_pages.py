"""The inbox list's rows: read a page at a time and kept in a small cache, with the count.

`TicketPages` decides which page to read and when, keeps the last `CACHED_PAGES` pages read,
counts the query once its first page is shown, and drops whatever arrives for a query the list
no longer shows (each query has its own generation). It runs no SQL on the event loop: its
reads go through the list that shows them (`PagesShown.read`), which runs them on the
session's gate threads and is told, in turn, what arrived.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple, Protocol, TypeVar

from access.list_views import TicketRow
from tui.opening import PAGE

CACHED_PAGES = 12
MIN_NUMBER = 3
# A ticket's position and its page are two reads: a change committed between them (the
# person's own, as the picker that asked for it closes, or another agent's) re-sorts the list
# under the position read. They are read again until they agree, at most this often.
LOCATE_TRIES = 3

Result = TypeVar("Result")


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


class Located(NamedTuple):
    """Where a reload found the ticket the cursor was on."""

    number: int
    position: int | None  # None: the ticket left the list
    anchor: int  # the cursor's index when the ticket was last seen under it
    waited: int  # the page the rows in view waited for
    page: int  # the page read: the ticket's (or, if it left, the cursor's)


class PagesShown(Protocol):
    """The list the pages are shown in: it runs their reads and is told what arrived."""

    @property
    def cursor(self) -> int: ...

    def read(
        self,
        call: Callable[[], Result],
        arrived: Callable[[Result], None],
        refused: Callable[[Exception], None] | None,
        group: str,
    ) -> None:
        """Run the blocking `call` off the event loop, then hand its result to `arrived` (or
        its exception to `refused`)."""
        ...

    def call_after_refresh(self, callback: Callable[[], None]) -> bool: ...

    def rows_arrived(self) -> None:
        """A page arrived (and, before the count, a longer guess at the total)."""
        ...

    def count_arrived(self, total: int) -> None: ...

    def ticket_found(self, found: Located) -> None:
        """A reload found where the followed ticket went (its page is read)."""
        ...

    def query_refused(self, error: Exception, source: RowSource | None) -> None: ...


class TicketPages:
    """The rows of the query shown, a page at a time, and how many there are."""

    def __init__(self, shown: PagesShown) -> None:
        self._shown = shown
        self.source: RowSource | None = None
        self._generation = 0
        self._pages: OrderedDict[int, list[TicketRow]] = OrderedDict()
        self._pending: set[int] = set()
        self.total = 0
        self.counted = False  # whether the count of the current query has arrived
        self._counting = False
        # Grows to the widest ticket number read, never shrinks: columns do not jump about.
        self.number_width = MIN_NUMBER
        self.pages_loaded = 0  # how many pages were read: the benchmark and tests watch it

    def start(self, source: RowSource, first_page: list[TicketRow] | None) -> None:
        """Read another query from the top; `first_page`, if already read, is taken at once and
        only the count is read."""
        self.source = source
        self.total = 0
        self.restart(first_page, None)

    def restart(
        self, first_page: list[TicketRow] | None, following: tuple[int, int] | None
    ) -> None:
        """Forget what was read and read again: `first_page` if given, else the page of the
        `following` ticket (its number and the cursor's index when last seen), else the page
        at the cursor."""
        self._generation += 1
        self._pages.clear()
        self._pending.clear()
        self.counted = False
        self._counting = False
        if self.source is None:
            return
        if first_page is not None:
            self._loaded(self._generation, 0, first_page)
        elif following is not None:
            self._locate(self.source, *following, self._generation)
        else:
            page = self._shown.cursor // PAGE
            self._pending.add(page)
            self._load(self.source, page, self._generation, None)

    def page_for(self, index: int) -> list[TicketRow] | None:
        """The rows of the page holding row `index`, or None while it is read (asked for here
        if it is not)."""
        page = index // PAGE
        rows = self._pages.get(page)
        if rows is not None:
            self._pages.move_to_end(page)
            return rows
        if page not in self._pending and self.source is not None:
            self._pending.add(page)
            self._load(self.source, page, self._generation, self.total if self.counted else None)
        return None

    def row_at(self, index: int) -> TicketRow | None:
        """The row at `index` in the list, if its page is read."""
        rows = self._pages.get(index // PAGE)
        offset = index % PAGE
        return rows[offset] if rows is not None and offset < len(rows) else None

    def _count(self, source: RowSource, generation: int) -> None:
        self._shown.read(
            source.count,
            lambda total: self._counted(generation, total),
            lambda error: self._refused(generation, error),  # a refused query: said
            "ticket-count",
        )

    def _counted(self, generation: int, total: int) -> None:
        if generation != self._generation:
            return
        self.total = total
        self.counted = True
        self._shown.count_arrived(total)
        if total:
            # The last page, read from the other end of the index: `G`, the jump to the end,
            # then shows it at once.
            self.page_for(total - 1)

    def _load(self, source: RowSource, page: int, generation: int, total: int | None) -> None:
        self._shown.read(
            lambda: source.page(page * PAGE, PAGE, total),
            lambda rows: self._loaded(generation, page, rows),
            lambda error: self._refused(generation, error),
            "ticket-pages",
        )

    def _locate(self, source: RowSource, number: int, anchor: int, generation: int) -> None:
        """Find where ticket `number` (seen at index `anchor`) now sits and read its page (or,
        if it left, the page at the cursor): one read, so the cursor moves once, onto rows
        already read."""
        cursor = self._shown.cursor
        # The rows in view wait for this read rather than being read at their old places.
        self._pending.add(cursor // PAGE)

        def read_around() -> tuple[Located, list[TicketRow]]:
            for _ in range(LOCATE_TRIES):
                index = source.position(number)
                page = max(0, cursor if index is None else index + cursor - anchor) // PAGE
                rows = source.page(page * PAGE, PAGE, None)
                if _position_agrees(number, index, page, rows):
                    break
            else:
                index = _position_in_page(number, page, rows)
            return Located(number, index, anchor, cursor // PAGE, page), rows

        def located(read: tuple[Located, list[TicketRow]]) -> None:
            self._located(generation, *read)

        self._shown.read(read_around, located, None, "ticket-pages")

    def _located(self, generation: int, found: Located, rows: list[TicketRow]) -> None:
        if generation != self._generation:
            return
        self._pending.discard(found.waited)
        self._loaded(generation, found.page, rows)
        self._shown.ticket_found(found)

    def _refused(self, generation: int, error: Exception) -> None:
        """The query was refused or failed: say why, and show no rows and no count of an
        earlier query (told once, though the page and the count may both fail)."""
        if generation != self._generation or (self.counted and not self.total):
            return
        self._shown.query_refused(error, self.source)
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
        source = self.source
        if not self._counting and source is not None:
            # Counted once the first page is on screen, not beside it: at a million tickets a
            # search's count takes longer than its page, and two cores are shared with the
            # screen.
            self._counting = True
            self._shown.call_after_refresh(lambda: self._count(source, generation))
        if not self.counted:
            # Paint the rows before the count arrives (at a million tickets the count is the
            # slower query); the count then sets the true length.
            self.total = max(self.total, page * PAGE + len(rows))
        while len(self._pages) > CACHED_PAGES:
            self._pages.popitem(last=False)
        self._shown.rows_arrived()


def _position_agrees(number: int, index: int | None, page: int, rows: list[TicketRow]) -> bool:
    """Whether the page read shows ticket `number` where its position was read (`index`; None:
    not in the list), as far as the page tells: a ticket whose index is on another page (the
    cursor moved since it was seen) is taken at its word."""
    first = page * PAGE
    if index is not None and not first <= index < first + PAGE:
        return True
    return _position_in_page(number, page, rows) == index


def _position_in_page(number: int, page: int, rows: list[TicketRow]) -> int | None:
    """The index of ticket `number` in the rows of `page`, None if they do not hold it."""
    found = next((at for at, row in enumerate(rows) if row.number == number), None)
    return None if found is None else page * PAGE + found
