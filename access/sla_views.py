"""What `gate.tickets.sla_explanation` answers: why a ticket is due when it is, the way
`access explain` says why a person holds a right."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from access.sla_verdicts import VerdictView


class ConditionCheck(NamedTuple):
    """One condition of a policy against the ticket: `field` (priority, source, usergroup),
    the values the policy asks for (empty: any), the ticket's, and whether it is met."""

    field: str
    wanted: tuple[str, ...]
    actual: str
    met: bool


class PolicyCheck(NamedTuple):
    """A policy tried, in match order, up to the one that matched."""

    policy: str
    position: int  # in the match order, 1 first
    matched: bool
    conditions: tuple[ConditionCheck, ...]


class PauseSpan(NamedTuple):
    """A time a clock did not run: the status the ticket had, from when until when (None:
    still so)."""

    status: str
    start: datetime
    end: datetime | None


class TargetExplanation(NamedTuple):
    """One clock (first_response, next_response, resolution) as it was measured."""

    metric: str
    policy: str  # the policy it is measured by (the one it ended under, if it ended)
    calendar: str
    target_minutes: int  # business minutes the policy allows for the ticket's priority
    counted_minutes: int  # business minutes counted from its start to its end, or to now
    started: datetime
    due: datetime | None  # None while paused or stopped before it fell due
    ended: datetime | None  # when it was met or missed
    state: str  # running, paused, stopped, met, breached
    pauses: tuple[PauseSpan, ...]
    unanswered: bool = False  # a response clock ended by the resolution, past due


class SlaExplanation(NamedTuple):
    """Which policy a ticket matches and why, its calendar, and each clock with its pauses
    and business minutes; `now` is the instant the clocks were read at. `verdicts`: those
    stored when its clocks ended, as they were given (a later edit of a policy may measure an
    ended clock differently in `targets`; the verdict stays)."""

    number: int
    policy: str | None  # None: no policy matches the ticket
    calendar: str | None
    zone: str | None
    checked: tuple[PolicyCheck, ...]
    targets: tuple[TargetExplanation, ...]
    first_response_due: datetime | None
    next_response_due: datetime | None
    resolution_due: datetime | None
    breached: bool
    now: datetime
    verdicts: tuple[VerdictView, ...] = ()
