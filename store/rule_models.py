"""Automation rules, how usergroups give out tickets, and who is away (migration 18)."""

from __future__ import annotations

from peewee import (
    SQL,
    AutoField,
    BooleanField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from store.models import BaseModel, Person, Ticket, Usergroup, utcnow

# The desk setting whose value changes with every write to the rules (`access.rule_cache`).
RULES_VERSION_SETTING = "rules.version"


class Rule(BaseModel):
    """An automation rule, acting as its owner. `trigger` is the event it answers (created,
    customer, status, priority, usergroup, assignee) or `time`; `conditions` and `actions`
    are JSON lists of [name, value] pairs as kept (usergroups, sources and calendars by id,
    people by id). `position` is the order rules run in, 1 first; `every_minutes` how often a
    time rule is tried, `last_run_at` when it last was."""

    id = AutoField()
    owner_id: int
    name = TextField(unique=True)
    owner = ForeignKeyField(Person, on_delete="RESTRICT", index=False)
    trigger = TextField()
    conditions = TextField(default="[]")
    actions = TextField(default="[]")
    position = IntegerField()
    active = BooleanField(default=True)
    every_minutes = IntegerField(default=0)
    last_run_at = DateTimeField(null=True)
    # A due rule's pass stopped at its limit among tickets due at one time: the last ticket
    # taken there, the next pass goes on after it (0: none; migration 29).
    last_ticket = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])
    version = IntegerField(default=1)  # everything above but the position and the last run

    class Meta:
        indexes = ((("trigger", "active", "position"), False), (("owner",), False))


class AssignmentSetting(BaseModel):
    """How a usergroup's tickets are given out automatically: `mode` (round-robin or
    least-loaded), `cap` of open tickets per agent (0: none), and the round-robin cursor (the
    id of the person given the last ticket)."""

    id = AutoField()
    usergroup_id: int
    usergroup = ForeignKeyField(Usergroup, unique=True, on_delete="CASCADE")
    mode = TextField()
    cap = IntegerField(default=0)
    cursor = IntegerField(default=0)


class AwayMark(BaseModel):
    """An agent who is away: automatic assignment passes them by until they are back."""

    id = AutoField()
    person_id: int
    person = ForeignKeyField(Person, unique=True, on_delete="CASCADE")
    since = DateTimeField(default=utcnow)


class RuleRetry(BaseModel):
    """A due rule's escalation of a ticket that its owner was refused: tried again on later
    passes while the ticket keeps `due_at`, `tries` counting the refusals (migration 29)."""

    id = AutoField()
    rule_id: int
    ticket_id: int
    rule = ForeignKeyField(Rule, on_delete="CASCADE", index=False)
    ticket = ForeignKeyField(Ticket, on_delete="CASCADE")
    due_at = DateTimeField()
    tries = IntegerField(default=1)

    class Meta:
        indexes = ((("rule", "ticket"), True),)


RULE_MODELS: list[type[BaseModel]] = [Rule, AssignmentSetting, AwayMark]
