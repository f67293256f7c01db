"""Rules through the gate (`gate.rules`): seen with `rules.list`, changed with `rules.edit`,
versioned and audited like service-level policies; in the order they run in.

A rule belongs to the person who adds it and acts as that person (`access.rule_runner`), so
nobody gains through a rule a right they do not hold: taking over a rule (`take_over_rule`)
makes the taker its owner, audited, and it acts with the taker's rights from then on.
`try_rule` replays a rule over the tickets of a past period, writing nothing; `run_time_rules`
is the pass `ticketty serve` makes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any, NamedTuple

import peewee

from access import scope
from access.audit_actions import RULE_CHANGE, RULE_CREATE, RULE_DELETE, RULE_MOVE
from access.catalogue import RULES_EDIT, RULES_LIST
from access.errors import InvalidInput, NoChange, NotFound
from access.grants import Grants, read_grants
from access.lookup import require_free_name
from access.ordering import in_order, move_to, renumber
from access.request import Part, Request
from access.rule_cache import rules_changed
from access.rule_conditions import (
    FACTS_CHUNK,
    Clock,
    Facts,
    holds,
    narrowing,
    needs_of,
    read_facts,
    read_facts_where,
    word_narrowing,
)
from access.rule_notices import notify_about, owned_rule
from access.rule_runner import loaded
from access.rule_text import (
    ON_CREATED,
    ON_TIME,
    WORDS,
    Kept,
    Names,
    checked_rule,
    period_minutes,
    shown_action,
    shown_condition,
)
from access.rule_time import due_tickets, run_due_rules
from access.tickets import parse_number
from access.validation import checked_name
from access.versions import bump, check_fresh
from store.models import Person, Ticket
from store.rule_models import Rule

# The most tickets `try_rule` lists.
TRY_LIMIT = 500
# Pages of a replay read before a `words=` rule's words are looked up in the search index: at a
# rate of matches that would take more pages to fill the list, the words are rare.
SCAN_PAGES = 40


class RuleView(NamedTuple):
    name: str
    position: int  # in the order rules run, 1 first
    owner: str
    trigger: str
    every_minutes: int
    conditions: tuple[str, ...]
    actions: tuple[str, ...]
    active: bool
    version: int

    def logged(self) -> dict[str, Any]:
        fields = self._asdict()
        del fields["version"], fields["position"]
        return {k: list(v) if isinstance(v, tuple) else v for k, v in fields.items()}


class TriedTicket(NamedTuple):
    """A past ticket the rule would have matched, and what it would have done there."""

    number: int
    subject: str
    would: tuple[str, ...]


class RuleAdmin(Part):
    """`gate.rules`."""

    def list_rules(self) -> list[RuleView]:
        self._open().require(RULES_LIST)
        names = Names()
        return [_read(row, names) for row in in_order(Rule)]

    def get_rule(self, name: str) -> RuleView:
        self._open().require(RULES_LIST)
        return _read(_rule_named(name), Names())

    def create_rule(
        self,
        name: str,
        *,
        on: str | None = None,
        every: str | None = None,
        conditions: Iterable[str] = (),
        actions: Iterable[str] = (),
    ) -> RuleView:
        """A rule last in the order, owned by this person: `on` an event (or `every` so long, a
        time rule), `conditions` such as `group=Returns`, `actions` such as
        `assign:round-robin` (`access.rule_text`)."""
        request = self._open()
        grants = request.require(RULES_EDIT)
        name = checked_name(name, "rule name")
        with request.writing():
            written = checked_rule(on, every, conditions, actions)
            require_free_name(Rule.name, name, "rule")
            row = Rule.create(
                name=name,
                owner=grants.person_id,
                trigger=written.trigger,
                conditions=_json(written.conditions),
                actions=_json(written.actions),
                position=Rule.select().count() + 1,
                every_minutes=written.every_minutes,
            )
            rules_changed()
            view = _read(Rule.get_by_id(row.id), Names())
            request.record(RULE_CREATE, "rule", row.id, after=view.logged())
        return view

    def set_rule_active(
        self, name: str, active: bool, *, expected_version: int | None = None
    ) -> RuleView:
        """Enable or disable a rule; a disabled rule keeps its place and does nothing."""
        request = self._open()
        request.require(RULES_EDIT)
        with request.writing():
            row = _rule_named(name)
            if row.active == active:
                state = "enabled" if active else "disabled"
                raise NoChange(f"rule {name} is already {state}; nothing changed")
            return _changed(request, row, {Rule.active: active}, expected_version)

    def take_over_rule(self, name: str, *, expected_version: int | None = None) -> RuleView:
        """This person becomes the rule's owner: it acts with their rights from now on."""
        request = self._open()
        grants = request.require(RULES_EDIT)
        with request.writing():
            row = _rule_named(name)
            if row.owner_id == grants.person_id:
                raise NoChange(f"rule {name} is already yours; nothing changed")
            return _changed(request, row, {Rule.owner: grants.person_id}, expected_version)

    def move_rule(self, name: str, position: int) -> list[RuleView]:
        """Put a rule at `position` in the order (1 first; past the end: last)."""
        request = self._open()
        request.require(RULES_EDIT)
        with request.writing():
            row = _rule_named(name)
            new_position = move_to(row, position, f"rule {name}")
            rules_changed()
            request.record(RULE_MOVE, "rule", row.id, before=row.position, after=new_position)
            names = Names()
            return [_read(r, names) for r in in_order(Rule)]

    def delete_rule(self, name: str, *, expected_version: int | None = None) -> None:
        request = self._open()
        request.require(RULES_EDIT)
        with request.writing():
            row = _rule_named(name)
            check_fresh(row, expected_version, f"rule {name}")
            before = _read(row, Names())
            Rule.delete().where(Rule.id == row.id).execute()
            renumber(in_order(Rule))
            rules_changed()
            request.record(RULE_DELETE, "rule", row.id, before=before.logged())

    def try_rule(self, name: str, since: str) -> list[TriedTicket]:
        """The tickets of the last `since` (`30d`) that the rule would have matched, as they
        are now, and what it would have done: only tickets both this person and the rule's
        owner see. Writes nothing. A time rule lists the tickets due now."""
        request = self._open()
        grants = request.require(RULES_LIST)
        row = _rule_named(name)
        (rule,) = loaded([row])
        owner = _owner_grants(row)
        start = request.now - timedelta(minutes=period_minutes(since, "--since"))
        seen = scope.visible(grants) & scope.visible(owner)
        clock = Clock.of(request.session.clock)
        needs = needs_of(rule.conditions)
        names = Names()
        would = tuple(shown_action(a, names) for a in rule.actions)
        if row.trigger == ON_TIME:
            within = Ticket.number.in_(Ticket.select(Ticket.number).where(seen))
            due = read_facts(due_tickets(rule, clock, within, TRY_LIMIT), needs).values()
            matched = [f for f in due if holds(rule.conditions, f, clock)]
        else:
            period = Ticket.updated_at >= start
            if row.trigger == ON_CREATED:
                period &= Ticket.created_at >= start
            matched = _replayed(rule.conditions, period & seen, needs, clock)
        return sorted(TriedTicket(f.number, f.subject, would) for f in matched)[:TRY_LIMIT]

    def notify(self, number: int | str, whom: str | None, rule: str) -> list[str]:
        """The `notify:` action of `rule`, a rule of this person: notify `whom` (a username;
        None: the supervisors of the ticket's usergroup) of ticket `number`, which this
        person must see (`access.rule_notices`); the usernames notified. Needs `rules.edit`,
        as writing the rule did: nobody notifies in a rule's name without it."""
        request = self._open()
        request.require(RULES_EDIT)
        with request.writing():
            grants, name = owned_rule(request, rule)
            return notify_about(grants, parse_number(number), whom, name, request.clock())

    def run_time_rules(self) -> int:
        """The time rules that are due, each over its tickets (`access.rule_time`); the
        number of tickets they were tried on. Asked by `ticketty serve`'s person, who needs
        `rules.list`; each rule acts as its own owner."""
        request = self._open()
        request.require(RULES_LIST)
        return run_due_rules(Clock.of(request.session.clock))


def _replayed(
    conditions: Sequence[Kept], where: peewee.ColumnBase, needs: set[str], clock: Clock
) -> list[Facts]:
    """The first `TRY_LIMIT` tickets by number that `where` selects and the conditions hold
    on, read a page at a time and only as far as needed. Once the pages read show that the
    rule's words are rare (the limit would take over SCAN_PAGES pages at the rate seen), the
    rest is read among the search index's candidates for them (`word_narrowing`)."""
    where &= narrowing(conditions)
    matched: list[Facts] = []
    after, pages = 0, 0
    asked = WORDS not in needs
    while len(matched) < TRY_LIMIT:
        page = read_facts_where(where, needs, after=after, limit=FACTS_CHUNK)
        matched += [f for f in page if holds(conditions, f, clock)]
        if len(page) < FACTS_CHUNK:
            break
        after, pages = page[-1].number, pages + 1
        if not asked and len(matched) * SCAN_PAGES < TRY_LIMIT * pages:
            asked, candidates = True, word_narrowing(conditions)
            if candidates is not None:
                where &= candidates
    return matched[:TRY_LIMIT]


def _owner_grants(row: Rule) -> Grants:
    grants = read_grants(Person.id == row.owner_id)
    if grants is None or not grants.active:
        raise InvalidInput(f"the owner of rule {row.name} is deactivated; it does nothing")
    return grants


def _changed(
    request: Request, row: Rule, changes: dict[Any, Any], expected_version: int | None
) -> RuleView:
    before = _read(row, Names())
    Rule.update(changes).where(Rule.id == row.id).execute()
    version = bump(row, expected_version, f"rule {row.name}")
    rules_changed()
    after = _read(Rule.get_by_id(row.id), Names())
    diff = {k: v for k, v in after.logged().items() if before.logged()[k] != v}
    request.record(
        RULE_CHANGE, "rule", row.id, before={k: before.logged()[k] for k in diff}, after=diff
    )
    return after._replace(version=version)


def _rule_named(name: str) -> Rule:
    row = Rule.get_or_none(Rule.name == name)
    if row is None:
        raise NotFound(f"no rule named {name!r}")
    return row


def _json(values: list[dict[str, Any]]) -> str:
    return json.dumps(values, sort_keys=True)


def _read(row: Rule, names: Names) -> RuleView:
    return RuleView(
        name=row.name,
        position=row.position,
        owner=names.of("person", row.owner_id),
        trigger=row.trigger,
        every_minutes=row.every_minutes,
        conditions=tuple(shown_condition(c, names) for c in json.loads(row.conditions)),
        actions=tuple(shown_action(a, names) for a in json.loads(row.actions)),
        active=row.active,
        version=row.version,
    )
