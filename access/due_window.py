"""What "due within" a business time means at a moment, for the inbox's filter, saved views,
`tickets list --due-within` and the service-level warnings: a ticket is due within 1h when at
most one business hour of its policy's calendar is left before its due time, the way the due
column counts (a ticket due Monday 09:00 is due within 1h on Friday at 16:30 when the office
closes at 17:00).

The calendars are few: for each policy the instant that business time after now falls on is
worked out once, and the tickets are filtered by `due_at <= that instant` of their policy. The
range up to the latest of those instants is read along the due-time index; only the tickets
between the earliest and the latest instant have their policy looked at. A ticket whose policy
is not known (deleted since its due times were kept) counts the wall clock, as the due column
does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee

from access import scope
from access.business_time import Calendar, NoBusinessTime, add_business_minutes
from access.request import Request
from access.sla_rules import Duration
from store.models import Ticket


@dataclass(frozen=True)
class DueBy:
    """The instant each policy's tickets must be due by (`policies`, by id), and `wall`: that of
    a ticket whose policy is not known."""

    policies: Mapping[int, datetime]
    wall: datetime

    def of(self, policy: int | None) -> datetime:
        """The instant for a ticket measured by `policy`."""
        return self.policies.get(policy, self.wall) if policy is not None else self.wall

    def latest(self) -> datetime:
        return max([self.wall, *self.policies.values()])

    def earliest(self) -> datetime:
        return min([self.wall, *self.policies.values()])


def policy_calendars(request: Request) -> dict[int, Calendar]:
    """Each policy's calendar by the policy's id, read once in a request (with the policies,
    one statement)."""
    from access.due_times import read_policies  # a due-within filter's: not the inbox's start

    policies = read_policies(request)
    return {policies.ids[p.name]: p.calendar for p in policies.policies if p.name in policies.ids}


def due_by(calendars: Mapping[int, Calendar], now: datetime, within: Duration) -> DueBy:
    """For each policy, the instant `within` business time of its calendar after `now`."""
    wall = now + timedelta(days=within.days, minutes=within.minutes)
    found: dict[int, datetime] = {}
    for policy, calendar in calendars.items():
        try:
            at = add_business_minutes(calendar, now, within.business_minutes(calendar))
        except NoBusinessTime:  # a calendar with no working time: no due time falls in it
            at = None
        found[policy] = wall if at is None else at
    return DueBy(found, wall)


def due_within(request: Request, within: Duration) -> scope.Predicate:
    """The tickets due within `within` business time of `request.now` (breached ones too)."""
    limits = due_by(policy_calendars(request), request.now, within)
    latest, earliest = limits.latest(), limits.earliest()
    where: scope.Predicate = Ticket.due_at <= latest
    if earliest == latest:
        return where
    per_policy = peewee.Case(
        Ticket.sla_policy,
        [(policy, _moment(at)) for policy, at in sorted(limits.policies.items())],
        _moment(limits.wall),
    )
    return where & ((Ticket.due_at <= earliest) | (Ticket.due_at <= per_policy))


def _moment(at: datetime) -> peewee.Value:
    """An instant as the due-time columns store it (SQLite compares their text)."""
    return peewee.Value(at, converter=Ticket.due_at.db_value)
