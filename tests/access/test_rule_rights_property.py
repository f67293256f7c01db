"""A rule's actions stay within its owner's rights, as a property: a random owner (random
ticket rights, sources and ticket scope, member of random groups) owns a rule of random actions;
it runs on a random demo ticket; whatever the ticket shows changed afterwards, the owner held
the right for it on that ticket before (and saw it). Each example runs in a transaction rolled
back at its end."""

from __future__ import annotations

import json
from collections.abc import Mapping

import peewee
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from access import rule_runner, scope
from access.catalogue import PERMISSIONS
from access.delegation import grants_of
from access.rule_cache import rules_changed
from access.rule_conditions import Clock
from access.rule_text import ON_CREATED, checked_rule
from store.models import GroupMember, Message, Source, Ticket, Usergroup
from store.rows import tuple_rows
from store.rule_models import Rule
from store.tag_models import Tag, TicketTag
from tests import builders

TICKET_RIGHTS = sorted(k for k in PERMISSIONS if k.startswith("tickets."))
# Each action, the right it needs on the ticket, and how the ticket shows it was done.
ACTIONS = {
    "priority:urgent": "tickets.change_status",
    "status:pending": "tickets.change_status",
    "status:closed": "tickets.close",
    "tag:by-rule": "tickets.tag",
    "note:seen by a rule": "tickets.note",
    "reply:Need order number": "tickets.reply",
    "assign:ola": "tickets.assign",
}
MOVE = "move:Accounting"  # last when drawn: a move changes what the scope reaches


def done(number: int, owner: int, before: Mapping[str, object]) -> set[str]:
    """The actions the ticket shows done since `before` (its state then)."""
    ticket = Ticket.get_by_id(number)
    kinds = dict(
        tuple_rows(
            Message.select(Message.kind, peewee.fn.COUNT(Message.id))
            .where((Message.ticket == number) & (Message.author == owner))
            .group_by(Message.kind)
        )
    )
    tagged = (
        TicketTag.select()
        .join(Tag, on=(TicketTag.tag == Tag.id))
        .where((TicketTag.ticket == number) & (Tag.name == "by-rule"))
        .exists()
    )
    seen = {
        "priority:urgent": ticket.priority == "urgent" != before["priority"],
        "status:pending": ticket.status == "pending" != before["status"],
        "status:closed": ticket.status == "closed" != before["status"],
        "tag:by-rule": tagged,
        "note:seen by a rule": kinds.get("note", 0) > 0,
        "reply:Need order number": kinds.get("reply", 0) > 0,
        "assign:ola": ticket.assignee_id != before["assignee"] and ticket.assignee_id is not None,
        MOVE: ticket.usergroup_id != before["usergroup"],
    }
    return {action for action, happened in seen.items() if happened}


def holds_on(person: int, number: int) -> set[str]:
    grants = grants_of(person)
    assert grants is not None
    flags = [peewee.Case(None, [(scope.visible(grants), 1)], 0)] + [
        peewee.Case(None, [(scope.counts_on_visible(grants, r), 1)], 0) for r in TICKET_RIGHTS
    ]
    (row,) = tuple_rows(Ticket.select(*flags).where(Ticket.number == number))
    if not row[0]:  # `scope.may`: the tickets seen on which the right counts
        return set()
    return {"sees"} | {r for r, flag in zip(TICKET_RIGHTS, row[1:], strict=True) if flag}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_a_rules_actions_stay_within_its_owners_rights(demo_db: peewee.Database, data) -> None:
    with demo_db.atomic() as example:
        Rule.update(active=False).execute()
        sources = [s for (s,) in tuple_rows(Source.select(Source.id).order_by(Source.id))]
        groups = [g for (g,) in tuple_rows(Usergroup.select(Usergroup.id).order_by(Usergroup.id))]
        owner = builders.person("owner")
        if data.draw(st.integers(0, 3)) > 0:  # mostly all but a few: the refusals that count
            rights = set(TICKET_RIGHTS) - data.draw(
                st.sets(st.sampled_from(TICKET_RIGHTS), max_size=3)
            )
        else:
            rights = data.draw(st.sets(st.sampled_from(TICKET_RIGHTS)))
        builders.role(
            "Owner role",
            rights,
            sources=data.draw(st.none() | st.sets(st.sampled_from(sources), max_size=2)),
            scope=data.draw(st.sampled_from(["all", "usergroups", "own"])),
            holders=[owner],
        )
        for group in data.draw(st.sets(st.sampled_from(groups), max_size=2)):
            GroupMember.create(usergroup=group, person=owner)
        actions = data.draw(st.lists(st.sampled_from(sorted(ACTIONS)), min_size=1, max_size=3))
        if data.draw(st.booleans()):
            actions.append(MOVE)
        actions = list(dict.fromkeys(actions))
        written = checked_rule(ON_CREATED, None, [], actions)
        Rule.create(
            name="Random",
            owner=owner,
            trigger=written.trigger,
            conditions=json.dumps(written.conditions),
            actions=json.dumps(written.actions),
            position=Rule.select().count() + 1,
        )
        rules_changed()
        numbers = [n for (n,) in tuple_rows(Ticket.select(Ticket.number))]
        number = data.draw(st.sampled_from(numbers))
        row = Ticket.get_by_id(number)
        before = {
            "priority": row.priority,
            "status": row.status,
            "assignee": row.assignee_id,
            "usergroup": row.usergroup_id,
        }
        held = holds_on(owner, number)
        rule_runner.after_event(ON_CREATED, [number], clock=Clock())
        did = done(number, owner, before)
        for action in did:
            needs = "tickets.change_group" if action == MOVE else ACTIONS[action]
            assert {"sees", needs} <= held, f"{action} done by a rule of one holding {held}"
        assert did <= set(actions)
        example.rollback()
