"""PostgreSQL: a word's exact count from the sets of `store.ticket_bits` (`access.pg_word_counts`)
equals the count of the tickets the SQL scope and the filters select, for random people,
random filters (prefixes and several words among the searches), random changes of the
tickets' scope columns, new and deleted tickets, new messages (public and notes), before and
after the sets are refreshed (`gate.views.compact_search_scope`, as `serve` asks), after a
rebuild of the search index, and past the bound of changed tickets."""

from __future__ import annotations

import random
from collections.abc import Callable

import peewee
import pytest

import access.pg_word_counts
from access import Gate
from access.errors import InvalidInput
from access.inbox import _filtered, exact_word_count
from access.views import TicketQuery
from store import dialect, ticket_bits
from store.models import Message, Person, Source, Ticket, Usergroup
from tests import builders
from tests.access import test_scope_words as scope_words_test

pytestmark = pytest.mark.postgresql_only(reason="PostgreSQL's bitsets of words and tokens")

WORDS = ("parcel", "refund", "order", "parcel arrived", "xyzzy", "parc*", "ord* parcel")
_ids = scope_words_test._ids


def _random_query(rnd: random.Random, groups: list[int], sources: list[int]) -> TicketQuery:
    query = scope_words_test._random_query(rnd, groups, sources)
    return query._replace(search=rnd.choice(WORDS))


def _new_tickets_and_messages(rnd: random.Random, db: peewee.Database, people: list[int]) -> None:
    """New tickets holding the words or not, two tickets deleted, and messages (some notes)
    added to old ones."""
    sources = _ids(Source.id)
    groups: list[int | None] = [None, *_ids(Usergroup.id)]
    numbers = _ids(Ticket.number)
    texts = ["my parcel arrived", "a refund please", "order 5", "parcels", "nothing here"]
    with db.atomic():
        for _ in range(8):
            builders.ticket(
                rnd.choice(sources),
                rnd.choice(people),
                group=rnd.choice(groups),
                assignee=rnd.choice([None, *people]),
                private=rnd.random() < 0.3,
                subject=rnd.choice(texts),
                body=rnd.choice(texts),
                note=rnd.choice([None, *texts]),
            )
        Ticket.delete().where(Ticket.number.in_(rnd.sample(numbers, 2))).execute()
        numbers = _ids(Ticket.number)
        for number in rnd.sample(numbers, 15):
            Message.create(
                ticket=number,
                kind=rnd.choice(["customer", "note", "agent"]),
                author=rnd.choice(people),
                body=rnd.choice(texts),
            )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_word_count_from_bitsets_is_the_count_of_the_scoped_tickets(
    demo_db: peewee.Database, gate_for: Callable[[str], Gate], seed: int
) -> None:
    rnd = random.Random(seed)
    sources = _ids(Source.id)
    groups = _ids(Usergroup.id)
    names = [*scope_words_test._random_people(rnd, sources, groups)]
    names += ["ada", "sam", "ali", "vic", "mia", "tom"]
    people = _ids(Person.id)

    def check(step: str) -> None:
        """Every count equal, most counted from the bitsets (not where a requester's name
        holds the words, or the view has tags, fields or due times)."""
        asked = [(name, _random_query(rnd, groups, sources)) for name in names for _ in range(6)]
        exactly = sum(_count_agrees(gate_for(name), query, step) for name, query in asked)
        assert exactly > len(asked) / 2, step

    check("as read first")
    scope_words_test._change_scopes(rnd, demo_db, people)
    check("scopes changed")
    _new_tickets_and_messages(rnd, demo_db, people)
    check("new tickets and messages")
    assert gate_for("tom").views.compact_search_scope() > 0  # as `serve` asks
    assert _changed(demo_db) == 0
    check("refreshed")
    scope_words_test._change_scopes(rnd, demo_db, people)
    _new_tickets_and_messages(rnd, demo_db, people)
    check("changed after the refresh")
    gate_for("tom").views.compact_search_scope()
    check("refreshed twice")
    with demo_db.atomic():
        dialect.rebuild_search(demo_db)
    check("index rebuilt")


def _count_agrees(gate: Gate, query: TicketQuery, step: str) -> bool:
    """Whether the count was exact from the bitsets; the gate's count equal to the tickets
    the scope and the filters select either way."""
    request = gate.inbox._open()
    try:
        expected = Ticket.select().where(_filtered(request, query, counting=True)).count()
    except InvalidInput:  # "nobody" to one who may list people
        return False
    exact = exact_word_count(request, query)
    assert exact in (None, expected), (step, query, exact, expected)
    assert gate.inbox.count_tickets(query) == expected, (step, query)
    return exact is not None


def _changed(db: peewee.Database) -> int:
    return int(db.execute_sql(f"SELECT count(*) FROM {ticket_bits.CHANGED}").fetchone()[0])


def test_past_the_bound_of_changed_tickets_the_count_is_the_join(
    demo_db: peewee.Database, gate_for: Callable[[str], Gate], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(access.pg_word_counts, "CHANGED_BOUND", 3)
    request = gate_for("tom").inbox._open()
    query = TicketQuery(search="parcel", statuses=("open",))
    assert exact_word_count(request, query) is not None
    scope_words_test._change_scopes(random.Random(4), demo_db, _ids(Person.id))
    assert exact_word_count(request, query) is None
    expected = Ticket.select().where(_filtered(request, query, counting=True)).count()
    assert gate_for("tom").inbox.count_tickets(query) == expected
    gate_for("tom").views.compact_search_scope()
    assert exact_word_count(request, query) == expected


def test_a_set_read_in_a_snapshot_older_than_a_change_leaves_that_ticket_to_its_row(
    demo_db: peewee.Database, gate_for: Callable[[str], Gate]
) -> None:
    """A change committed while a set was being read (not in the set's snapshot) is counted
    from the ticket's row: here a set kept with the snapshot of before a change."""
    request = gate_for("tom").inbox._open()
    query = TicketQuery(search="parcel", statuses=("open",))
    before = demo_db.execute_sql("SELECT pg_current_snapshot()::text").fetchone()[0]
    number = next(
        n
        for (n,) in demo_db.execute_sql(
            "SELECT t.number FROM ticket t JOIN ticket_search s ON s.number = t.number "
            "WHERE t.status = 'open' AND s.public @@ to_tsquery('simple', 'parcel') LIMIT 1"
        )
    )
    Ticket.update(status="closed").where(Ticket.number == number).execute()
    for key in (("public", "parcel"), ("token", "stopen")):  # as read before the change
        old = ticket_bits.bitset(
            [n for (n,) in demo_db.execute_sql(_old_members(key), (number,))] + [number]
        )
        demo_db.execute_sql(
            f"INSERT INTO {ticket_bits.TABLE} (kind, key, bits, as_of) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (kind, key) DO UPDATE SET bits = excluded.bits, as_of = excluded.as_of",
            (*key, bytes(old), before),
        )
    expected = Ticket.select().where(_filtered(request, query, counting=True)).count()
    assert exact_word_count(request, query) == expected


def _old_members(key: tuple[str, str]) -> str:
    if key[0] == "token":
        return "SELECT number FROM ticket WHERE status = 'open' AND number <> %s"
    return (
        "SELECT number FROM ticket_search WHERE public @@ to_tsquery('simple', 'parcel') "
        "AND number <> %s"
    )


def test_the_sets_beyond_the_most_kept_are_forgotten_and_read_again(
    demo_db: peewee.Database, gate_for: Callable[[str], Gate], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ticket_bits, "SETS", 2)
    request = gate_for("sam").inbox._open()
    queries = [TicketQuery(search=w, statuses=("open",)) for w in ("parcel", "refund order")]
    counts = [exact_word_count(request, query) for query in queries]
    assert None not in counts
    sets = f"SELECT count(*) FROM {ticket_bits.TABLE}"
    assert demo_db.execute_sql(sets).fetchone()[0] > 2
    gate_for("tom").views.compact_search_scope()
    assert demo_db.execute_sql(sets).fetchone()[0] == 2
    assert [exact_word_count(request, query) for query in queries] == counts


def test_the_demo_keeps_the_tokens_and_a_set_ahead_of_the_server_is_read_again(
    demo_db: peewee.Database, gate_for: Callable[[str], Gate]
) -> None:
    """The demo reads the sets of the columns of few values at its end; a set whose snapshot
    is ahead of the server's transactions (restored from another cluster) is not trusted."""
    tokens = f"SELECT key FROM {ticket_bits.TABLE} WHERE kind = 'token'"
    assert {"stopen", "stnew", "p0", "p1", "an"} <= {k for (k,) in demo_db.execute_sql(tokens)}
    request = gate_for("sam").inbox._open()
    query = TicketQuery(search="parcel", statuses=("open",))
    expected = Ticket.select().where(_filtered(request, query, counting=True)).count()
    assert exact_word_count(request, query) == expected
    demo_db.execute_sql(
        f"UPDATE {ticket_bits.TABLE} SET bits = '\\x00', as_of = '9999999999:9999999999:' "
        "WHERE kind = 'token' AND key = 'stopen'"
    )
    assert exact_word_count(request, query) == expected
    demo_db.execute_sql(
        f"UPDATE {ticket_bits.TABLE} SET bits = '\\x00', as_of = '9999999999:9999999999:'"
    )
    gate_for("tom").views.compact_search_scope()
    assert demo_db.execute_sql(f"SELECT count(*) FROM {ticket_bits.TABLE}").fetchone()[0] == 0
    assert exact_word_count(request, query) == expected
