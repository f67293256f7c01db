"""The service-level clock: from a ticket's history and the policies, when each target falls
due and whether it was met. A pure function (`clock`), no database: the ticket write path calls
it with the history it has, and stores what it answers.

What the clocks measure, each in the business time of the policy's calendar:

- **first response**, from the ticket's creation to the first reply to the customer (an
  internal note does not count);
- **next response**, from a customer message that finds the team not already owing an answer
  (after the first reply) to the next reply; the one reported is the latest;
- **resolution**, from the creation to resolved or closed; reopening resumes it, the time it
  spent resolved not counted.

Every clock pauses while the status is one the policy pauses on (pending, unless it says
otherwise) and stops while the ticket is resolved or closed; a clock stopped or paused before
it fell due has no due time until it runs again. A response clock already past its due time
when the ticket is resolved or closed unanswered ends there, breached: the promise is broken
and was never kept, and a report that waited for a reply that may never come would not count
it. A reply after a reopening does not judge that clock again.

**A ticket that moves between policies** (its priority, usergroup or source changed): a clock
still running follows the policy that matches the ticket as it is now, with that policy's target
for its present priority, counted from the clock's own start (not from the change), in that
policy's calendar and pauses. A clock that has ended (a response given, the ticket resolved)
keeps the verdict of the policy that applied when it ended. Why: a team lead must be able to
trust a "met" or a "breached" once it is said, so a later edit of the ticket never turns a
kept promise into a broken one or back; and a running promise is the one the ticket deserves
now, so raising a ticket to urgent shortens its due time (perhaps into a breach at once, which
is true: it has waited that long), and lowering it cannot restart the clock to hide a wait.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from access.business_time import Pause, add_business_minutes, business_minutes
from access.sla_rules import (
    FIRST_RESPONSE,
    NEXT_RESPONSE,
    RESOLUTION,
    STOPPING_STATUSES,
    Attributes,
    Policy,
    matching_policy,
)
from store.words import CUSTOMER, REPLY

# What an event of the history changes besides messages (`CUSTOMER`, `REPLY`, `NOTE`).
STATUS, PRIORITY, SOURCE, USERGROUP = "status", "priority", "source", "usergroup"
# The messages a clock reads: a note starts, meets and pauses nothing, so a history without its
# notes measures the same.
CLOCK_MESSAGES = frozenset({CUSTOMER, REPLY})


class State(Enum):
    RUNNING = "running"
    PAUSED = "paused"  # a status the policy pauses on
    STOPPED = "stopped"  # resolved or closed
    MET = "met"
    BREACHED = "breached"


@dataclass(frozen=True)
class Event:
    """One thing that happened to the ticket: a message (`value` unused) or a change of status,
    priority, source or usergroup (`value`: the new one; a source or usergroup by id)."""

    at: datetime
    kind: str
    value: str | int | None = None


@dataclass(frozen=True)
class History:
    """A ticket as it was created, and what happened to it since."""

    created_at: datetime
    status: str
    attributes: Attributes
    events: Sequence[Event] = ()


@dataclass(frozen=True)
class Target:
    """One clock: the policy it is measured by, when it started, when it falls due (None while
    it is paused or stopped before then), when it was met or missed, and its state now."""

    metric: str
    policy: str
    started: datetime
    due: datetime | None
    ended: datetime | None
    state: State
    # Ended by the ticket's resolution or closing, past due and never answered.
    unanswered: bool = False

    @property
    def breached(self) -> bool:
        return self.state is State.BREACHED


@dataclass(frozen=True)
class Clock:
    """The ticket's three clocks (None: no target for it, or not started) and the policy that
    matches it now (None: none does)."""

    policy: str | None
    first_response: Target | None
    next_response: Target | None
    resolution: Target | None

    @property
    def breached(self) -> bool:
        return any(t is not None and t.breached for t in self.targets())

    def targets(self) -> tuple[Target | None, Target | None, Target | None]:
        return self.first_response, self.next_response, self.resolution


def status_now(history: History) -> str:
    """The ticket's status after every change in its history."""
    return _Timeline(history).status_now()


@dataclass(frozen=True)
class _Cycle:
    metric: str
    start: datetime
    end: datetime | None


class _Timeline:
    """The ticket's statuses and attributes over time, read from its history."""

    def __init__(self, history: History) -> None:
        self.events = sorted(history.events, key=lambda e: e.at)
        self.statuses: list[tuple[datetime, str]] = [(history.created_at, history.status)]
        self.attributes: list[tuple[datetime, Attributes]] = [
            (history.created_at, history.attributes)
        ]
        for event in self.events:
            if event.kind == STATUS:
                self.statuses.append((event.at, str(event.value)))
            elif event.kind in (PRIORITY, SOURCE, USERGROUP):
                self.attributes.append((event.at, _changed(self.attributes[-1][1], event)))

    def attributes_at(self, moment: datetime) -> Attributes:
        """The ticket's attributes at `moment`; its first ones for a moment before it was
        filed (a merged ticket keeps messages older than itself)."""
        earlier = [a for at, a in self.attributes if at <= moment]
        return earlier[-1] if earlier else self.attributes[0][1]

    def status_now(self) -> str:
        return self.statuses[-1][1]

    def first_stop(self, since: datetime, before: datetime | None) -> datetime | None:
        """When the ticket was first resolved or closed at `since` or later (and before
        `before`), if it was."""
        for start, _ in self.pauses(STOPPING_STATUSES, until=before):
            if start >= since:
                return start
        return None

    def pauses(self, statuses: frozenset[str], until: datetime | None) -> list[Pause]:
        """The spans the ticket spent in `statuses`, cut at `until`; the last may be open."""
        return [(start, end) for _, start, end in self.spans_in(statuses, until)]

    def spans_in(
        self, statuses: frozenset[str], until: datetime | None
    ) -> list[tuple[str, datetime, datetime | None]]:
        """`pauses` with the status of each span."""
        spans: list[tuple[str, datetime, datetime | None]] = []
        ends = [at for at, _ in self.statuses[1:]] + [None]
        for (start, status), end in zip(self.statuses, ends, strict=True):
            if status not in statuses:
                continue
            if until is not None:
                if start >= until:
                    break
                end = until if end is None else min(end, until)
            spans.append((status, start, end))
        return spans


def paused_spans(
    history: History, statuses: frozenset[str], until: datetime | None
) -> list[tuple[str, datetime, datetime | None]]:
    """The spans the ticket spent in `statuses` (the ones a policy pauses or stops on), each
    with its status, cut at `until`; the last may be open."""
    return _Timeline(history).spans_in(statuses, until)


def _changed(attributes: Attributes, event: Event) -> Attributes:
    if event.kind == PRIORITY:
        return Attributes(str(event.value), attributes.source, attributes.usergroup)
    if event.kind == SOURCE:
        return Attributes(attributes.priority, int(str(event.value)), attributes.usergroup)
    group = None if event.value is None else int(str(event.value))
    return Attributes(attributes.priority, attributes.source, group)


def clock(
    history: History,
    policies: Sequence[Policy],
    now: datetime,
    *,
    ended_since: datetime | None = None,
) -> Clock:
    """The ticket's clocks at `now` (an instant no earlier than its history), `policies` in
    match order. Times are naive UTC or aware, as the history's are. With `ended_since`, a
    clock that ended before it is not measured (None): what a change keeps is the due times of
    the clocks still running and the verdicts of those it ended, and measuring one that ended
    long ago walks the calendar from its start for nothing."""
    timeline = _Timeline(history)
    current = matching_policy(policies, timeline.attributes[-1][1])
    measured = {
        cycle.metric: _measure(cycle, timeline, policies, now)
        for cycle in _cycles(history.created_at, timeline)
        if ended_since is None or cycle.end is None or cycle.end >= ended_since
    }
    return Clock(
        policy=None if current is None else current.name,
        first_response=measured.get(FIRST_RESPONSE),
        next_response=measured.get(NEXT_RESPONSE),
        resolution=measured.get(RESOLUTION),
    )


def _cycles(created_at: datetime, timeline: _Timeline) -> Iterable[_Cycle]:
    """Each clock's latest run: its start, and its end if it ended."""
    first_reply: datetime | None = None
    waiting_since: datetime | None = None
    answered: tuple[datetime, datetime] | None = None
    for event in timeline.events:
        if event.kind == REPLY:
            if first_reply is None:
                first_reply = event.at
            elif waiting_since is not None:
                answered, waiting_since = (waiting_since, event.at), None
        elif event.kind == CUSTOMER and first_reply is not None and waiting_since is None:
            waiting_since = event.at
    yield _Cycle(FIRST_RESPONSE, created_at, first_reply)
    if waiting_since is not None:
        yield _Cycle(NEXT_RESPONSE, waiting_since, None)
    elif answered is not None:
        yield _Cycle(NEXT_RESPONSE, *answered)
    yield _Cycle(RESOLUTION, created_at, _resolved_at(timeline))


def _resolved_at(timeline: _Timeline) -> datetime | None:
    """When the ticket was last resolved or closed, if it is now."""
    resolved_at = None
    for at, status in timeline.statuses:
        if status not in STOPPING_STATUSES:
            resolved_at = None
        elif resolved_at is None:
            resolved_at = at
    return resolved_at


def _measure(
    cycle: _Cycle, timeline: _Timeline, policies: Sequence[Policy], now: datetime
) -> Target | None:
    """The cycle measured by the policy that applies to it: the one of its end if it ended,
    else the one of now. A response clock ends at the first stop (resolved or closed) at or
    past its due time, breached, if the ticket stopped there before a reply."""
    attributes = timeline.attributes_at(cycle.end or now)
    policy = matching_policy(policies, attributes)
    if policy is None:
        return None
    minutes = policy.target(cycle.metric, attributes.priority)
    if minutes is None:
        return None
    pauses = timeline.pauses(policy.pause_on | STOPPING_STATUSES, until=cycle.end)
    due = add_business_minutes(policy.calendar, cycle.start, minutes, pauses)
    if due is not None and cycle.metric != RESOLUTION:
        stop = timeline.first_stop(due, before=cycle.end)
        if stop is not None:
            return Target(cycle.metric, policy.name, cycle.start, due, stop, State.BREACHED, True)
    return Target(
        cycle.metric, policy.name, cycle.start, due, cycle.end, _state(cycle, due, timeline, now)
    )


def _state(cycle: _Cycle, due: datetime | None, timeline: _Timeline, now: datetime) -> State:
    if cycle.end is not None:
        return State.MET if due is not None and cycle.end <= due else State.BREACHED
    if due is None:
        stopped = timeline.status_now() in STOPPING_STATUSES
        return State.STOPPED if stopped else State.PAUSED
    return State.BREACHED if due <= now else State.RUNNING


@dataclass(frozen=True)
class Ending:
    """What an ended clock is judged by: its policy's target and the business minutes it
    counted (both in the policy's calendar), and the ticket's attributes when it ended."""

    target_minutes: int
    minutes: int
    attributes: Attributes


def ending(history: History, target: Target, policies: Sequence[Policy]) -> Ending | None:
    """`target` (an ended clock from `clock`) as its verdict keeps it; None while it runs or
    when its policy is gone from `policies`."""
    policy = next((p for p in policies if p.name == target.policy), None)
    if target.ended is None or policy is None:
        return None
    timeline = _Timeline(history)
    attributes = timeline.attributes_at(target.ended)
    allowed = policy.target(target.metric, attributes.priority)
    if allowed is None:
        return None
    counted = minutes_counted(history, target, policies)
    return None if counted is None else Ending(allowed, counted, attributes)


def minutes_counted(
    history: History, target: Target, policies: Sequence[Policy], now: datetime | None = None
) -> int | None:
    """The business minutes `target` (one of the ticket's clocks from `clock`) counted from
    its start to its end, or to `now` while it runs, in its policy's calendar and without its
    pauses; None while it runs and no `now` is given, or when its policy is gone from
    `policies`."""
    policy = next((p for p in policies if p.name == target.policy), None)
    end = target.ended or now
    if end is None or policy is None:
        return None
    pauses = _Timeline(history).pauses(policy.pause_on | STOPPING_STATUSES, until=target.ended)
    return business_minutes(policy.calendar, target.started, end, pauses)
