"""Service-level policies as rules, without the database: the targets (business durations such
as `4h` or `3d`, optionally one per priority; the durations themselves are `access.durations`,
said again here), the conditions a ticket must meet, and which policy applies to a ticket (the
first that matches, in the chosen order).

A day in a target is a working day of the policy's calendar: its weekly working time divided by
the weekdays that have working hours (`mon-fri 08:00-16:00`: 8 hours; every hour of every
day: 24). So `3d` keeps meaning three working days when the calendar's hours change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from access.business_time import Calendar
from access.durations import TARGET_LIMIT_DAYS as TARGET_LIMIT_DAYS
from access.durations import WARN_BEFORE as WARN_BEFORE
from access.durations import Duration as Duration
from access.durations import parse_duration as parse_duration
from access.durations import working_day_minutes as working_day_minutes
from access.errors import InvalidInput
from store.words import CLOSED, OPEN_STATUSES, PENDING, RESOLVED, TICKET_PRIORITIES
from store.words import FIRST_RESPONSE as FIRST_RESPONSE
from store.words import NEXT_RESPONSE as NEXT_RESPONSE
from store.words import RESOLUTION as RESOLUTION
from store.words import SLA_METRICS as METRICS

# Statuses that stop every clock whatever the policy says: the ticket is done.
STOPPING_STATUSES = frozenset({RESOLVED, CLOSED})
DEFAULT_PAUSE = frozenset({PENDING})
# A target applying to every priority the policy has no target of its own for.
ANY_PRIORITY = ""
# For each metric, its target by priority (`ANY_PRIORITY` for the rest); a metric left out has
# no target.
Targets = Mapping[str, Mapping[str, Duration]]


def checked_targets(given: Mapping[str, Iterable[str]]) -> dict[str, dict[str, Duration]]:
    """Targets as the command line gives them, per metric: `4h` for every priority,
    `urgent=1h` for one."""
    targets: dict[str, dict[str, Duration]] = {}
    for metric, texts in given.items():
        if metric not in METRICS:
            raise InvalidInput(f"no target called {metric!r}")
        by_priority: dict[str, Duration] = {}
        for text in texts:
            priority, _, duration = text.rpartition("=")
            priority = priority.strip().lower()
            if priority and priority not in TICKET_PRIORITIES:
                raise InvalidInput(
                    f"{priority!r} is not a priority ({', '.join(TICKET_PRIORITIES)})"
                )
            if priority in by_priority:
                raise InvalidInput(f"{_spoken(metric)}: two targets for {priority or 'all'}")
            by_priority[priority] = parse_duration(duration)
        if by_priority:
            targets[metric] = by_priority
    return targets


def format_targets(targets: Mapping[str, Duration]) -> str:
    """`4h, urgent=1h`: the general target first, then the priorities' in their order."""
    order = (ANY_PRIORITY, *TICKET_PRIORITIES)
    return ", ".join(
        f"{priority}={targets[priority]}" if priority else str(targets[priority])
        for priority in order
        if priority in targets
    )


def checked_pause(statuses: Iterable[str]) -> frozenset[str]:
    """The statuses that pause a policy's clocks: open ones (resolved and closed always stop
    them)."""
    pause = frozenset(s.strip().lower() for s in statuses)
    for status in sorted(pause):
        if status in STOPPING_STATUSES:
            raise InvalidInput(f"{status} always stops the clock; pause on {PENDING} or another")
        if status not in OPEN_STATUSES:
            raise InvalidInput(f"{status!r} is not a status ({', '.join(OPEN_STATUSES)})")
    return pause


def _spoken(metric: str) -> str:
    return metric.replace("_", " ")


@dataclass(frozen=True)
class Attributes:
    """What the conditions look at: the ticket's priority, source and usergroup (by id)."""

    priority: str
    source: int
    usergroup: int | None


@dataclass(frozen=True)
class Policy:
    """One policy as the clock applies it. Empty conditions match every ticket."""

    name: str
    calendar: Calendar
    targets: Targets
    priorities: frozenset[str] = frozenset()
    sources: frozenset[int] = frozenset()
    usergroups: frozenset[int] = frozenset()
    pause_on: frozenset[str] = DEFAULT_PAUSE

    def matches(self, ticket: Attributes) -> bool:
        return (
            (not self.priorities or ticket.priority in self.priorities)
            and (not self.sources or ticket.source in self.sources)
            and (not self.usergroups or ticket.usergroup in self.usergroups)
        )

    def target(self, metric: str, priority: str) -> int | None:
        """The business minutes `metric` allows a ticket of `priority`; None: no target."""
        by_priority = self.targets.get(metric, {})
        duration = by_priority.get(priority, by_priority.get(ANY_PRIORITY))
        return None if duration is None else duration.business_minutes(self.calendar)


def matching_policy(policies: Iterable[Policy], ticket: Attributes) -> Policy | None:
    """The first policy, in match order, whose conditions the ticket meets."""
    return next((policy for policy in policies if policy.matches(ticket)), None)
