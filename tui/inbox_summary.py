"""The inbox's summary line: the count, every active filter, the sort, the marks, and what
happened to the ticket the cursor was on. Each item stays whole; the items wrap onto up to
`MAX_LINES` lines so that nothing falls off at 80 columns (an empty inbox under a forgotten
`mine` must not look like "no work")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from access.list_views import TicketQuery, ticket_reference
from wording.safe_text import one_line

MAX_LINES = 3
SEPARATOR = " · "
NAMES_SHOWN = 2  # groups or sources named before "+N more"
LONGEST_NAME = 20
LONGEST_SEARCH = 30

ORDER_LABELS = {
    "activity": "Newest activity",
    "waiting": "Oldest waiting",
    "priority": "Priority, most urgent first",
    "due": "Due time, soonest first",
}
SORTED_BY = {
    "activity": "sorted by newest activity",
    "waiting": "sorted by oldest waiting",
    "priority": "sorted by priority",
    "due": "sorted by due time",
}


class ListState(NamedTuple):
    """What the list shows besides its filters."""

    total: int
    marked: int = 0
    left: int | None = None  # the ticket under the cursor that left the view at a reload
    outside_filters: bool = False  # a `#N` search found a ticket the filters leave out


def shorten(text: str, longest: int) -> str:
    text = one_line(text)
    return text if len(text) <= longest else text[: longest - 1] + "…"


def names(label: str, chosen: list[str]) -> str:
    shown = ", ".join(shorten(name, LONGEST_NAME) for name in chosen[:NAMES_SHOWN])
    more = len(chosen) - NAMES_SHOWN
    return f"{label} {shown}" + (f" +{more} more" if more > 0 else "")


def summary_items(
    query: TicketQuery,
    state: ListState,
    group_names: Mapping[int | None, str],
    source_names: Mapping[int, str],
) -> list[str]:
    """Each item of the summary, in reading order."""
    items = [f"{state.total:,} ticket" + ("" if state.total == 1 else "s")]
    number = ticket_reference(query.search)
    if number is not None and state.total == 0:
        items.append(f"no ticket #{number}")
    if state.outside_filters:
        items.append(f"#{number} is outside your filters")
    if query.statuses:
        items.append("status " + ",".join(query.statuses))
    if query.priorities:
        items.append("priority " + ",".join(query.priorities))
    if query.usergroups:
        items.append(names("groups", [group_names.get(g, "?") for g in query.usergroups]))
    if query.sources:
        items.append(names("source", [source_names.get(s, "?") for s in query.sources]))
    if query.breached:
        items.append("breached")
    if query.due_within is not None:
        items.append(f"due within {query.due_within}")
    if query.mine:
        items.append("mine")
    if query.unassigned:
        items.append("unassigned")
    if query.search:
        items.append(f"search “{shorten(query.search, LONGEST_SEARCH)}”")
    items.append(SORTED_BY[query.order])
    if state.marked:
        items.append(f"{state.marked:,} marked")
    if state.left is not None:
        items.append(f"#{state.left} left this view")
    return items


def wrap(items: list[str], width: int) -> str:
    """The items joined by " · ", broken between items (never inside one) to fit `width`."""
    lines: list[str] = []
    for item in items:
        if lines and len(lines[-1]) + len(SEPARATOR) + len(item) <= width:
            lines[-1] += SEPARATOR + item
        else:
            lines.append(item)
    return "\n".join(lines[:MAX_LINES])
