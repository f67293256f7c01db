"""Time rules: `ticketty serve` tries each active one every `every_minutes`; its tickets are
those of its status unchanged since a cutoff, found through the ticket index on (status,
updated_at, number) as one range per status, never by reading every ticket.

The cutoff is `idle=` before now: clock time, or business time of the rule's calendar (found by
halving the span until the calendar's working minutes in it meet the idle time). A rule that
acts changes the ticket (a note, a status), which moves `updated_at` on: a reminder comes again
after the same idle time, not at every pass."""

from __future__ import annotations

from datetime import datetime, timedelta

import peewee

from access import scope
from access.business_time import HORIZON_DAYS, Calendar, business_minutes
from access.rule_conditions import Clock, calendar_of, idle_minutes
from access.rule_runner import LoadedRule, after_event, loaded
from access.rule_text import ON_TIME, STATUS
from store.models import Person, Ticket, database_proxy
from store.rows import tuple_rows
from store.rule_models import Rule

# The most tickets one time rule takes on in one pass; the rest wait for the next.
PASS_LIMIT = 1000


def due_rules(now: datetime) -> list[tuple[Rule, LoadedRule]]:
    rows = (
        Rule.select(Rule, Person.username)
        .join(Person, on=(Rule.owner == Person.id))
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
        with database_proxy.atomic():
            Rule.update(last_run_at=clock.now).where(Rule.id == row.id).execute()
        numbers = due_tickets(rule, clock, scope.TRUE, PASS_LIMIT)
        after_event(ON_TIME, numbers, only=rule)
        tried += len(numbers)
    return tried


def due_tickets(rule: LoadedRule, clock: Clock, within: peewee.ColumnBase, limit: int) -> list[int]:
    """The tickets of the rule's statuses unchanged since its cutoff, oldest first, among
    `within`; its other conditions are the runner's."""
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
