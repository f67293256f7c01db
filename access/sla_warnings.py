"""Service-level warnings (`gate.sla.warn_due`, run by `ticketty serve` and `ticketty sla
warn`): before a ticket's clock falls due and when it passes, its assignee and the supervisors
of its usergroup are notified (`SLA_SOON`, `SLA_MISSED`).

"Before" is business time of the ticket's policy's calendar (`[sla] warn_before`, 1h unless
set), counted from the gate's clock as the due column counts (`access.due_window`). The
tickets are found through an index on each clock's due time (migration 30): those with a clock
due between `LOOK_BACK` ago and the warning time ahead, each clock on its own, never every
ticket. Each warning is made once per ticket, clock, stage and run of the clock
(`store.notification_models.SlaWarning`), however often the pass runs: a run ends when the clock
ends (its verdict is kept, `access.sla_verdicts`), so a clock that paused and ran again, its due
time moved, is not warned of again, and a new next-response clock is. Whether a person may see
the ticket is asked when the notification is read or mailed, as for every notification. A
resolved or closed ticket is not warned of, as the breached filter leaves it out: a due time a
stopped clock keeps is past and done.
"""

from __future__ import annotations

import operator
from datetime import datetime, timedelta
from functools import reduce
from typing import NamedTuple

import peewee

from access.due_window import due_by, policy_calendars
from access.notify_events import SLA_MISSED, SLA_SOON, Pending, deliver
from access.request import Request
from access.sla_rules import FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION, WARN_BEFORE, Duration
from access.vocabulary import OPEN_STATUSES
from store.models import GroupSupervisor, Ticket
from store.notification_models import FIRST_RUN, SlaWarning
from store.rows import tuple_rows
from store.sla_models import SlaVerdict

# How far back a pass looks for due times passed: a pass missed for a while (serve stopped)
# still warns of the breaches of the last day, not of every old one.
LOOK_BACK = timedelta(days=1)
SOON, MISSED = "soon", "missed"
_CLOCKS = (
    (FIRST_RESPONSE, Ticket.first_response_due),
    (NEXT_RESPONSE, Ticket.next_response_due),
    (RESOLUTION, Ticket.resolution_due),
)


class DueWarning(NamedTuple):
    """One warning to make: ticket `number`'s clock `metric`, due at `due`, at `stage`, in the
    clock's run that began after `run` (its last verdict's end; `FIRST_RUN`: none)."""

    number: int
    metric: str
    stage: str
    due: datetime
    run: datetime = FIRST_RUN


def warn_due(request: Request, before: Duration = WARN_BEFORE) -> list[DueWarning]:
    """Make the warnings due at the gate's `request.now` (inside the caller's write
    transaction) and answer them: six statements however many tickets (the policies, the
    tickets, their clocks' runs, the warnings made already, the supervisors, the inserts) and
    the notifications' own."""
    now = request.now
    limits = due_by(policy_calendars(request), now, before)
    since, latest = now - LOOK_BACK, limits.latest()
    near = reduce(operator.or_, [(due > since) & (due <= latest) for _, due in _CLOCKS])
    dues = Ticket.select(
        Ticket.number,
        Ticket.assignee,
        Ticket.usergroup,
        Ticket.sla_policy,
        *(due for _, due in _CLOCKS),
    ).where(near & Ticket.status.in_(list(OPEN_STATUSES)))
    found: list[DueWarning] = []
    people: dict[int, tuple[int | None, int | None]] = {}
    for number, assignee, group, policy, *clocks in tuple_rows(dues):
        people[number] = (assignee, group)
        limit = limits.of(policy)
        for (metric, _), due in zip(_CLOCKS, clocks, strict=True):
            if due is not None and since < due <= limit:
                found.append(DueWarning(number, metric, MISSED if due <= now else SOON, due))
    if not found:
        return []
    runs = _runs(sorted(people))
    found = [w._replace(run=runs.get((w.number, w.metric), FIRST_RUN)) for w in found]
    made = {
        tuple(row)
        for row in tuple_rows(
            SlaWarning.select(
                SlaWarning.ticket, SlaWarning.metric, SlaWarning.stage, SlaWarning.run
            ).where(SlaWarning.ticket.in_(sorted(people)))
        )
    }
    new = [w for w in found if (w.number, w.metric, w.stage, w.run) not in made]
    if not new:
        return []
    SlaWarning.insert_many(
        [
            {
                SlaWarning.ticket: w.number,
                SlaWarning.metric: w.metric,
                SlaWarning.stage: w.stage,
                SlaWarning.due: w.due,
                SlaWarning.run: w.run,
                SlaWarning.created_at: now,
            }
            for w in new
        ]
    ).execute()
    deliver(None, _recipients(new, people), now)
    return new


def _runs(numbers: list[int]) -> dict[tuple[int, str], datetime]:
    """For each ticket's clock that ended before, when it last ended: its running clock's run
    began after that (one statement, along the verdicts' index)."""
    ended = peewee.fn.MAX(SlaVerdict.ended_at)
    query = (
        SlaVerdict.select(SlaVerdict.ticket, SlaVerdict.metric, ended)
        .where(SlaVerdict.ticket.in_(numbers))
        .group_by(SlaVerdict.ticket, SlaVerdict.metric)
    )
    return {
        (ticket, metric): SlaWarning.run.python_value(at)
        for ticket, metric, at in tuple_rows(query)
    }


def _recipients(
    warnings: list[DueWarning], people: dict[int, tuple[int | None, int | None]]
) -> list[Pending]:
    """Each warning's ticket's assignee and its group's supervisors; a missed target before
    a due-soon one, so a person told of both about one ticket hears of the miss."""
    groups = sorted({g for _, g in people.values() if g is not None})
    supervisors: dict[int, list[int]] = {}
    if groups:
        query = GroupSupervisor.select(GroupSupervisor.usergroup, GroupSupervisor.person).where(
            GroupSupervisor.usergroup.in_(groups)
        )
        for group, person in tuple_rows(query):
            supervisors.setdefault(group, []).append(person)
    pending = []
    for warning in sorted(warnings, key=lambda w: w.stage != MISSED):
        assignee, group = people[warning.number]
        event = SLA_MISSED if warning.stage == MISSED else SLA_SOON
        told = ([] if assignee is None else [assignee]) + supervisors.get(group or 0, [])
        pending += [Pending(person, warning.number, event) for person in told]
    return pending
