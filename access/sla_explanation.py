"""Why a ticket is due when it is (`gate.tickets.sla_explanation`): the policies tried in match
order and each condition against the ticket, the calendar, each clock with its pauses and the
business minutes it counted. Read from the same history and policies the write path stores due
times from (`access.due_times`), so the explanation and the stored due times agree."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from access.due_times import PolicySet, dues_of, read_state
from access.inbox import is_breached
from access.request import Request
from access.sla_clock import (
    PRIORITY,
    SOURCE,
    USERGROUP,
    History,
    Target,
    clock,
    minutes_counted,
    paused_spans,
    status_now,
)
from access.sla_rules import STOPPING_STATUSES, Attributes, Policy
from access.sla_verdicts import ticket_verdicts
from access.sla_views import (
    ConditionCheck,
    PauseSpan,
    PolicyCheck,
    SlaExplanation,
    TargetExplanation,
)
from store.models import Source, Usergroup


def explain(request: Request, number: int) -> SlaExplanation:
    """The explanation of a ticket the caller has checked the person may see."""
    state = read_state(request, [number])
    history = state.histories[number]
    policies = state.policies
    now = request.now  # the gate's clock, as the list's breached marks count
    measured = clock(history, policies.policies, now)
    dues = dues_of(measured, policies)
    attributes = _attributes_now(history)
    names = _names()
    checked = []
    for position, policy in enumerate(policies.policies, start=1):
        conditions = _conditions(policy, attributes, names)
        matched = all(c.met for c in conditions)
        checked.append(PolicyCheck(policy.name, position, matched, conditions))
        if matched:
            break
    calendar = policies.calendars.get(measured.policy or "")
    targets = tuple(_target(t, history, policies, now) for t in measured.targets() if t is not None)
    return SlaExplanation(
        number=number,
        policy=measured.policy,
        calendar=None if calendar is None else calendar[0],
        zone=None if calendar is None else calendar[1],
        checked=tuple(checked),
        targets=targets,
        first_response_due=dues.first_response,
        next_response_due=dues.next_response,
        resolution_due=dues.resolution,
        breached=is_breached(status_now(history), dues.due_at, now),
        now=now,
        verdicts=ticket_verdicts(number),
    )


def _attributes_now(history: History) -> Attributes:
    return _attributes_at(history, None)


def _attributes_at(history: History, moment: datetime | None) -> Attributes:
    start = history.attributes
    priority, source, group = start.priority, start.source, start.usergroup
    for event in sorted(history.events, key=lambda e: e.at):
        if moment is not None and event.at > moment:
            break
        if event.kind == PRIORITY:
            priority = str(event.value)
        elif event.kind == SOURCE:
            source = int(str(event.value))
        elif event.kind == USERGROUP:
            group = None if event.value is None else int(str(event.value))
    return Attributes(priority, source, group)


def _names() -> dict[str, dict[int, str]]:
    """The names of the sources and usergroups the conditions and the ticket mention."""
    return {
        SOURCE: {s.id: s.name for s in Source.select(Source.id, Source.name)},
        USERGROUP: {g.id: g.name for g in Usergroup.select(Usergroup.id, Usergroup.name)},
    }


def _conditions(
    policy: Policy, ticket: Attributes, names: Mapping[str, Mapping[int, str]]
) -> tuple[ConditionCheck, ...]:
    def named(kind: str, ids: frozenset[int]) -> tuple[str, ...]:
        return tuple(sorted(names[kind].get(i, f"(deleted {kind} {i})") for i in ids))

    group = "" if ticket.usergroup is None else names[USERGROUP].get(ticket.usergroup, "")
    return (
        ConditionCheck(
            PRIORITY,
            tuple(sorted(policy.priorities)),
            ticket.priority,
            not policy.priorities or ticket.priority in policy.priorities,
        ),
        ConditionCheck(
            SOURCE,
            named(SOURCE, policy.sources),
            names[SOURCE].get(ticket.source, ""),
            not policy.sources or ticket.source in policy.sources,
        ),
        ConditionCheck(
            USERGROUP,
            named(USERGROUP, policy.usergroups),
            group,
            not policy.usergroups or ticket.usergroup in policy.usergroups,
        ),
    )


def _target(
    target: Target, history: History, policies: PolicySet, now: datetime
) -> TargetExplanation:
    policy = next(p for p in policies.policies if p.name == target.policy)
    until = target.ended
    spans = [
        PauseSpan(*span)
        for span in paused_spans(history, policy.pause_on | STOPPING_STATUSES, until)
    ]
    priority = _attributes_at(history, until or now).priority
    return TargetExplanation(
        metric=target.metric,
        policy=target.policy,
        calendar=policies.calendars[target.policy][0],
        target_minutes=policy.target(target.metric, priority) or 0,
        counted_minutes=minutes_counted(history, target, policies.policies, now) or 0,
        started=target.started,
        due=target.due,
        ended=target.ended,
        state=target.state.value,
        pauses=tuple(s for s in spans if s.end is None or s.end > target.started),
        unanswered=target.unanswered,
    )
