"""Search gives the same tickets in the same order whichever way the store finds them: a rare
word (matches fetched and sorted), common ones and a prefix (inbox order walked against the
match list); paged from either end."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from access import Gate
from access.catalogue import PERMISSIONS
from access.views import TicketQuery
from store import search
from store.models import Ticket
from tests import builders
from tests.backends import Locations, connect

TICKETS = 400


def _subject(i: int) -> str:
    words = ["parcel"]
    if i % 200 == 1:
        words.append("rareword")
    if i % 10 == 0:
        words.append("midword")
    if i % 2 == 0:
        words.append("commonword")
    if i % 3 == 0:
        words.append("refunded")
    return " ".join(words)


Helpdesk = tuple[dict[int, tuple[str, datetime, int]], int]


@pytest.fixture(scope="module")
def built(locations: Locations) -> Iterator[tuple[str, Helpdesk]]:
    """Tickets whose inbox order (last activity) is unrelated to their numbers, and the one
    source the agent covers: built once for the module, each test working on a copy of the
    database (`db_location`)."""
    location = locations.new("search.db", migrated=True)
    db = connect(location)
    try:
        w = builders.world()
        builders.role("Admin", PERMISSIONS, holders=[builders.person("boss")])
        builders.role(
            "Agent",
            ["tickets.list", "tickets.view"],
            sources=[w.s1],
            holders=[builders.person("agent")],
        )
        tickets: dict[int, tuple[str, datetime, int]] = {}
        with db.atomic():
            _fill(w, tickets)
    finally:
        db.close()
    yield location, (tickets, w.s1)
    locations.drop([location])


@pytest.fixture
def db_location(built: tuple[str, Helpdesk], locations: Locations) -> Iterator[str]:
    """This test's copy of the module's helpdesk, which `db` opens."""
    location = locations.copy(built[0], "search.db")
    yield location
    locations.drop([location])


@pytest.fixture
def helpdesk(built: tuple[str, Helpdesk]) -> Helpdesk:
    tickets, agents_source = built[1]
    return dict(tickets), agents_source


def _fill(w: builders.World, tickets: dict[int, tuple[str, datetime, int]]) -> None:
    shuffle = random.Random(3)
    start = datetime(2026, 1, 1)
    for i in range(TICKETS):
        source = w.s1 if i % 4 else w.s2
        number = builders.ticket(source, w.customer, subject=_subject(i))
        updated = start + timedelta(minutes=shuffle.randrange(TICKETS // 2))
        Ticket.update(updated_at=updated).where(Ticket.number == number).execute()
        tickets[number] = (_subject(i), updated, source)


def _expected(tickets, words: list[str], sources: set[int] | None) -> list[int]:
    def matches(subject: str) -> bool:
        have = subject.split()
        return all(
            any(h.startswith(w[:-1]) for h in have) if w.endswith("*") else w in have for w in words
        )

    found = [
        (updated, number)
        for number, (subject, updated, source) in tickets.items()
        if matches(subject) and (sources is None or source in sources)
    ]
    return [number for _, number in sorted(found, reverse=True)]


@pytest.mark.parametrize("username", ["boss", "agent"])
@pytest.mark.parametrize(
    "text", ["rareword", "midword", "commonword", "refund*", "midword commonword"]
)
def test_every_plan_gives_the_inbox_order(db, helpdesk: Helpdesk, username: str, text: str) -> None:
    tickets, agents_source = helpdesk
    gate = Gate(db, username)
    expected = _expected(tickets, text.split(), None if username == "boss" else {agents_source})
    assert expected
    query = TicketQuery(search=text)
    total = gate.inbox.count_tickets(query)
    assert total == len(expected)
    pages = []
    for offset in range(0, total, 30):
        pages += [
            r.number for r in gate.inbox.list_tickets(query, offset=offset, limit=30, total=total)
        ]
    assert pages == expected


def test_whole_words_unless_starred(db, helpdesk: Helpdesk) -> None:
    tickets, _ = helpdesk
    gate = Gate(db, "boss")
    assert gate.inbox.count_tickets(TicketQuery(search="refund")) == 0
    assert gate.inbox.count_tickets(TicketQuery(search="refund*")) == len(
        [n for n, (s, _, _) in tickets.items() if "refunded" in s]
    )


def _explained(text: str, explain: str) -> list[tuple]:
    """The plan of a first page of `text` in inbox order, as `explain` gives it."""
    keys = (
        Ticket.select(Ticket.number)
        .where(search.public_match(text, in_order=True))
        .order_by(Ticket.updated_at.desc(), Ticket.number.desc())
        .limit(100)
    )
    sql, params = keys.sql()
    return Ticket._meta.database.execute_sql(f"{explain} {sql}", params).fetchall()


def _plan(text: str) -> str:
    return " | ".join(row[-1] for row in _explained(text, "EXPLAIN QUERY PLAN"))


@pytest.mark.sqlite_only(reason="SQLite's query plans (EXPLAIN QUERY PLAN)")
def test_only_a_rare_word_sorts_its_matches(db, helpdesk: Helpdesk) -> None:
    """The point of the plans: a common word must not sort every match to show a page."""
    assert "TEMP B-TREE FOR ORDER BY" in _plan("rareword")
    for common in ("midword", "commonword", "refund*"):
        assert "TEMP B-TREE FOR ORDER BY" not in _plan(common), common


@pytest.fixture
def asking(monkeypatch: pytest.MonkeyPatch) -> list[list[int] | None]:
    """Let the store ask about each ticket even at this size; record what asking found."""
    monkeypatch.setattr(search, "ASK_MATCHES", 0)
    answers: list[list[int] | None] = []
    real = search.page_by_asking

    def recorded(*args: Any, **kwargs: Any) -> list[int] | None:
        answers.append(real(*args, **kwargs))
        return answers[-1]

    monkeypatch.setattr(search, "page_by_asking", recorded)
    return answers


@pytest.mark.parametrize("username", ["boss", "agent"])
@pytest.mark.sqlite_only(reason="asking FTS5 ticket by ticket is SQLite's way to a page")
def test_asking_about_each_ticket_gives_the_inbox_order(
    db, helpdesk: Helpdesk, asking, username: str
) -> None:
    tickets, agents_source = helpdesk
    gate = Gate(db, username)
    expected = _expected(tickets, ["commonword"], None if username == "boss" else {agents_source})
    query = TicketQuery(search="commonword")
    total = gate.inbox.count_tickets(query)
    pages = []
    for offset in range(0, total, 30):
        pages += [
            r.number for r in gate.inbox.list_tickets(query, offset=offset, limit=30, total=total)
        ]
    assert pages == expected
    assert any(answer is not None for answer in asking)  # the first pages were asked for


@pytest.mark.sqlite_only(reason="asking FTS5 ticket by ticket is SQLite's way to a page")
def test_asking_declines_a_word_absent_from_recent_tickets(db, helpdesk: Helpdesk, asking) -> None:
    """A word common only among old tickets would have every ticket asked about."""
    tickets, _ = helpdesk
    newest = sorted(tickets, key=lambda n: (tickets[n][1], n), reverse=True)
    old = newest[len(newest) // 3 :]
    with db.atomic():
        for number in old:
            Ticket.update(subject="oldword parcel").where(Ticket.number == number).execute()
    gate = Gate(db, "boss")
    found = [r.number for r in gate.inbox.list_tickets(TicketQuery(search="oldword"), limit=100)]
    assert found == old[:100]
    assert asking == [None]


def _postgres_plan(text: str) -> str:
    return "\n".join(row[0] for row in _explained(text, "EXPLAIN"))


@pytest.mark.postgresql_only(reason="PostgreSQL's query plans and column statistics")
def test_a_rare_word_is_fetched_before_the_inbox_order_is_walked(db, helpdesk: Helpdesk) -> None:
    """A word the statistics do not list (an order number) would have the planner walk the
    whole inbox index for a page; a common one must still walk it, never sort every match."""
    with db.atomic():
        for number in list(helpdesk[0])[:3]:
            Ticket.update(subject="parcel 4711").where(Ticket.number == number).execute()
    db.execute_sql("ANALYZE ticket_search")
    for rare in ("4711", "parcel 4711"):
        assert "InitPlan" in _postgres_plan(rare), rare
    for common in ("commonword", "refund*", "midword commonword"):
        assert "InitPlan" not in _postgres_plan(common), common
