"""The demo's rules, so that a newcomer sees rules at work: Returns tickets given out
round-robin, tickets about a refund raised to high priority, resolved tickets closed after
seven days. Owned by the administrator, written as `ticketty rules add` keeps them."""

from __future__ import annotations

import json

from access.rule_cache import rules_changed
from access.rule_text import checked_rule
from store.rule_models import Rule

# Name, event (None: a time rule, tried every hour), conditions, actions.
DEMO_RULES: list[tuple[str, str | None, list[str], list[str]]] = [
    ("Returns round-robin", "created", ["group=Returns"], ["assign:round-robin"]),
    ("Refund triage", "created", ["words=refund"], ["priority:high"]),
    ("Auto-close", None, ["status=resolved", "idle=7d"], ["status:closed"]),
]


def seed_rules(owner: int) -> None:
    for position, (name, on, conditions, actions) in enumerate(DEMO_RULES, start=1):
        written = checked_rule(on, None if on else "1h", conditions, actions)
        Rule.create(
            name=name,
            owner=owner,
            trigger=written.trigger,
            conditions=json.dumps(written.conditions, sort_keys=True),
            actions=json.dumps(written.actions, sort_keys=True),
            position=position,
            every_minutes=written.every_minutes,
        )
    rules_changed()
