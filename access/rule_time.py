"""Time rules: `ticketty serve` tries each active one every `every_minutes`. An idle rule's
tickets are those of its status unchanged since a cutoff, found through the ticket index on
(status, updated_at, number) as one range per status; a due rule's (`due=30m`, `due=breached`)
those whose earliest service-level target falls due by then, through the index on `due_at`.
Never by reading every ticket.

A due rule escalates a ticket once per due time: a pass takes the tickets that came within its
window since the rule's last pass, and passes by those it already acted on (or was refused on)
since the ticket came within the window (`rule.acted`/`rule.skipped` in the audit log). When a
pass stops at its limit, the next pass starts where it stopped, by due time and number, so any
number of tickets due at one time are all taken in turn. An escalation refused (its owner lacked
a right then) is tried again on the next passes while the ticket keeps its due time, at most
`ESCALATION_TRIES` times in all; then the rule gives it up, audited (`rule.gave_up`).

The cutoff is `idle=` before now: clock time, or business time of the rule's calendar (found by
halving the span until the calendar's working minutes in it meet the idle time). A rule that
acts changes the ticket (a note, a status), which moves `updated_at` on: a reminder comes again
after the same idle time, not at every pass."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import peewee

from access import audit, scope
from access.audit_actions import RULE_ACTED, RULE_GAVE_UP, RULE_SKIPPED
from access.business_time import HORIZON_DAYS, Calendar, business_minutes
from access.rule_conditions import Clock, calendar_of, idle_minutes
from access.rule_runner import LoadedRule, after_event, loaded
from access.rule_text import DUE, ON_TIME, STATUS
from access.vocabulary import OPEN_STATUSES
from store.models import AuditEvent, Ticket, database_proxy
from store.rows import tuple_rows
from store.rule_models import Rule, RuleRetry

# The most tickets one time rule takes on in one pass; the rest wait for the next.
PASS_LIMIT = 1000
# How often a due rule tries an escalation its owner was refused, before it gives it up.
ESCALATION_TRIES = 3


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


def run_due_rules(clock: Clock, page: int = PASS_LIMIT) -> int:
    """Each due time rule over its tickets (at most `page` new ones a rule), as its owner
    (`access.rule_runner`); how many tickets they were tried on."""
    tried = 0
    for row, rule in due_rules(clock.now):
        if due_window(rule) is None:
            numbers = due_tickets(rule, clock, scope.TRUE, page)
            after_event(ON_TIME, numbers, only=rule, clock=clock)
            with database_proxy.atomic():
                Rule.update(last_run_at=clock.now).where(Rule.id == row.id).execute()
        else:
            numbers = _escalate(row, rule, clock, page)
        tried += len(numbers)
    return tried


def _escalate(row: Rule, rule: LoadedRule, clock: Clock, page: int) -> list[int]:
    """One pass of a due rule: its new tickets and the refused ones to try again; the rule's
    place moves on before it acts (a pass that fails is not repeated on the same tickets)."""
    fresh, ran_until, last_ticket = _escalations(rule, clock, row, page)
    retries = _retries(rule.id)
    numbers = list(dict.fromkeys([*fresh, *retries]))
    with database_proxy.atomic():
        Rule.update(last_run_at=ran_until, last_ticket=last_ticket).where(
            Rule.id == row.id
        ).execute()
    if not numbers:
        return numbers
    before = AuditEvent.select(peewee.fn.MAX(AuditEvent.id)).scalar() or 0
    after_event(ON_TIME, numbers, only=rule, clock=clock)
    query = (
        AuditEvent.select(AuditEvent.ticket, AuditEvent.after)
        .where(
            (AuditEvent.target_kind == "rule")
            & (AuditEvent.target_id == rule.id)
            & (AuditEvent.id > before)
            & (AuditEvent.action == RULE_SKIPPED)
        )
        .order_by(AuditEvent.id)
    )
    refused = {number: str(json.loads(why)) for number, why in tuple_rows(query)}
    _count_refusals(rule, numbers, refused, retries)
    return numbers


def _retries(rule_id: int) -> dict[int, tuple[int, int]]:
    """The rule's refused escalations to try again, by ticket: (retry row, tries so far); those
    whose ticket has a new due time since are forgotten (a new due time is a new escalation)."""
    rows = tuple_rows(
        RuleRetry.select(
            RuleRetry.id, RuleRetry.ticket, RuleRetry.tries, Ticket.due_at, RuleRetry.due_at
        )
        .join(Ticket, on=(RuleRetry.ticket == Ticket.number))
        .where(RuleRetry.rule == rule_id)
    )
    kept: dict[int, tuple[int, int]] = {}
    stale = []
    for ident, number, tries, due_at, refused_at in rows:
        if due_at == refused_at:
            kept[number] = (ident, tries)
        else:
            stale.append(ident)
    if stale:
        with database_proxy.atomic():
            RuleRetry.delete().where(RuleRetry.id.in_(stale)).execute()
    return kept


def _count_refusals(
    rule: LoadedRule,
    numbers: list[int],
    refused: dict[int, str],
    retries: dict[int, tuple[int, int]],
) -> None:
    """After a pass: each refused ticket counted, given up at `ESCALATION_TRIES` (audited);
    a retried one no longer refused (done, or no longer matching) forgotten."""
    due = dict(
        tuple_rows(Ticket.select(Ticket.number, Ticket.due_at).where(Ticket.number.in_(numbers)))
    )
    with database_proxy.atomic():
        for number in numbers:
            ident, tries = retries.get(number, (None, 0))
            if number not in refused:
                if ident is not None:
                    RuleRetry.delete().where(RuleRetry.id == ident).execute()
                continue
            tries += 1
            if tries >= ESCALATION_TRIES:
                why = f"rule {rule.name} gave up on #{number} after {tries} refusals: "
                audit.record(
                    rule.owner_id, RULE_GAVE_UP, "rule", rule.id, ticket=number,
                    after=why + refused[number].removeprefix(f"rule {rule.name} skipped: "),
                )  # fmt: skip
                RuleRetry.delete().where(
                    (RuleRetry.rule == rule.id) & (RuleRetry.ticket == number)
                ).execute()
            elif ident is None:
                RuleRetry.create(rule=rule.id, ticket=number, due_at=due[number], tries=tries)
            else:
                RuleRetry.update(tries=tries).where(RuleRetry.id == ident).execute()


def due_window(rule: LoadedRule) -> int | None:
    """The minutes before a due time in which a due rule acts (0: once breached); None for an
    idle rule."""
    return next((int(c["minutes"]) for c in rule.conditions if c["key"] == DUE), None)


def _escalations(
    rule: LoadedRule, clock: Clock, row: Rule, page: int
) -> tuple[list[int], datetime, int]:
    """A due rule's new tickets for this pass, the moment the pass counts as run until, and
    the last ticket taken at that moment's due time when the pass stopped at `page`."""
    window = timedelta(minutes=due_window(rule) or 0)
    since = None if row.last_run_at is None else row.last_run_at + window
    after = row.last_ticket if since is not None else 0
    found = _by_due_time(clock.now + window, since, scope.TRUE, page, after)
    if len(found) < page:
        ran_until, last_ticket = clock.now, 0
    else:
        ran_until, last_ticket = found[-1][0] - window, found[-1][1]
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
    return fresh, ran_until, last_ticket


def _by_due_time(
    until: datetime, since: datetime | None, within: peewee.ColumnBase, limit: int, after: int = 0
) -> list[tuple[datetime, int]]:
    """(due time, number) of the tickets not resolved or closed due by `until` (and from
    `since`, past ticket `after` among those due at `since`), earliest first: a range of the
    (status, due time) index per status. A resolved ticket keeps a due time its stopped clock
    had passed, but is done, as the breached filter (`access.inbox.is_breached`) has it."""
    where = (Ticket.due_at <= until) & Ticket.status.in_(list(OPEN_STATUSES)) & within
    if since is not None:
        where &= Ticket.due_at >= since
        if after:
            where &= (Ticket.due_at > since) | (Ticket.number > after)
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
