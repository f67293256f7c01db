"""`rules test` reads only the tickets its rule's plain conditions let through (status,
priority, group, source and tags go into the query) and stops once it has
its first page of matches: what it lists is exactly what testing every condition on every
ticket of the period lists, however the conditions combine and however many pages it reads."""

from __future__ import annotations

from datetime import timedelta

import peewee
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import access.rules
from access import Gate
from access.demo import DEMO_NOW
from access.rule_conditions import Clock, holds, needs_of, read_facts_where
from access.rule_runner import loaded
from store.models import Ticket
from store.rule_models import Rule

NOW = DEMO_NOW + timedelta(hours=2)
SINCE = 366
CONDITIONS = [
    "status=open",
    "status=open,pending",
    "priority=high,urgent",
    "group=Returns",
    "group=none",
    "source=Allegro PL",
    "tag=refund",
    "no-tag=vip",
    "words=refund",
    "priority=low",
    "source=Amazon DE",
]
PAGE, LIMIT = 7, 25


@pytest.fixture
def ada(demo_db: peewee.Database, monkeypatch: pytest.MonkeyPatch) -> Gate:
    """The administrator, replaying with a fixed now, small pages and a short list, so that
    paging and stopping early are exercised on the small demo."""
    monkeypatch.setattr(access.rules, "FACTS_CHUNK", PAGE)
    monkeypatch.setattr(access.rules, "TRY_LIMIT", LIMIT)
    return Gate(demo_db, "ada", clock=lambda: NOW)


def every_ticket_tested(name: str) -> list[int]:
    """The oracle: every ticket read, each condition tested in Python."""
    (rule,) = loaded([Rule.get(Rule.name == name)])
    clock = Clock(now=NOW)
    period = Ticket.updated_at >= NOW - timedelta(days=SINCE)
    facts = read_facts_where(period, needs_of(rule.conditions))
    return sorted(f.number for f in facts if holds(rule.conditions, f, clock))[:LIMIT]


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    chosen=st.lists(
        st.sampled_from(CONDITIONS), min_size=1, max_size=3, unique_by=lambda c: c.split("=")[0]
    )
)
def test_a_replay_lists_what_testing_every_ticket_lists(ada: Gate, chosen: list[str]) -> None:
    name = "replayed"
    if any(r.name == name for r in ada.rules.list_rules()):
        ada.rules.delete_rule(name)
    ada.rules.create_rule(name, on="status", conditions=chosen, actions=["priority:low"])
    tried = [t.number for t in ada.rules.try_rule(name, f"{SINCE}d")]
    assert tried == every_ticket_tested(name)


def test_a_replay_of_a_common_condition_stops_at_its_limit(ada: Gate) -> None:
    ada.rules.create_rule(
        "open ones", on="status", conditions=["status=open"], actions=["priority:low"]
    )
    tried = [t.number for t in ada.rules.try_rule("open ones", f"{SINCE}d")]
    assert len(tried) == LIMIT
    assert tried == every_ticket_tested("open ones")
