"""Running rules: after an event has committed, the active rules of its trigger, in order, on
its tickets; each action done as the rule's owner through the gate, with an audit event naming
the rule (`rule.acted`).

A rule acts as its owner: the owner's session is opened for the action (a deactivated owner
opens none), the rule passes by tickets its owner cannot see, and every action is checked on
each ticket as that person, with the checks of the gate's own call. A refused action is
written nowhere on that ticket, and `rule.skipped` says why ("rule Returns skipped: ada lacks
tickets.assign on ticket #12"); the rule's later actions on that ticket are not tried.

A round's tickets are taken `ROUND_CHUNK` (a mail batch's, `BATCH_CHUNK`) at a time, each chunk
one write transaction: its lock keeps what the actions read as it was, so the owners' grants,
whether they see a ticket, and the audit chain's head are read once in it and not again per
action. In a chunk the rules
run one after the other, each on the tickets its conditions hold for as the rules before it
left them, and each of its actions is one savepoint over all those tickets
(`rule_batch.apply_many`: a field change one pass of the change pipeline, notes and replies
written in bulk, automatic assignment worked out ticket by ticket in order then written per
person chosen). The chunk's audit events (the actions' own, `rule.acted`, `rule.skipped`) are
chained as they come and written together before it commits. Notifications and notes that
mention someone go a ticket at a time, each in a savepoint (`rule_actions.apply_action`).

No loops. Rules run in rounds: the changes a round makes are the events of the next. The same
rule acts at most once on a ticket within one cascade (the first event and the rounds it
causes), so two rules that undo each other stop after each acted once; the events of a round
are merged (one per event and ticket); and after `MAX_ROUNDS` rounds the events left are not
run at all. Both stops are audited (`rule.stopped`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from access import audit, scope
from access.audit_actions import RULE_ACTED, RULE_HELD, RULE_SKIPPED, RULE_STOPPED
from access.auto_replies import AutoReplyHeld
from access.errors import NoChange, UnknownPerson
from access.request import HeldReads, Request, Session
from access.rule_actions import apply_action
from access.rule_batch import Done, apply_many, batched, holds
from access.rule_cache import LoadedRule, active_rules, compiled
from access.rule_conditions import Clock, Facts, matcher, read_facts
from access.rule_text import DUE, REQUESTER_GROUP, WORDS, Kept
from access.rule_writes import ChunkWrites
from store import dialect
from store.among import among
from store.errors import TickettyError
from store.models import Person, Ticket, database_proxy
from store.prepared import NumbersQuery, padded
from store.rule_models import Rule

# Rounds of rules one event may set off: its own, and two more caused by rules' changes.
MAX_ROUNDS = 3
# Tickets of a round per write transaction: other writers wait for one chunk at most.
ROUND_CHUNK = 50
# The same for the rounds of a mail batch (`after_event(..., batch=True)`): its filing held the
# write lock over the whole batch (up to `access.mailboxes.IMPORT_BATCH` messages), so chunks
# as long keep no writer waiting longer than it just did, and on PostgreSQL each chunk's
# statements, round trips and commit are paid once per batch, not per 50 tickets.
BATCH_CHUNK = 500


@dataclass
class Cascade:
    """One event and the rounds of rule events it causes, on this thread."""

    clock: Clock
    chunk: int  # tickets per write transaction
    pending: dict[str, dict[int, None]] = field(default_factory=dict)  # event: tickets
    acted: set[tuple[int, int]] = field(default_factory=set)  # (rule, ticket)
    sessions: dict[int, Session | str] = field(default_factory=dict)  # by owner, or why none
    # In a chunk's transaction: (owner, ticket): whether the owner sees it, until a rule
    # changes what decides that (`_sight`).
    sight: dict[tuple[int, int], bool] = field(default_factory=dict)
    # In a chunk's transaction: the ticket rows its batched actions hold, and the tickets
    # whose due times they moved.
    writes: ChunkWrites = field(default_factory=ChunkWrites)
    # In a chunk's transaction: what holds its messages' words back (`hold_words`), and
    # whether it may.
    words: ExitStack | None = None
    words_foldable: bool = False

    @contextmanager
    def chunk_transaction(self, words_foldable: bool = False) -> Iterator[None]:
        """One write transaction for a chunk of a round, its audit chain's head and the
        owners' grants and policies (`Session.held`) kept in it and let go with it; its audit
        events held and written together before it commits (`audit.thread_events_held`), and
        so are the ticket rows its actions hold (`rule_writes`). `words_foldable`: its rules
        may write several notes or replies on a ticket (`hold_words`)."""
        try:
            with database_proxy.atomic(), ExitStack() as words:
                self.words, self.words_foldable = words, words_foldable
                with audit.thread_head_held(), audit.thread_events_held():
                    yield
                    self.writes.flush()
        finally:
            self.words, self.words_foldable = None, False
            self.sight.clear()
            self.writes = ChunkWrites()
            for session in self.sessions.values():
                if isinstance(session, Session):
                    session.held = None

    def hold_words(self) -> None:
        """Before a rule's notes or replies, in a chunk whose rules may write several on a
        ticket: from here on, the words of the messages it writes are added to the search
        documents once per ticket as it ends (`dialect.messages_indexed_once`; no action
        makes a document anew). A chunk whose message rules match nothing holds nothing."""
        if self.words_foldable and self.words is not None:
            self.words.enter_context(dialect.messages_indexed_once(database_proxy))
            self.words_foldable = False


_local = threading.local()


def loaded(rows: Sequence[Rule]) -> list[LoadedRule]:
    return [compiled(r.id, r.name, r.owner_id, r.conditions, r.actions) for r in rows]


def after_event(
    trigger: str,
    numbers: Sequence[int],
    *,
    clock: Clock,
    only: LoadedRule | None = None,
    batch: bool = False,
) -> None:
    """Run the rules of `trigger` on these tickets, after the event's transaction committed.
    Inside a rule's action, the event is left for the cascade's next round. `only`: that rule
    alone (a time rule's pass, on its `clock`). `batch`: the tickets of a mail batch filed in
    one transaction, taken `BATCH_CHUNK` at a time (else `ROUND_CHUNK`)."""
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
    cascade = Cascade(clock, BATCH_CHUNK if batch else ROUND_CHUNK)
    _local.cascade = cascade
    try:
        _run(cascade, rules, numbers)
        for _round in range(1, MAX_ROUNDS):
            caused, cascade.pending = cascade.pending, {}
            for event, touched in caused.items():
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
    needs = set().union(*(rule.needs for rule in rules))
    # A ticket gets several messages from a chunk only from several rules' notes and replies:
    # only then are their words worth holding back to add once per ticket.
    messages = sum(rule.messages for rule in rules)
    unique = list(dict.fromkeys(numbers))
    for start in range(0, len(unique), cascade.chunk):
        with cascade.chunk_transaction(words_foldable=messages > 1):
            _run_chunk(cascade, rules, unique[start : start + cascade.chunk], needs)


def _run_chunk(
    cascade: Cascade, rules: list[LoadedRule], numbers: list[int], needs: set[str]
) -> None:
    """Rule after rule, each on the chunk's tickets its conditions hold for as they are after
    the rules before it."""
    facts = read_facts(numbers, needs)
    reads_due = any(c["key"] == DUE for rule in rules for c in rule.conditions)
    for rule in rules:
        matched = []
        test = matcher(rule.conditions, cascade.clock)
        for number in numbers:
            fact = facts.get(number)  # None: deleted by a rule before
            if fact is None or not test(fact):
                continue
            if (rule.id, number) in cascade.acted:
                _stopped(rule, number, f"rule {rule.name} not run again on #{number}: "
                                       "it already acted on it for this event")  # fmt: skip
                continue
            cascade.acted.add((rule.id, number))
            matched.append(number)
        changed = _act(cascade, rule, matched) if matched else []
        if changed:
            if reads_due:  # the facts read again hold the due times
                cascade.writes.flush()
            # No action writes a customer's message or a subject, a ticket's requester or
            # anyone's groups: the words and the requester's groups stay as read.
            after = read_facts(changed, needs - {WORDS, REQUESTER_GROUP})
            cascade.writes.tickets.overlay(after)
            for number in changed:
                before, current = facts.pop(number), after.get(number)
                if current is not None:
                    current.words = before.words
                    current.requester_groups = before.requester_groups
                    facts[number] = current
                if current is None or _sight(before) != _sight(current):
                    for key in [key for key in cascade.sight if key[1] == number]:
                        del cascade.sight[key]


def _sight(facts: Facts) -> tuple[int, int | None, int | None, int]:
    """What of a ticket decides who sees it (`scope.visible`)."""
    return facts.source, facts.usergroup, facts.assignee, facts.requester


def _session(cascade: Cascade, rule: LoadedRule) -> Session | str:
    """The owner's session, or why there is none (deactivated)."""
    if rule.owner_id not in cascade.sessions:
        username = Person.select(Person.username).where(Person.id == rule.owner_id).scalar()
        try:
            cascade.sessions[rule.owner_id] = Session(
                database_proxy.obj, str(username), cascade.clock.read
            )
        except TickettyError as exc:
            cascade.sessions[rule.owner_id] = str(exc)
    return cascade.sessions[rule.owner_id]


_SIGHT = NumbersQuery()  # `_seen`'s statement, by grants and padded count of tickets


def _seen(cascade: Cascade, session: Session, numbers: list[int]) -> list[int]:
    """Those of `numbers` the owner sees, their grants read once in the chunk's transaction
    and the tickets not yet known in one statement (`UnknownPerson` when they were
    deactivated)."""
    if session.held is None:
        session.held = HeldReads(Request(session).grants())
    person = session.person_id
    unknown = [n for n in numbers if (person, n) not in cascade.sight]
    if unknown:
        grants = session.held.grants
        found = _SIGHT.rows(
            grants,
            padded(unknown),
            lambda listed: (
                Ticket.select(Ticket.number)
                .where(among(Ticket.number, listed) & scope.visible(grants))
                .tuples()
            ),
        )
        visible = {number for (number,) in found}
        cascade.sight.update(((person, n), n in visible) for n in unknown)
    return [n for n in numbers if cascade.sight[(person, n)]]


def _act(cascade: Cascade, rule: LoadedRule, numbers: list[int]) -> list[int]:
    """The rule's actions on the tickets it matched, as its owner, in order; those it
    changed. An action the owner may not take on a ticket is skipped there with the rule's
    later actions on it."""
    session = _session(cascade, rule)
    try:
        if isinstance(session, str):
            raise UnknownPerson(session)
        alive = _seen(cascade, session, numbers)  # outside its owner's sight: not seen
    except TickettyError as exc:
        for number in numbers:
            _skipped(rule, number, f"its owner {exc}")
        return []
    if alive and rule.messages:
        cascade.hold_words()
    changed: dict[int, None] = {}
    for action in rule.actions:
        if not alive:
            break
        if not (batched(action) and holds(action)):
            cascade.writes.write()
        if batched(action):
            done = _act_many(session, rule, action, alive, cascade.writes)
        else:
            audit.write_thread_held()  # an action of its own may read the log
            done = {number: _act_one(session, rule, action, number) for number in alive}
        still = []
        for number in alive:
            outcome = done[number]
            if isinstance(outcome, str):
                changed[number] = None
            elif isinstance(outcome, AutoReplyHeld):  # the other actions still run
                _log(rule.owner_id, RULE_HELD, rule.id, number, f"rule {rule.name} {outcome}")
            elif not isinstance(outcome, NoChange):
                _skipped(rule, number, str(outcome))
                continue
            still.append(number)
        alive = still
    return list(changed)


def _act_many(
    session: Session, rule: LoadedRule, action: Kept, numbers: list[int], writes: ChunkWrites
) -> dict[int, Done]:
    """One action on many tickets in one savepoint, its `rule.acted` events recorded together;
    the ticket rows it held dropped if it rolls back."""
    request = Request(session)
    mark = writes.tickets.mark()
    try:
        with request.writing():
            done = apply_many(request, numbers, action, rule.name, writes)
            # One `after` per outcome, shared by its tickets' events: encoded once.
            outcomes = {did for did in done.values() if isinstance(did, str)}
            acted = {did: _acted(rule, did) for did in outcomes}
            request.record_many(
                [
                    audit.Event(RULE_ACTED, "rule", rule.id, ticket=number, after=acted[did])
                    for number, did in done.items()
                    if isinstance(did, str)
                ]
            )
    except TickettyError as exc:
        writes.tickets.restore(mark)
        return dict.fromkeys(numbers, exc)
    return done


def _act_one(session: Session, rule: LoadedRule, action: Kept, number: int) -> Done:
    """One action on one ticket in a savepoint of its own."""
    request = Request(session)
    try:
        with request.writing():
            did = apply_action(session, number, action, rule.name)
            request.record(RULE_ACTED, "rule", rule.id, ticket=number, after=_acted(rule, did))
    except TickettyError as exc:
        return exc
    return did


def _acted(rule: LoadedRule, did: str) -> dict[str, str]:
    return {"rule": rule.name, "did": did}


def _skipped(rule: LoadedRule, number: int, why: str) -> None:
    _log(rule.owner_id, RULE_SKIPPED, rule.id, number, f"rule {rule.name} skipped: {why}")


def _stopped(rule: LoadedRule | None, number: int, why: str) -> None:
    if rule is None:
        _log(None, RULE_STOPPED, None, number, why)
    else:
        _log(rule.owner_id, RULE_STOPPED, rule.id, number, why)


def _log(actor: int | None, action: str, rule_id: int | None, number: int, why: Any) -> None:
    """A rule's refusal or stop: in a chunk, one of the events its transaction holds
    (`Cascade.chunk_transaction`; the refused action wrote nothing); after the rounds, in a
    transaction of its own."""
    with nullcontext() if database_proxy.in_transaction() else database_proxy.atomic():
        audit.record(actor, action, "rule", rule_id, ticket=number, after=why)
