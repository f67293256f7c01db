"""The tallies a saved view's count reads (`store.tallies`, `access.tally_counts`): after any
writes to tickets and their tags (inserts, changes of one ticket or many, deletes, tags put on
and taken off, a tag or a usergroup deleted, bulk loads, merges, PostgreSQL's fold) every
tally equals a plain count of the tickets; and a person's count of a view, read from a tally,
equals the length of the list they see, however they are scoped (by source, by group and
privacy, by archived sources, as a supervisor, as a customer who filed tickets)."""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from collections.abc import Callable

import peewee
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from access import AccessError, Gate
from access.tally_counts import tally_of
from access.views import TicketQuery
from access.vocabulary import TICKET_PRIORITIES, TICKET_STATUSES
from store import bulk, tallies
from store.models import Person, Source, Ticket, Usergroup, utcnow
from store.rows import tuple_rows
from store.tag_models import Tag, TicketTag
from store.tally_models import TagTally, ViewTally
from tests import builders

Write = tuple[str, int, int]
WRITES = (
    "insert",
    "change",
    "change_many",
    "delete",
    "tag",
    "untag",
    "drop_tag",
    "drop_group",
    "bulk_load",
    "merge",
    "fold",
)
PEOPLE = ("ada", "ali", "max", "mia", "sam", "tom", "vic", "c000.muller", "c003.kowalski")


def tickets_counted() -> tuple[Counter[tuple], Counter[tuple]]:
    """The tickets per tally row, counted in Python from the tickets and their tags."""
    rows = {
        number: (status, priority, usergroup or 0, source, assignee or 0, bool(private))
        for number, status, priority, usergroup, source, assignee, private in tuple_rows(
            Ticket.select(
                Ticket.number,
                Ticket.status,
                Ticket.priority,
                Ticket.usergroup,
                Ticket.source,
                Ticket.assignee,
                Ticket.private,
            )
        )
    }
    per_view = Counter(rows.values())
    per_tag: Counter[tuple] = Counter()
    for ticket, tag in tuple_rows(TicketTag.select(TicketTag.ticket, TicketTag.tag)):
        per_tag[(tag, *rows[ticket])] += 1
    return per_view, per_tag


def tallied() -> tuple[Counter[tuple], Counter[tuple]]:
    """The tallies' sums per row, rows of 0 left out."""

    def summed(tally: type[ViewTally] | type[TagTally], *key: peewee.Field) -> Counter[tuple]:
        rows = tally.select(*key, peewee.fn.SUM(tally.n)).group_by(*key)
        return Counter({(*r[:-2], bool(r[-2])): int(r[-1]) for r in tuple_rows(rows) if r[-1]})

    def counted(tally: type[ViewTally] | type[TagTally]) -> list[peewee.Field]:
        return [
            tally.status,
            tally.priority,
            tally.usergroup,
            tally.source,
            tally.assignee,
            tally.private,
        ]

    return summed(ViewTally, *counted(ViewTally)), summed(
        TagTally, TagTally.tag, *counted(TagTally)
    )


class Writer:
    """Random writes to the tickets and their tags, each as its writer makes it."""

    def __init__(self, db: peewee.Database) -> None:
        self.db = db
        self.sources = [s for (s,) in tuple_rows(Source.select(Source.id))]
        self.people = [
            p for (p,) in tuple_rows(Person.select(Person.id).where(Person.username.in_(PEOPLE)))
        ]
        self.tags = [t for (t,) in tuple_rows(Tag.select(Tag.id))]

    def numbers(self) -> list[int]:
        return [n for (n,) in tuple_rows(Ticket.select(Ticket.number).order_by(Ticket.number))]

    def groups(self) -> list[int | None]:
        return [None, *(g for (g,) in tuple_rows(Usergroup.select(Usergroup.id)))]

    def values(self, pick: random.Random) -> dict[str, object]:
        return {
            "status": pick.choice(TICKET_STATUSES),
            "priority": pick.choice(TICKET_PRIORITIES),
            "usergroup": pick.choice(self.groups()),
            "source": pick.choice(self.sources),
            "assignee": pick.choice([None, *self.people]),
            "private": pick.random() < 0.3,
        }

    def write(self, kind: str, a: int, b: int) -> None:
        pick = random.Random(a * 1_000_003 + b)
        numbers = self.numbers()
        number = numbers[a % len(numbers)] if numbers else None
        if kind == "insert":
            Ticket.create(subject="s", requester=pick.choice(self.people), **self.values(pick))
        elif kind == "change" and number is not None:
            values = self.values(pick)
            changed = {k: values[k] for k in pick.sample(sorted(values), 1 + b % len(values))}
            Ticket.update(**changed).where(Ticket.number == number).execute()
        elif kind == "change_many":
            field = pick.choice(["status", "priority", "usergroup", "assignee", "private"])
            Ticket.update({field: self.values(pick)[field]}).where(
                Ticket.number.in_(numbers[b % 5 :: 5])
            ).execute()
        elif kind == "delete" and number is not None:
            Ticket.delete().where(Ticket.number == number).execute()
        elif kind == "tag" and number is not None:
            for tag in pick.sample(self.tags, 1 + b % 2):
                TicketTag.insert(ticket=number, tag=tag).on_conflict_ignore().execute()
        elif kind == "untag" and number is not None:
            TicketTag.delete().where(TicketTag.ticket == number).execute()
        elif kind == "drop_tag":
            tag = Tag.create(name=f"passing-{a}-{b}")
            TicketTag.insert_many([(n, tag.id) for n in numbers[b % 3 :: 4]]).execute()
            tag.delete_instance()
        elif kind == "drop_group":
            group = Usergroup.create(name=f"passing {a}-{b}")
            Ticket.update(usergroup=group.id).where(
                Ticket.number.in_(numbers[b % 4 :: 4])
            ).execute()
            group.delete_instance()
        elif kind == "bulk_load":
            self.bulk_load(pick)
        elif kind == "merge" and len(numbers) > 1:
            into = numbers[b % len(numbers)]
            # A closed ticket, the same ticket: refused, nothing written.
            with contextlib.suppress(AccessError):
                Gate(self.db, "ada").merging.merge(number or 0, into)
        elif kind == "fold":
            tallies.fold(self.db)

    def bulk_load(self, pick: random.Random) -> None:
        first = max(self.numbers(), default=0) + 1
        new = [(first + i, self.values(pick)) for i in range(3)]
        columns = [
            Ticket.number,
            Ticket.subject,
            Ticket.requester,
            Ticket.created_at,
            Ticket.updated_at,
            Ticket.version,
            *(getattr(Ticket, name) for name in new[0][1]),
        ]
        now = utcnow()
        with bulk.loading(self.db, [Ticket, TicketTag]) as loader:
            loader.insert(
                Ticket,
                columns,
                [(n, "loaded", pick.choice(self.people), now, now, 1, *v.values()) for n, v in new],
            )
            loader.insert(
                TicketTag,
                [TicketTag.ticket, TicketTag.tag],
                [(n, tag) for n, _ in new for tag in pick.sample(self.tags, 2)],
            )


writes = st.lists(
    st.tuples(st.sampled_from(WRITES), st.integers(0, 10**6), st.integers(0, 10**6)),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(writes=writes)
def test_every_tally_equals_a_count_of_the_tickets(
    demo_db: peewee.Database, writes: list[Write]
) -> None:
    """The writes pile up over the examples (the demo is not copied anew for each): a tally
    must be right after any history of writes, not only from the demo."""
    writer = Writer(demo_db)
    for kind, a, b in writes:
        writer.write(kind, a, b)
    assert tallied() == tickets_counted()


QUERIES = [
    TicketQuery(),
    TicketQuery(statuses=("new", "open")),
    TicketQuery(statuses=("new", "open"), priorities=("urgent",)),
    TicketQuery(statuses=("open", "pending"), usergroups=(1,)),
    TicketQuery(usergroups=(None, 2)),
    TicketQuery(sources=(2, 4)),
    TicketQuery(mine=True),
    TicketQuery(unassigned=True, statuses=("new",)),
    TicketQuery(assignee="tom"),
    TicketQuery(search="tag:refund"),
    TicketQuery(search="tag:refund", statuses=("new", "open", "pending"), usergroups=(1,)),
    TicketQuery(search="tag:refund", priorities=("urgent", "high"), unassigned=True),
]
COUNTED = ("ada", "sam", "ali", "vic", "mia", "max", "ola", "c000.muller", "c003.kowalski")


def test_a_tallied_count_is_the_length_of_the_list(
    demo_db: peewee.Database, gate_for: Callable[[str], Gate]
) -> None:
    """Scoped people (and customers) filed tickets in and out of their scope, tickets moved
    between groups, sources and assignees, privacy changed; each view's count, read from a
    tally, is the number of tickets their list holds."""
    # Two more scopes: tickets of their own only (filed or assigned), and own on two sources.
    own = Person.get(Person.username == "c003.kowalski").id
    builders.role("Own lister", ["tickets.list"], scope="own", holders=[own])
    sources = [s for (s,) in tuple_rows(Source.select(Source.id).limit(2))]
    mixed = Person.get(Person.username == "vic").id
    builders.role("Own on two", ["tickets.list"], scope="own", sources=sources, holders=[mixed])
    writer = Writer(demo_db)
    pick = random.Random(26)
    for _ in range(60):
        writer.write(pick.choice(WRITES), pick.randrange(10**6), pick.randrange(10**6))
    for username in COUNTED:  # each files tickets, in their scope or out of it
        requester = Person.get(Person.username == username).id
        for _ in range(4):
            Ticket.create(subject="filed", requester=requester, **writer.values(pick))
    for username in COUNTED:
        gate = gate_for(username)
        for query in QUERIES:
            assert tally_of(query) is not None
            listed = gate.inbox.list_tickets(query, limit=100_000)
            assert gate.inbox.count_tickets(query) == len(listed), (username, query)


def test_a_query_no_tally_answers_is_counted_in_the_tickets(
    demo_db: peewee.Database, gate_for: Callable[[str], Gate]
) -> None:
    """Words, a requester, breached, two tags: counted as before."""
    for query in (
        TicketQuery(search="parcel"),
        TicketQuery(requester="c000.muller"),
        TicketQuery(breached=True),
        TicketQuery(search="tag:refund tag:parcel"),
    ):
        assert tally_of(query) is None
        gate = gate_for("max")
        assert gate.inbox.count_tickets(query) == len(gate.inbox.list_tickets(query, limit=10**5))


@pytest.mark.postgresql_only(reason="PostgreSQL's tallies are rows appended and folded")
def test_a_fold_keeps_every_count(
    demo_db: peewee.Database, gate_for: Callable[[str], Gate]
) -> None:
    writer = Writer(demo_db)
    for a in range(40):
        writer.write("change", a, a * 7)
    before = tallied()
    appended = ViewTally.select().where(~ViewTally.folded).count()
    assert appended > 0
    tallies.fold(demo_db)
    assert ViewTally.select().where(~ViewTally.folded).count() == 0
    assert tallied() == before == tickets_counted()
