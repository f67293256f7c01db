"""The active event rules of each trigger, compiled once per version of the rules: every change
of a ticket asks for them, and reading and decoding every rule at each change costs more than
the change itself.

The version is a token in the desk's settings (`rules.version`), new at every write to the
rules (`rules_changed`, in that write's transaction), so a rule changed by another process is
seen at its next event: asking costs one read by primary key. A database with no token yet
(rules written before it existed) is read afresh every time; migration 24 gives every
database one."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import peewee

from access.rule_conditions import calendar_of, needs_of
from access.rule_text import REPLY, Kept
from access.vocabulary import NOTE
from store.models import database_proxy
from store.prepared import PreparedSelect
from store.rows import tuple_rows
from store.rule_models import RULES_VERSION_SETTING, Rule
from store.tag_models import DeskSetting

VERSION_SETTING = RULES_VERSION_SETTING


@dataclass(frozen=True)
class LoadedRule:
    """A rule as the runner applies it: `calendar` the id its conditions count in, `needs`
    the costlier facts they read, `messages` how many of its actions write a note or a
    reply on a ticket."""

    id: int
    name: str
    owner_id: int
    conditions: list[Kept]
    actions: list[Kept]
    calendar: int | None
    needs: frozenset[str]
    messages: int


def compiled(ident: int, name: str, owner_id: int, conditions: str, actions: str) -> LoadedRule:
    kept = json.loads(conditions)
    needs = frozenset(needs_of(kept))
    done: list[Kept] = json.loads(actions)
    messages = sum(1 for action in done if action["do"] in (NOTE, REPLY))
    return LoadedRule(ident, name, owner_id, kept, done, calendar_of(kept), needs, messages)


_TOKEN = PreparedSelect(
    lambda key: DeskSetting.select(DeskSetting.value).where(DeskSetting.key == key)
)

# database: (version token, trigger: its active rules, in order).
_cache: dict[str, tuple[str, dict[str, list[LoadedRule]]]] = {}


def rules_changed() -> None:
    """A new version of the rules: called inside the transaction of every write to them."""
    token = uuid.uuid4().hex
    DeskSetting.insert(key=VERSION_SETTING, value=token).on_conflict(
        conflict_target=[DeskSetting.key], update={DeskSetting.value: token}
    ).execute()


def active_rules(trigger: str) -> list[LoadedRule]:
    """The active rules of `trigger`, in order: one statement, whether they are held (the
    token read) or not (the token read with them); two when the rules changed since."""
    database = str(database_proxy.obj.database)
    held = _cache.get(database)
    if held is not None and trigger in held[1]:
        found = _TOKEN.first(VERSION_SETTING)
        if found is not None and str(found[0]) == held[0]:
            return held[1][trigger]
    token, rules = _read_with_token(trigger)
    if token is None:
        return rules
    if held is None or held[0] != token:
        _cache.clear()  # one version per process is enough: older ones are never asked again
        held = _cache[database] = (token, {})
    held[1][trigger] = rules
    return rules


def _read_with_token(trigger: str) -> tuple[str | None, list[LoadedRule]]:
    """The version token with the rules of `trigger` (no token: the rules alone, read
    again)."""
    on = (Rule.trigger == trigger) & (Rule.active == True)  # noqa: E712
    query = (
        DeskSetting.select(
            DeskSetting.value, Rule.id, Rule.name, Rule.owner, Rule.conditions, Rule.actions
        )
        .join(Rule, peewee.JOIN.LEFT_OUTER, on=on)
        .where(DeskSetting.key == VERSION_SETTING)
        .order_by(Rule.position, Rule.id)
    )
    rows = list(tuple_rows(query))
    if not rows:
        return None, _read(trigger)
    return str(rows[0][0]), [compiled(*row[1:]) for row in rows if row[1] is not None]


def _read(trigger: str) -> list[LoadedRule]:
    """Through the (trigger, active, position) index."""
    rows = (
        Rule.select(Rule.id, Rule.name, Rule.owner, Rule.conditions, Rule.actions)
        .where((Rule.trigger == trigger) & (Rule.active == True))  # noqa: E712
        .order_by(Rule.position, Rule.id)
    )
    return [compiled(*row) for row in tuple_rows(rows)]
