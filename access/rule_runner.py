"""Running rules: after an event has committed, the active rules of its trigger, in order, on
each of its tickets; each action done as the rule's owner through the gate, in its own
transaction with an audit event naming the rule (`rule.acted`).

A rule acts as its owner: the owner's session is opened for the action (a deactivated owner
opens none), the rule passes by tickets its owner cannot see, and every action is the gate's
own call as that person, with that call's checks. A refused action is written nowhere: its
transaction rolls back, and `rule.skipped` says why ("rule Returns skipped: ada lacks
tickets.assign on ticket #12"); the rule's later actions on that ticket are not tried.

No loops. Rules run in rounds: the changes a round makes are the events of the next. The same
rule acts at most once on a ticket within one cascade (the first event and the rounds it
causes), so two rules that undo each other stop after each acted once; the events of a round
are merged (one per event and ticket); and after `MAX_ROUNDS` rounds the events left are not
run at all. Both stops are audited (`rule.stopped`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from access import audit, scope
from access.audit_actions import RULE_ACTED, RULE_SKIPPED, RULE_STOPPED
from access.auto_assign import advance, pick
from access.change_pipeline import TicketChanges
from access.errors import InvalidInput, NoChange, NotFound
from access.messages import Messages
from access.request import Request, Session
from access.rule_conditions import Clock, Facts, holds, needs_of, read_facts
from access.rule_text import ASSIGN, MOVE, SET_PRIORITY, SET_STATUS, Kept
from access.vocabulary import NOTE
from store.errors import TickettyError
from store.models import Person, Ticket, Usergroup, database_proxy
from store.rows import tuple_rows
from store.rule_models import Rule

# Rounds of rules one event may set off: its own, and two more caused by rules' changes.
MAX_ROUNDS = 3


@dataclass(frozen=True)
class LoadedRule:
    """A rule as the runner applies it."""

    id: int
    name: str
    owner_id: int
    owner: str
    conditions: list[Kept]
    actions: list[Kept]


@dataclass
class Cascade:
    """One event and the rounds of rule events it causes, on this thread."""

    clock: Clock = field(default_factory=Clock)
    pending: dict[str, dict[int, None]] = field(default_factory=dict)  # event: tickets
    acted: set[tuple[int, int]] = field(default_factory=set)  # (rule, ticket)
    sessions: dict[str, Session | str] = field(default_factory=dict)  # or why none


_local = threading.local()


def loaded(rows: Sequence[Rule]) -> list[LoadedRule]:
    return [
        LoadedRule(
            row.id,
            row.name,
            row.owner_id,
            row.owner.username,
            json.loads(row.conditions),
            json.loads(row.actions),
        )
        for row in rows
    ]


def active_rules(trigger: str) -> list[LoadedRule]:
    """The active rules of `trigger`, in order (through the (trigger, active, position) index),
    read as plain rows: every change of a ticket asks for them."""
    rows = (
        Rule.select(Rule.id, Rule.name, Rule.owner, Person.username, Rule.conditions, Rule.actions)
        .join(Person, on=(Rule.owner == Person.id))
        .where((Rule.trigger == trigger) & (Rule.active == True))  # noqa: E712
        .order_by(Rule.position, Rule.id)
    )
    return [
        LoadedRule(ident, name, owner_id, owner, json.loads(conditions), json.loads(actions))
        for ident, name, owner_id, owner, conditions, actions in tuple_rows(rows)
    ]


def after_event(trigger: str, numbers: Sequence[int], only: LoadedRule | None = None) -> None:
    """Run the rules of `trigger` on these tickets, after the event's transaction committed.
    Inside a rule's action, the event is left for the cascade's next round. `only`: that rule
    alone (a time rule's pass)."""
    numbers = list(numbers)
    if not numbers:
        return
    cascade: Cascade | None = getattr(_local, "cascade", None)
    if cascade is not None:
        cascade.pending.setdefault(trigger, {}).update(dict.fromkeys(numbers))
        return
    rules = [only] if only is not None else active_rules(trigger)
    if not rules:
        return
    cascade = Cascade()
    _local.cascade = cascade
    try:
        _run(cascade, rules, numbers)
        for _round in range(1, MAX_ROUNDS):
            batch, cascade.pending = cascade.pending, {}
            for event, touched in batch.items():
                _run(cascade, active_rules(event), list(touched))
        for event, touched in cascade.pending.items():
            if active_rules(event):
                for number in touched:
                    _stopped(None, number, f"rules stopped on #{number} after {MAX_ROUNDS} rounds")
    finally:
        _local.cascade = None


def _run(cascade: Cascade, rules: list[LoadedRule], numbers: list[int]) -> None:
    if not rules:
        return
    needs = set().union(*(needs_of(rule.conditions) for rule in rules))
    facts = read_facts(list(dict.fromkeys(numbers)), needs)
    for number, fact in facts.items():
        current: Facts | None = fact
        for rule in rules:
            if current is None:
                break  # deleted by a rule before
            if not holds(rule.conditions, current, cascade.clock):
                continue
            if (rule.id, number) in cascade.acted:
                _stopped(rule, number, f"rule {rule.name} not run again on #{number}: "
                                       "it already acted on it for this event")  # fmt: skip
                continue
            cascade.acted.add((rule.id, number))
            if _act(cascade, rule, number):
                current = read_facts([number], needs).get(number)


def _session(cascade: Cascade, rule: LoadedRule) -> Session | str:
    """The owner's session, or why there is none (deactivated)."""
    if rule.owner not in cascade.sessions:
        try:
            cascade.sessions[rule.owner] = Session(database_proxy.obj, rule.owner)
        except TickettyError as exc:
            cascade.sessions[rule.owner] = str(exc)
    return cascade.sessions[rule.owner]


def _act(cascade: Cascade, rule: LoadedRule, number: int) -> bool:
    """The rule's actions on one ticket, as its owner; whether any changed it."""
    session = _session(cascade, rule)
    if isinstance(session, str):
        _skipped(rule, number, f"its owner {session}")
        return False
    try:
        grants = Request(session).grants()
    except TickettyError as exc:
        _skipped(rule, number, f"its owner {exc}")
        return False
    if not Ticket.select().where((Ticket.number == number) & scope.visible(grants)).exists():
        return False  # outside its owner's sight: the rule does not see the ticket
    changed = False
    for action in rule.actions:
        request = Request(session)
        try:
            with request.writing():
                did = _apply(session, number, action)
                after = {"rule": rule.name, "did": did}
                request.record(RULE_ACTED, "rule", rule.id, ticket=number, after=after)
            changed = True
        except NoChange:
            continue
        except TickettyError as exc:
            _skipped(rule, number, str(exc))
            break
    return changed


def _apply(session: Session, number: int, action: Kept) -> str:
    """One action through the gate's own call as the owner; what was done, in words."""
    kind = action["do"]
    changes = TicketChanges(session)
    if kind == ASSIGN:
        if "person" in action:
            username = _username(action["person"])
            changes.assign(number, username)
            return f"assign to {username}"
        return _assign_automatically(changes, number, action)
    if kind == MOVE:
        group = Usergroup.get_or_none(Usergroup.id == action["group"])
        if group is None:
            raise NotFound(f"the usergroup of the rule's move ({action['group']}) was deleted")
        changes.move(number, group.name)
        return f"move to {group.name}"
    if kind == SET_PRIORITY:
        changes.set_priority(number, action["value"])
        return f"priority {action['value']}"
    if kind == SET_STATUS:
        changes.set_status(number, action["value"])
        return f"status {action['value']}"
    if kind == NOTE:
        Messages(session).note(number, action["text"])
        return "note"
    raise InvalidInput(f"unknown action {kind!r}")


def _assign_automatically(changes: TicketChanges, number: int, action: Kept) -> str:
    group_id = action["group"]
    if group_id is None:
        group_id = Ticket.select(Ticket.usergroup).where(Ticket.number == number).scalar()
        if group_id is None:
            raise InvalidInput(f"#{number} has no usergroup to assign in")
    group = Usergroup.get_or_none(Usergroup.id == group_id)
    if group is None:
        raise NotFound(f"the usergroup of the rule's assign ({group_id}) was deleted")
    chosen = pick(number, group_id, action["how"])
    if chosen is None:
        raise NotFound(
            f"nobody in {group.name} is free to take #{number} "
            "(away, at the cap, or unable to work on it)"
        )
    changes.assign(number, chosen.username)
    advance(chosen)
    return f"assign to {chosen.username} ({chosen.mode} in {group.name})"


def _username(person_id: int) -> str:
    name = Person.select(Person.username).where(Person.id == person_id).scalar()
    if name is None:
        raise NotFound(f"the person the rule assigns to ({person_id}) was deleted")
    return str(name)


def _skipped(rule: LoadedRule, number: int, why: str) -> None:
    _log(rule.owner_id, RULE_SKIPPED, rule.id, number, f"rule {rule.name} skipped: {why}")


def _stopped(rule: LoadedRule | None, number: int, why: str) -> None:
    if rule is None:
        _log(None, RULE_STOPPED, None, number, why)
    else:
        _log(rule.owner_id, RULE_STOPPED, rule.id, number, why)


def _log(actor: int | None, action: str, rule_id: int | None, number: int, why: Any) -> None:
    """A rule's refusal or stop, in a transaction of its own (its action wrote nothing)."""
    with database_proxy.atomic():
        audit.record(actor, action, "rule", rule_id, ticket=number, after=why)
