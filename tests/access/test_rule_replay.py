"""`rules test` reads only the tickets its rule's plain conditions let through (status,
priority, group, source and tags go into the query; rare words through the search index's
candidates) and stops once it has its first page of matches: what it lists is exactly what
testing every condition on every ticket of the period lists, however the conditions combine and
however many pages it reads."""

from __future__ import annotations

from datetime import timedelta

import peewee
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import access.rules
from access import Gate
from access.demo import DEMO_NOW
from access.rule_conditions import Clock, holds, needs_of, read_facts_where, word_narrowing
from access.rule_runner import loaded
from access.rule_text import WORDS
from store.models import Message, Person, Source, Ticket
from store.rule_models import Rule
from store.words import CUSTOMER, NOTE, REPLY

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
    "words=order",  # common
    "words=xyzzy",  # in no ticket
    "words=fund",  # inside a longer word
    "words=promising",  # only in notes, which the condition does not read
    "words=prosze,zwrot,missing",
    "words=parcel arrived",
    "words=#6",
    "words=dziękujemy",  # the index folds the accent, the condition does not
    "words=αβγ",  # no ASCII letters: the index cannot narrow
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
    monkeypatch.setattr(access.rules, "SCAN_PAGES", 1)  # the index asked after one page
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


# Texts where the lower-cased text the condition reads and the words the index holds differ.
TRICKY = [
    ("Thermometer reads 300 \u212aelvin", "nothing else"),  # the Kelvin sign lower-cases to k
    ("TAXİ ordered", "İstanbul airport"),  # İ lower-cases to i and a combining dot
    ("A question", "it is nonrefundable, isn't it?"),
    ("Long", "x" * 40_000 + "zebrafish"),  # the index keeps a word's first 32,768 bytes
    ("Straße", "Grüße aus Łódź, Œuvre"),
    ("Mixed", "order#6610 and e-mail: late-delivery!"),
    ("Zwrot pieniędzy", "Bitte um RÜCKGABE; zwrot pieniędzy za zamówienie"),
    ("Rückgabe", "zwrot pieniedzy, nie pieniędzy"),
]
TRICKY_WORDS = [
    "kelvin", "elvi", "taxi", "i", "stanbul", "refund", "nonrefundable", "zebrafish",
    "strasse", "straße", "łódź", "lodz", "uvre", "#661", "e-mail", "late-delivery", "y!",
    "only-in-a-reply", "older", "a note", "zwrot pieniędzy", "rückgabe", "ückga",
    "pieniędzy za", "wrot pienię",
]  # fmt: skip
# Words with letters outside ASCII that still have ASCII letters for the index to narrow by.
NARROWED_OUTSIDE_ASCII = ["zwrot pieniędzy", "rückgabe", "pieniędzy za"]


def test_a_replay_of_words_the_index_folds_lists_what_testing_every_ticket_lists(
    ada: Gate,
) -> None:
    requester = Person.select().where(Person.username == "ada").get().id
    source = Source.select().get().id
    for subject, body in TRICKY:
        number = Ticket.create(subject=subject, source=source, requester=requester).number
        Message.create(ticket=number, kind=CUSTOMER, author=requester, body=body)
    number = Ticket.create(subject="Later", source=source, requester=requester).number
    for kind, body in [
        (CUSTOMER, "an older message"),
        (REPLY, "only-in-a-reply"),
        (NOTE, "a note"),
        (CUSTOMER, "the newest"),
    ]:
        Message.create(ticket=number, kind=kind, author=requester, body=body)
    for n, word in enumerate(TRICKY_WORDS):
        name = f"tricky {n}"
        ada.rules.create_rule(
            name, on="status", conditions=[f"words={word}"], actions=["priority:low"]
        )
        tried = [t.number for t in ada.rules.try_rule(name, f"{SINCE}d")]
        assert tried == every_ticket_tested(name), word
    every = Ticket.select().count()
    for word in NARROWED_OUTSIDE_ASCII:
        candidates = word_narrowing([{"key": WORDS, "any": [word]}])
        assert candidates is not None, word
        assert Ticket.select().where(candidates).count() < every, word
