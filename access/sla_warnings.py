"""Service-level warnings (`gate.sla.warn_due`, run by `ticketty serve` and `ticketty sla
warn`): before a ticket's clock falls due and when it passes, its assignee and the supervisors
of its usergroup are notified (`SLA_SOON`, `SLA_MISSED`).

The tickets are found through the `due_at` index: those whose earliest due time lies between
`LOOK_BACK` ago and the warning time ahead, never every ticket. Within them each running clock
(first response, next response, resolution) is looked at; each warning is made once per ticket,
clock, stage and due time (`store.notification_models.SlaWarning`), however often the pass
runs. A ticket already past one due time for longer than `LOOK_BACK` is not found again for
its other clocks while that one stays its earliest. Whether a person may see the ticket is
asked when the notification is read or mailed, as for every notification.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from access.notify_events import SLA_MISSED, SLA_SOON, Pending, deliver
from access.sla_rules import FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION
from store.models import GroupSupervisor, Ticket
from store.notification_models import SlaWarning
from store.rows import tuple_rows

WARN_BEFORE = timedelta(hours=1)
# How far back a pass looks for due times passed: a pass missed for a while (serve stopped)
# still warns of the breaches of the last day, not of every old one.
LOOK_BACK = timedelta(days=1)
SOON, MISSED = "soon", "missed"


class DueWarning(NamedTuple):
    """One warning to make: ticket `number`'s clock `metric`, due at `due`, at `stage`."""

    number: int
    metric: str
    stage: str
    due: datetime


def warn_due(now: datetime, before: timedelta = WARN_BEFORE) -> list[DueWarning]:
    """Make the warnings due at `now` (inside the caller's write transaction) and answer
    them: four statements however many tickets (the tickets, the warnings made already, the
    supervisors, the inserts) and the notifications' own."""
    dues = Ticket.select(
        Ticket.number,
        Ticket.assignee,
        Ticket.usergroup,
        Ticket.first_response_due,
        Ticket.next_response_due,
        Ticket.resolution_due,
    ).where((Ticket.due_at > now - LOOK_BACK) & (Ticket.due_at <= now + before))
    found: list[DueWarning] = []
    people: dict[int, tuple[int | None, int | None]] = {}
    for number, assignee, group, *clocks in tuple_rows(dues):
        people[number] = (assignee, group)
        for metric, due in zip((FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION), clocks, strict=True):
            if due is not None and now - LOOK_BACK < due <= now + before:
                found.append(DueWarning(number, metric, MISSED if due <= now else SOON, due))
    if not found:
        return []
    made = {
        tuple(row)
        for row in tuple_rows(
            SlaWarning.select(
                SlaWarning.ticket, SlaWarning.metric, SlaWarning.stage, SlaWarning.due
            ).where(SlaWarning.ticket.in_(sorted(people)))
        )
    }
    new = [w for w in found if (w.number, w.metric, w.stage, w.due) not in made]
    if not new:
        return []
    SlaWarning.insert_many(
        [
            {
                SlaWarning.ticket: w.number,
                SlaWarning.metric: w.metric,
                SlaWarning.stage: w.stage,
                SlaWarning.due: w.due,
                SlaWarning.created_at: now,
            }
            for w in new
        ]
    ).execute()
    deliver(None, _recipients(new, people))
    return new


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
