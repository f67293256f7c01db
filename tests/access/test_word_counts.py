"""A search's count from the index's list of matches joined with the tickets (`access.inbox.
_count_by_index`, `store.search.count_matches`) is exactly the count of the tickets the list
holds, for people who see everything, people scoped by source, group or their own tickets,
people who read notes everywhere, nowhere or on one source, and customers; with words common,
rare, absent, in notes only, prefixes, several words, beside other filters. A saved view that
searches words is counted only so far and then says so ("5,000+"), never less than it holds,
and exactly below that."""

from __future__ import annotations

from collections.abc import Callable

import peewee
import pytest

import access.saved_views
from access import Gate
from access.inbox import _count_by_index, _filtered
from access.views import TicketQuery
from store.models import Message, Person, Source, Ticket
from store.words import CUSTOMER, NOTE
from tests import builders

PEOPLE = ("ada", "sam", "ali", "vic", "mia", "max", "tom", "c000.muller", "nora", "otto")
SEARCHES = (
    "parcel",
    "refund",
    "xyzzy",
    "order",
    "parcel arrived",
    "zwr*",
    "promising",  # in notes
    "quokka",  # a note on one ticket, the public text of another
    "refund tag:refund",
)
FILTERS = (
    TicketQuery(),
    TicketQuery(statuses=("new", "open", "pending")),
    TicketQuery(priorities=("urgent",), unassigned=True),
    TicketQuery(usergroups=(None, 1)),
)


@pytest.fixture
def people(demo_db: peewee.Database) -> None:
    """nora reads every ticket and the notes on one source only; otto reads no notes."""
    sources = [s.id for s in Source.select(Source.id).order_by(Source.id)]
    nora, otto = builders.person("nora"), builders.person("otto")
    builders.role("Lister", ["tickets.list", "tickets.view"], holders=[nora, otto])
    builders.role("Notes on one", ["tickets.view_notes"], sources=sources[:1], holders=[nora])
    ada = Person.get(Person.username == "ada").id
    for source in sources[:2]:
        number = Ticket.create(subject="Animals", source=source, requester=ada).number
        Message.create(ticket=number, kind=NOTE, author=ada, body="a quokka was seen")
    number = Ticket.create(subject="Animals", source=sources[2], requester=ada).number
    Message.create(ticket=number, kind=CUSTOMER, author=ada, body="my quokka parcel")


def test_a_word_count_from_the_index_is_the_count_of_the_tickets(
    people: None, gate_for: Callable[[str], Gate]
) -> None:
    by_index = 0
    for username in PEOPLE:
        gate = gate_for(username)
        request = gate.inbox._open()
        for words in SEARCHES:
            for base in FILTERS:
                query = base._replace(search=words)
                counted = Ticket.select().where(_filtered(request, query, counting=True)).count()
                assert gate.inbox.count_tickets(query) == counted, (username, query)
                by_index += _count_by_index(request, query) is not None
    assert by_index > len(SEARCHES) * len(FILTERS) * 3  # the index counted for most people


def test_a_count_the_index_cannot_answer_alone_is_counted_in_the_tickets(
    people: None, gate_for: Callable[[str], Gate]
) -> None:
    """A requester's name among the words, `#42`, notes readable on some tickets only (which
    SQLite counts from the scope tokens of its index, PostgreSQL from its bitsets,
    `access.word_counts`)."""
    ada, nora = gate_for("ada"), gate_for("nora")
    for gate, search in ((ada, "muller"), (ada, "#5"), (nora, "quokka")):
        query = TicketQuery(search=search)
        by_index = _count_by_index(gate.inbox._open(), query)
        assert by_index is None or gate is nora
        listed = gate.inbox.list_tickets(query, limit=10**5)
        assert gate.inbox.count_tickets(query) == len(listed)
    assert ada.inbox.count_tickets(TicketQuery(search="quokka")) == 3
    assert gate_for("otto").inbox.count_tickets(TicketQuery(search="quokka")) == 1
    assert nora.inbox.count_tickets(TicketQuery(search="quokka")) == 2


def test_a_view_searching_words_is_counted_so_far_and_says_so(
    people: None, gate_for: Callable[[str], Gate], monkeypatch: pytest.MonkeyPatch
) -> None:
    cap = 12
    monkeypatch.setattr(access.saved_views, "WORDS_COUNTED", cap)
    ada = gate_for("ada")
    for words in ("parcel", "refund", "quokka", "xyzzy", "muller", "zwr*"):
        ada.views.save_view(words, TicketQuery(search=words), role="Agent")
    ada.views.save_view("open work", TicketQuery(statuses=("new", "open", "pending")))
    seen = set()
    for username in ("ada", "tom", "sam", "nora"):
        gate = gate_for(username)
        for view in gate.views.list_views():
            exact = gate.inbox.count_tickets(view.query)
            if view.at_least:
                assert view.tickets == cap < exact, (username, view)
            else:
                assert view.tickets == exact, (username, view)
            seen.add(view.at_least)
    assert seen == {True, False}
    (everything,) = [v for v in ada.views.list_views() if v.name == "open work"]
    assert not everything.at_least and everything.tickets > cap  # no words: counted whole
