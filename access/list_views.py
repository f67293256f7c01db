"""What the gate hands out for a list of tickets: a ticket's row, the groups' counts, the
list's query and the ticket numbers a search or a prompt names. Plain, immutable records as all
of `access.views`, which says them again; in a module of their own so that the inbox's first
frame loads these and not the records of a ticket's detail or of the admin screens.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from access.errors import InvalidInput
from access.vocabulary import OPEN_STATUSES

if TYPE_CHECKING:
    from access.durations import Duration


class TicketRow(NamedTuple):
    """One line of the inbox."""

    number: int
    subject: str
    requester: str
    usergroup: str | None
    source: str
    status: str
    priority: str
    assignee: str | None
    private: bool
    created_at: datetime
    updated_at: datetime
    version: int
    # True when the person sees this ticket only because they supervise its group.
    as_supervisor: bool = False
    # True when the person sees this ticket only because it is assigned to them.
    as_assignee: bool = False
    # Service levels (`access.due_times`): when each running clock falls due (None: no target,
    # met, paused or stopped), and whether one of them is already past due.
    first_response_due: datetime | None = None
    next_response_due: datetime | None = None
    resolution_due: datetime | None = None
    breached: bool = False
    tags: tuple[str, ...] = ()  # in alphabetical order
    sla_policy: int | None = None  # the policy measuring it now, by id (its calendar counts)


class GroupCount(NamedTuple):
    usergroup_id: int | None
    name: str  # "(no group)" for tickets without one
    tickets: int


class TicketQuery(NamedTuple):
    """Filters of the inbox and of `ticketty tickets list`; all optional, all combined with AND."""

    statuses: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    usergroups: tuple[int | None, ...] = ()  # None stands for "no group"
    sources: tuple[int, ...] = ()
    assignee: str | None = None  # a username
    requester: str | None = None  # a username
    mine: bool = False
    unassigned: bool = False
    search: str = ""
    order: str = "activity"  # one of TICKET_ORDERS
    breached: bool = False  # only tickets with a clock past its due time
    # Only tickets with a clock falling due within this business time of the ticket's calendar
    # from now (breached ones included; `access.due_window`).
    due_within: Duration | None = None


# In a search only `#42` is a ticket number: bare digits (an order number) are words.
_TICKET_REF = r"^#([0-9]{1,18})$"


def ticket_reference(search: str) -> int | None:
    """The ticket a search names (`#42`), or None for a search of words (the pattern is not
    compiled for one that does not start with `#`: the inbox's opening asks of an empty one)."""
    search = search.strip()
    if not search.startswith("#"):
        return None
    match = re.match(_TICKET_REF, search)
    return int(match.group(1)) if match else None


# A ticket number typed where one is asked for: `#` is optional.
_NUMBER = r"^#?([0-9]{1,18})$"


def parse_number(text: str | int) -> int:
    """A ticket number from user input: digits only (an optional leading #), nothing else."""
    if isinstance(text, int):
        return text
    match = re.match(_NUMBER, text.strip())
    if not match:
        raise InvalidInput(f"{text!r} is not a ticket number")
    return int(match.group(1))


# The inbox opens on the open work: resolved and closed tickets are a filter away.
OPEN_WORK = OPEN_STATUSES
INBOX_DEFAULT = TicketQuery(statuses=OPEN_WORK)
