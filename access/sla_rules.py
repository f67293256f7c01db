"""Service-level policies as rules, without the database: the targets (business durations such
as `4h` or `3d`, optionally one per priority), the conditions a ticket must meet, and which
policy applies to a ticket (the first that matches, in the chosen order).

A day in a target is a working day of the policy's calendar: its weekly working time divided by
the weekdays that have working hours (`mon-fri 08:00-16:00`: 8 hours; every hour of every
day: 24). So `3d` keeps meaning three working days when the calendar's hours change.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from access.business_time import MINUTES_A_DAY, Calendar
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
# The longest target: a year of working days is more than any promise a team makes.
TARGET_LIMIT_DAYS = 366

_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?")


@dataclass(frozen=True)
class Duration:
    """Business time: working days of the calendar, and minutes."""

    days: int = 0
    minutes: int = 0

    def business_minutes(self, calendar: Calendar) -> int:
        return self.days * working_day_minutes(calendar) + self.minutes

    def __str__(self) -> str:
        hours, minutes = divmod(self.minutes, 60)
        text = "".join(
            f"{n}{unit}" for n, unit in ((self.days, "d"), (hours, "h"), (minutes, "m")) if n
        )
        return text or "0m"


# How long before a due time its warning is made, unless the settings say otherwise.
WARN_BEFORE = Duration(0, 60)


def parse_duration(text: str) -> Duration:
    """`4h`, `3d`, `90m`, `1d4h`, `2h30m` (spaces allowed between the parts)."""
    compact = "".join(text.lower().split())
    match = _DURATION.fullmatch(compact)
    if not compact or match is None:
        raise InvalidInput(f"{text!r} is not a duration; write e.g. 30m, 4h, 3d or 1d4h")
    days, hours, minutes = (int(part or 0) for part in match.groups())
    duration = Duration(days, hours * 60 + minutes)
    if duration.days == 0 and duration.minutes == 0:
        raise InvalidInput(f"{text!r}: a target must be longer than nothing")
    if duration.days + duration.minutes // MINUTES_A_DAY > TARGET_LIMIT_DAYS:
        raise InvalidInput(f"{text!r}: a target is at most {TARGET_LIMIT_DAYS}d")
    return duration


def working_day_minutes(calendar: Calendar) -> int:
    """The length of the calendar's average working day, in minutes."""
    return _working_day_minutes(calendar)


@functools.lru_cache(maxsize=256)
def _working_day_minutes(calendar: Calendar) -> int:
    """Worked out once per calendar: every target in days of every ticket asks for it."""
    working_days = sum(1 for shifts in calendar.shifts if shifts)
    return calendar.weekly_minutes() // working_days if working_days else 0


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
