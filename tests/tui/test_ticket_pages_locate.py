"""A reload finds the followed ticket by two reads, its position and then its page; a change
committed between them (the person's own, as the status picker that asked for it closes and
the inbox reloads, or another agent's) must not leave the cursor on a neighbour as if it were
the ticket, nor lose the "left this view" note. The reads run on the real store; the change is
committed by another gate between the two."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from access import Gate
from access.list_views import TicketRow
from access.views import INBOX_DEFAULT
from screens.inbox import GateRowSource
from tui.ticket_pages import Located, TicketPages


class ShownAtOnce:
    """The list the pages are shown in, its reads run at once on the test's thread."""

    def __init__(self, cursor: int) -> None:
        self.cursor = cursor
        self.found: list[Located] = []

    def read(self, call: Callable[[], Any], arrived: Callable[[Any], None], *_: Any) -> None:
        arrived(call())

    def call_after_refresh(self, callback: Callable[[], None]) -> bool:
        return True  # the count is not what these tests read

    def rows_arrived(self) -> None:
        pass

    def count_arrived(self, total: int) -> None:
        pass

    def ticket_found(self, found: Located) -> None:
        self.found.append(found)

    def query_refused(self, error: Exception, source: Any) -> None:
        raise AssertionError(error)


class ChangedBetween(GateRowSource):
    """The inbox's source; `between` runs after the first `position` is read, once."""

    def __init__(self, gate: Gate, between: Callable[[], object]) -> None:
        super().__init__(gate, INBOX_DEFAULT)
        self.between: Callable[[], object] | None = between
        self.positions = 0  # how often the position was read

    def position(self, number: int) -> int | None:
        index = super().position(number)
        self.positions += 1
        run, self.between = self.between, None
        if run is not None:
            run()
        return index


def located(source: GateRowSource, number: int, at: int) -> tuple[Located, TicketRow | None]:
    """The reload's finding for ticket `number` seen at `at` with the cursor there, and the row
    then under the cursor."""
    shown = ShownAtOnce(at)
    pages = TicketPages(shown)
    pages.source = source
    pages.restart(None, (number, at))
    [found] = shown.found
    return found, pages.row_at(at if found.position is None else found.position)


def test_a_ticket_resolved_between_the_two_reads_is_said_to_have_left(
    gate_for: Callable[[str], Gate],
) -> None:
    tom, ada = gate_for("tom"), gate_for("ada")
    rows = tom.inbox.list_tickets(INBOX_DEFAULT, limit=10)
    chosen, neighbour = rows[3].number, rows[4].number

    source = ChangedBetween(tom, lambda: ada.changes.set_status(chosen, "resolved"))
    found, under = located(source, chosen, 3)

    assert found.position is None  # it left the inbox: said, not hidden
    assert source.positions == 2  # the first pair of reads disagreed
    assert under is not None and under.number == neighbour


def test_a_ticket_moved_between_the_two_reads_is_followed_to_where_it_went(
    gate_for: Callable[[str], Gate],
) -> None:
    tom, ada = gate_for("tom"), gate_for("ada")
    rows = tom.inbox.list_tickets(INBOX_DEFAULT, limit=10)
    chosen = rows[3].number

    # A note by another agent makes it the newest activity: first in the inbox's order.
    source = ChangedBetween(tom, lambda: ada.messages.note(chosen, "Checked with accounting"))
    found, under = located(source, chosen, 3)

    assert found.position == 0
    assert under is not None and under.number == chosen


def test_without_a_change_between_one_pair_of_reads_is_enough(
    gate_for: Callable[[str], Gate],
) -> None:
    tom = gate_for("tom")
    rows = tom.inbox.list_tickets(INBOX_DEFAULT, limit=10)
    source = ChangedBetween(tom, lambda: None)
    found, under = located(source, rows[3].number, 3)
    assert (found.position, source.positions) == (3, 1)
    assert under is not None and under.number == rows[3].number
