"""A multi-row insert's SQL is put together from Peewee's SQL for one row and for two
(`store.prepared`); it must be exactly the SQL Peewee builds for that many rows, on each
backend, with and without RETURNING and ON CONFLICT."""

from __future__ import annotations

from datetime import datetime

import peewee
import pytest

from store.among import among
from store.models import Attachment, AuditEvent, MailId, Message, Person, Source
from store.prepared import (
    MOST_PREPARED_ROWS,
    NumbersQuery,
    PreparedInsert,
    PreparedSelect,
    _rows_shape,
    padded,
)
from store.rows import tuple_rows
from tests import builders
from tests.access.test_gate_statements import statements


@pytest.mark.parametrize("rows", [1, 2, 3, 7, MOST_PREPARED_ROWS])
@pytest.mark.parametrize("returning", [(), ("id",), ("id", "ticket")])
def test_many_rows_sql_is_peewees(
    db: peewee.Database, rows: int, returning: tuple[str, ...]
) -> None:
    inserts = [
        PreparedInsert(Message, ("ticket", "kind", "author", "body", "created_at")),
        PreparedInsert(MailId, ("mail_id", "source", "ticket", "message"), ignore_conflicts=True),
        PreparedInsert(AuditEvent, ("at", "actor", "prev_hash", "hash", "action")),
    ]
    for insert in inserts:
        if not set(returning) <= set(insert.model._meta.fields):
            continue
        one, two = (insert._built(n, returning) for n in (1, 2))
        assert _rows_shape(one, two) is not None  # put together, not built
        assert insert._sql(db, rows, returning=returning) == insert._built(rows, returning)


def test_chunk_query_reads_what_peewee_reads(db: peewee.Database) -> None:
    """`NumbersQuery` gives the rows of the query built for the numbers, converted as Peewee
    converts them (a boolean, a time), whether its SQL was just built or kept; a key that
    cannot be hashed builds the query for its call alone."""
    ids = [
        Person.create(username=f"p{n}", display_name=f"P {n}", active=n % 2 == 0).id
        for n in range(6)
    ]
    chunks = NumbersQuery()

    def build(numbers: list[int]) -> peewee.SelectBase:
        query = Person.select(Person.id, Person.active, Person.created_at)
        return query.where(among(Person.id, numbers) & (Person.username != "x")).dicts()

    for numbers in (ids[:3], ids[2:5], ids[:3], [ids[5], ids[0]], [-1, ids[1]]):
        for key in ("people", ["unhashable"]):
            got = chunks.rows(key, numbers, build)
            assert got == list(build(numbers))
            assert all(isinstance(row["active"], bool) for row in got)
    assert len(chunks._known[db]) == 2  # one key: 3 numbers, 2 numbers


def test_padded_lists_read_the_same_rows(db: peewee.Database) -> None:
    """An `IN` list padded to a power of two by its last value reads the same rows as the list
    itself, for each count of values, and the statement is built once per padded count."""
    ids = [Person.create(username=f"q{n}", display_name=f"Q {n}").id for n in range(9)]
    assert padded([]) == [] and padded([5]) == [5] and padded([1, 2, 3]) == [1, 2, 3, 3]
    big = list(range(MOST_PREPARED_ROWS + 1))
    assert padded(big) == big
    select = PreparedSelect(
        lambda kind, *people: Person.select(Person.id, Person.username).where(
            (Person.username != kind) & Person.id.in_(list(people))
        ),
        listed_after=1,
    )
    for count in range(1, len(ids) + 1):
        wanted = ids[:count]
        query = Person.select(Person.id, Person.username).where(Person.id.in_(wanted))
        expected = sorted(tuple_rows(query))
        assert sorted(select.rows("nobody", *wanted)) == expected
    assert sorted(select._sql[db]) == [2, 3, 5, 9, 17]  # one kind and 1, 2, 4, 8, 16 people


def test_numbers_query_reads_what_peewee_reads(db: peewee.Database) -> None:
    """`NumbersQuery` puts the numbers in every place the build names them (here twice, a
    UNION ALL), whether its SQL was just built or kept."""
    ids = [Person.create(username=f"r{n}", display_name=f"R {n}").id for n in range(5)]
    kept = NumbersQuery()

    def build(numbers: list[int]) -> peewee.Query:
        names = Person.select(Person.id, Person.username).where(among(Person.id, numbers))
        shown = Person.select(Person.id, Person.display_name).where(Person.id.in_(numbers))
        return names.union_all(shown)

    for numbers in (ids[:3], ids[2:5], [ids[4], ids[0], -1], ids[:1], []):
        got = kept.raw_rows("people", numbers, build)
        sql, params = build(numbers).sql()
        assert sorted(got) == sorted(tuple(r) for r in db.execute_sql(sql, params).fetchall())
    assert sorted(n for _, n in kept._known[db]) == [1, 3]


@pytest.mark.parametrize("rows", [1, 3, MOST_PREPARED_ROWS + 2])
def test_many_rows_written_in_their_order(
    db: peewee.Database, rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A multi-row insert (on PostgreSQL an array per column) writes each row's values as
    given, texts that an array's literal must quote included, in the order of the rows; on
    PostgreSQL its text is the same for any count of rows."""
    names = ("username", "display_name", "email", "active", "created_at")
    insert = PreparedInsert(Person, names)
    odd = ['Ann "A" O\'Hara', "a,b {c} \\d", "Zoë NULL", "", "NULL"]
    given = [
        {
            "username": f"m{rows}-{n}",
            "display_name": odd[n % len(odd)],
            "email": "" if n % 3 else f"m{n}@shop.example",
            "active": n % 2 == 0,
            "created_at": datetime(2026, 1, 1, 12, 0, n % 60, n),
        }
        for n in range(rows)
    ]
    with statements(db, monkeypatch) as run:
        ids = insert.run_many_returning(given)
        insert.run_many([{**given[0], "username": f"one-{rows}"}])
    assert len(ids) == rows
    found = Person.select().where(Person.id.in_(ids)).order_by(Person.id)
    assert [{n: getattr(p, n) for n in names} for p in found] == given
    if db.param == "%s":
        assert len(run) == 2 and run[0].split(" RETURNING ")[0] == run[1]


def test_many_blobs_written_byte_for_byte(db: peewee.Database) -> None:
    """Bytes (a blob field's, on PostgreSQL in an array's text as hex) come back as given."""
    source = Source.create(name="Web", kind="web").id
    number = builders.ticket(source, builders.person("ann"))
    message = Message.get(Message.ticket == number).id
    insert = PreparedInsert(Attachment, ("message", "filename", "content_type", "size", "data"))
    blobs = [bytes(range(256)), b"", b'"{,}\\NULL', "é".encode() * 3, bytes(4096)]
    given = [
        {"message": message, "filename": f"{n}", "content_type": "x/y", "size": len(b), "data": b}
        for n, b in enumerate(blobs)
    ]
    ids = insert.run_many_returning(given)
    found = Attachment.select(Attachment.data).where(Attachment.id.in_(ids))
    assert [bytes(data) for (data,) in tuple_rows(found.order_by(Attachment.id))] == blobs
