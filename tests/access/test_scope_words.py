"""A word's exact count from the scope tokens of SQLite's index (`access.word_counts`,
`access.scope_fts`) equals the count of the tickets the SQL scope and the filters select, for
random people (group-, source- and own-scoped roles, supervisors, archived sources, admins),
random filters and random changes of the tickets' scope columns, before and after compaction
(`store.scope_words.compact`), the stale tickets asked one by one and walked. PostgreSQL's
counts from bitsets: `tests/access/test_pg_word_bits.py`."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import peewee
import pytest

import access.word_counts
import store.scope_words
from access import Gate
from access.errors import InvalidInput
from access.inbox import _filtered, exact_word_count
from access.views import TicketQuery
from access.vocabulary import SCOPE_ALL, SCOPE_OWN, SCOPE_USERGROUPS
from store import scope_words
from store.models import (
    GroupMember,
    GroupSupervisor,
    Person,
    Source,
    Ticket,
    Usergroup,
)
from store.rows import tuple_rows
from store.words import TICKET_PRIORITIES, TICKET_STATUSES
from tests import builders


def _ids(column: peewee.Field) -> list[int]:
    return [row[0] for row in tuple_rows(column.model.select(column))]


WORDS = ("parcel", "refund", "order", "parcel arrived", "xyzzy", "promising")
RIGHTS = ["tickets.list", "tickets.view"]


def _random_people(rnd: random.Random, sources: list[int], groups: list[int]) -> list[str]:
    names = []
    for i in range(8):
        name = f"rnd{i}"
        me = builders.person(name)
        kind = rnd.choice(["group", "source", "own", "supervisor", "admin", "mixed"])
        chosen = rnd.sample(sources, rnd.randint(1, len(sources)))
        if kind in ("group", "mixed"):
            builders.role(f"g{i}", RIGHTS, scope=SCOPE_USERGROUPS, holders=[me])
        if kind in ("source", "mixed"):
            builders.role(f"s{i}", RIGHTS, sources=chosen, scope=SCOPE_ALL, holders=[me])
        if kind == "own":
            builders.role(f"o{i}", RIGHTS, sources=chosen, scope=SCOPE_OWN, holders=[me])
        if kind == "admin":
            builders.role(f"a{i}", [*RIGHTS, "sources.archived"], holders=[me])
        if rnd.random() < 0.5:  # notes on some tickets only, or on all, of some sources
            notes_scope = rnd.choice([SCOPE_ALL, SCOPE_USERGROUPS, SCOPE_OWN])
            some = rnd.sample(sources, rnd.randint(1, len(sources)))
            builders.role(
                f"n{i}", ["tickets.view_notes"], sources=some, scope=notes_scope, holders=[me]
            )
        for group in rnd.sample(groups, rnd.randint(0, len(groups))):
            GroupMember.create(usergroup=group, person=me)
        if kind in ("supervisor", "mixed"):
            GroupSupervisor.create(usergroup=rnd.choice(groups), person=me)
        names.append(name)
    return names


def _random_query(rnd: random.Random, groups: list[int], sources: list[int]) -> TicketQuery:
    query = TicketQuery(search=rnd.choice(WORDS))
    if rnd.random() < 0.4:
        query = query._replace(statuses=tuple(rnd.sample(TICKET_STATUSES, rnd.randint(1, 3))))
    if rnd.random() < 0.3:
        query = query._replace(priorities=(rnd.choice(TICKET_PRIORITIES),))
    if rnd.random() < 0.3:
        query = query._replace(usergroups=(rnd.choice([None, *groups]),))
    if rnd.random() < 0.2:
        query = query._replace(sources=(rnd.choice(sources),))
    if rnd.random() < 0.2:
        query = query._replace(mine=True)
    if rnd.random() < 0.2:
        query = query._replace(unassigned=True)
    if rnd.random() < 0.2:
        query = query._replace(assignee=rnd.choice(["sam", "mia", "nobody"]))
    if rnd.random() < 0.15:
        query = query._replace(requester=rnd.choice(["c000.muller", "rnd1", "ada"]))
    return query


def _change_scopes(rnd: random.Random, db: peewee.Database, people: list[int]) -> None:
    """Random tickets moved, reassigned, made private, given a status or priority, some twice."""
    numbers = _ids(Ticket.number)
    groups: list[int | None] = [None, *_ids(Usergroup.id)]
    sources = _ids(Source.id)
    with db.atomic():
        for number in rnd.sample(numbers, 40) + rnd.sample(numbers, 20):
            choices: list[tuple[peewee.Field, list[Any]]] = [
                (Ticket.status, list(TICKET_STATUSES)),
                (Ticket.priority, list(TICKET_PRIORITIES)),
                (Ticket.usergroup, groups),
                (Ticket.source, sources),
                (Ticket.assignee, [None, *people]),
                (Ticket.requester, people),
                (Ticket.private, [True, False]),
            ]
            column, values = rnd.choice(choices)
            Ticket.update({column: rnd.choice(values)}).where(Ticket.number == number).execute()


@pytest.mark.sqlite_only(reason="SQLite's scope tokens; PostgreSQL's: test_pg_word_bits")
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("one_by_one", [True, False])
def test_a_word_count_from_scope_tokens_is_the_count_of_the_scoped_tickets(
    demo_db: peewee.Database,
    gate_for: Callable[[str], Gate],
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
    one_by_one: bool,
) -> None:
    rnd = random.Random(seed)
    monkeypatch.setattr(store.scope_words, "ASKED_ONE_BY_ONE", 10**6 if one_by_one else 0)
    sources = _ids(Source.id)
    groups = _ids(Usergroup.id)
    names = [*_random_people(rnd, sources, groups), "ada", "sam", "ali", "vic", "mia", "tom"]
    people = _ids(Person.id)

    def check(step: str) -> None:
        """Every count equal; most counted from the tokens (not where the person reads notes
        on some tickets only, or a requester's name holds the words)."""
        exactly = 0
        for name in names:
            request = gate_for(name).inbox._open()
            for _ in range(6):
                query = _random_query(rnd, groups, sources)
                try:
                    where = _filtered(request, query, counting=True)
                except InvalidInput:  # "nobody" to one who may list people
                    with pytest.raises(InvalidInput):
                        gate_for(name).inbox.count_tickets(query)
                    continue
                expected = Ticket.select().where(where).count()
                exact = exact_word_count(request, query)
                assert exact in (None, expected), (step, name, query)
                exactly += exact is not None
                assert gate_for(name).inbox.count_tickets(query) == expected, (step, name, query)
        assert exactly > len(names) * 6 / 3

    check("as built")
    _change_scopes(rnd, demo_db, people)
    assert scope_words.stale_count(demo_db, 10**6) > 0
    check("stale")
    _change_scopes(rnd, demo_db, people)
    check("stale twice")
    assert scope_words.compact(demo_db, batch=7) > 0
    assert scope_words.stale_count(demo_db, 10**6) == 0
    _change_scopes(rnd, demo_db, people)
    stale = scope_words.stale_count(demo_db, 10**6)
    assert gate_for("tom").views.compact_search_scope() == stale  # as `serve` asks
    assert scope_words.stale_count(demo_db, 10**6) == 0
    check("compacted")
    _change_scopes(rnd, demo_db, people)
    check("stale after compaction")


@pytest.mark.sqlite_only(reason="SQLite's stale set; PostgreSQL's bound: test_pg_word_bits")
def test_beyond_the_bound_of_stale_tickets_the_count_is_the_join(
    demo_db: peewee.Database, gate_for: Callable[[str], Gate], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(access.word_counts, "STALE_BOUND", 3)
    request = gate_for("tom").inbox._open()
    query = TicketQuery(search="parcel")
    assert exact_word_count(request, query) is not None
    _change_scopes(random.Random(4), demo_db, _ids(Person.id))
    assert exact_word_count(request, query) is None
    expected = Ticket.select().where(_filtered(request, query, counting=True)).count()
    assert gate_for("tom").inbox.count_tickets(query) == expected


def test_a_search_never_matches_the_scope_tokens(
    demo_db: peewee.Database, gate_for: Callable[[str], Gate]
) -> None:
    ada = gate_for("ada")
    for words in ("stopen", "prnormal", "p0", "s1", "gn an", "stnew*"):
        query = TicketQuery(search=words)
        assert ada.inbox.count_tickets(query) == 0, words
        assert ada.inbox.list_tickets(query) == [], words
