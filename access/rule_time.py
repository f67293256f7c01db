"""Time rules: `ticketty serve` tries each active one every `every_minutes`. An idle rule's
tickets are those of its status unchanged since a cutoff, found through the ticket index on
(status, updated_at, number) as one range per status; a due rule's (`due=30m`, `due=breached`)
those whose earliest service-level target falls due by then, through the index on `due_at`.
Never by reading every ticket.

A due rule escalates a ticket once per due time: a pass takes the tickets that came within its
window since the rule's last pass, and passes by those it already acted on (or was refused on)
since the ticket came within the window (`rule.acted`/`rule.skipped` in the audit log). When a
pass stops at its limit, the next pass starts where it stopped.

The cutoff is `idle=` before now: clock time, or business time of the rule's calendar (found by
halving the span until the calendar's working minutes in it meet the idle time). A rule that
acts changes the ticket (a note, a status), which moves `updated_at` on: a reminder comes again
after the same idle time, not at every pass."""

from __future__ import annotations

from datetime import datetime, timedelta

import peewee

from access import scope
from access.audit_actions import RULE_ACTED, RULE_SKIPPED
from access.business_time import HORIZON_DAYS, Calendar, business_minutes
from access.rule_conditions import Clock, calendar_of, idle_minutes
from access.rule_runner import LoadedRule, after_event, loaded
from access.rule_text import DUE, ON_TIME, STATUS
from store.models import AuditEvent, Ticket, database_proxy
from store.rows import tuple_rows
from store.rule_models import Rule

# The most tickets one time rule takes on in one pass; the rest wait for the next.
PASS_LIMIT = 1000


def due_rules(now: datetime) -> list[tuple[Rule, LoadedRule]]:
    rows = (
        Rule.select()
        .where((Rule.trigger == ON_TIME) & (Rule.active == True))  # noqa: E712
        .order_by(Rule.position, Rule.id)
    )
    due = [
        row
        for row in rows
        if row.last_run_at is None or row.last_run_at + timedelta(minutes=row.every_minutes) <= now
    ]
    return list(zip(due, loaded(due), strict=True))


def run_due_rules(clock: Clock) -> int:
    """Each due time rule over its tickets, as its owner (`access.rule_runner`); how many
    tickets they were tried on."""
    tried = 0
    for row, rule in due_rules(clock.now):
        if due_window(rule) is None:
            numbers = due_tickets(rule, clock, scope.TRUE, PASS_LIMIT)
            ran_until = clock.now
        else:
            numbers, ran_until = _escalations(rule, clock, row.last_run_at)
        with database_proxy.atomic():
            Rule.update(last_run_at=ran_until).where(Rule.id == row.id).execute()
        after_event(ON_TIME, numbers, only=rule, clock=clock)
        tried += len(numbers)
    return tried


def due_window(rule: LoadedRule) -> int | None:
    """The minutes before a due time in which a due rule acts (0: once breached); None for an
    idle rule."""
    return next((int(c["minutes"]) for c in rule.conditions if c["key"] == DUE), None)


def _escalations(
    rule: LoadedRule, clock: Clock, last_run: datetime | None
) -> tuple[list[int], datetime]:
    """A due rule's tickets for this pass, and the moment the pass counts as run until."""
    window = timedelta(minutes=due_window(rule) or 0)
    since = None if last_run is None else last_run + window
    found = _by_due_time(clock.now + window, since, scope.TRUE, PASS_LIMIT)
    ran_until = clock.now if len(found) < PASS_LIMIT else found[-1][0] - window
    numbers = [number for _, number in found]
    done: dict[int, datetime] = {}
    if numbers:
        query = (
            AuditEvent.select(AuditEvent.ticket, peewee.fn.MAX(AuditEvent.at))
            .where(
                AuditEvent.ticket.in_(numbers)
                & AuditEvent.action.in_([RULE_ACTED, RULE_SKIPPED])
                & (AuditEvent.target_kind == "rule")
                & (AuditEvent.target_id == rule.id)
            )
            .group_by(AuditEvent.ticket)
        )
        done = dict(tuple_rows(query))
    fresh = [n for due_at, n in found if n not in done or done[n] < due_at - window]
    return fresh, ran_until


def _by_due_time(
    until: datetime, since: datetime | None, within: peewee.ColumnBase, limit: int
) -> list[tuple[datetime, int]]:
    """(due time, number) of the tickets due by `until` (and from `since`), earliest first:
    one range of the `due_at` index."""
    where = (Ticket.due_at <= until) & within
    if since is not None:
        where &= Ticket.due_at >= since
    query = (
        Ticket.select(Ticket.due_at, Ticket.number)
        .where(where)
        .order_by(Ticket.due_at, Ticket.number)
        .limit(limit)
    )
    return list(tuple_rows(query))


def due_tickets(rule: LoadedRule, clock: Clock, within: peewee.ColumnBase, limit: int) -> list[int]:
    """The tickets of the rule's statuses unchanged since its cutoff, oldest first, among
    `within` (of a due rule: those due by the end of its window, earliest first); its other
    conditions are the runner's."""
    window = due_window(rule)
    if window is not None:
        until = clock.now + timedelta(minutes=window)
        return [number for _, number in _by_due_time(until, None, within, limit)]
    calendar_id = calendar_of(rule.conditions)
    calendar = None if calendar_id is None else clock.calendar(calendar_id)
    if calendar_id is not None and calendar is None:
        return []
    cutoff = idle_cutoff(clock.now, idle_minutes(rule.conditions, calendar), calendar)
    if cutoff is None:
        return []
    statuses = next(c["any"] for c in rule.conditions if c["key"] == STATUS)
    found: list[tuple[datetime, int]] = []
    for status in statuses:  # a range of the (status, updated_at, number) index each
        query = (
            Ticket.select(Ticket.updated_at, Ticket.number)
            .where((Ticket.status == status) & (Ticket.updated_at <= cutoff) & within)
            .order_by(Ticket.updated_at, Ticket.number)
            .limit(limit)
        )
        found += list(tuple_rows(query))
    return [number for _, number in sorted(found)[:limit]]


def idle_cutoff(now: datetime, minutes: int, calendar: Calendar | None) -> datetime | None:
    """The latest moment from which `minutes` have passed by now (business minutes of
    `calendar` when given); None when the calendar has no such time within its horizon."""
    if calendar is None:
        return now - timedelta(minutes=minutes)
    span = timedelta(minutes=max(minutes, 1))
    while business_minutes(calendar, now - span, now) < minutes:
        span *= 2
        if span > timedelta(days=HORIZON_DAYS):
            return None
    early, late = now - span, now - timedelta(minutes=minutes)
    while late - early > timedelta(seconds=30):
        middle = early + (late - early) / 2
        if business_minutes(calendar, middle, now) >= minutes:
            early = middle
        else:
            late = middle
    return early
