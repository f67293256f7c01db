"""`store.raw_writes.update_each` writes each row's values as Peewee's own UPDATE would, on each
backend, a column of NULLs and a text column included; `store.prepared.kept_as_is` names only
the values a field's conversion gives back unchanged."""

from __future__ import annotations

from datetime import datetime

import peewee

from store.dialect import is_sqlite
from store.models import Person, Source, Ticket
from store.prepared import kept_as_is
from store.raw_writes import update_each
from store.rows import tuple_rows
from tests.builders import ticket


def test_update_each_writes_every_row(db: peewee.Database) -> None:
    source = Source.create(name="Mail").id
    requester = Person.create(username="r", display_name="R").id
    numbers = [ticket(source, requester, subject=f"T {n}") for n in range(4)]
    when = datetime(2026, 12, 3, 10, 30)
    columns: list[peewee.Field] = [
        Ticket.subject,
        Ticket.first_response_due,
        Ticket.due_at,
        Ticket.sla_policy,
    ]
    rows: dict[int, list[object]] = {
        numbers[0]: ["Zoë 'z'", None, when, None],
        numbers[2]: ["", None, when.replace(minute=45), 7],
        numbers[3]: ["Ada", None, when, None],
    }
    with db.atomic():
        update_each(Ticket.number, rows, columns)
    found = {
        number: list(rest) for number, *rest in tuple_rows(Ticket.select(Ticket.number, *columns))
    }
    for number, values in rows.items():
        assert found[number] == values
    assert found[numbers[1]][0] == "T 1"  # a row not named is left as it was


def test_update_each_of_nothing_writes_nothing(db: peewee.Database) -> None:
    update_each(Ticket.number, {}, [Ticket.due_at])


def test_kept_as_is() -> None:
    assert kept_as_is(Ticket.number, "db_value") == {int, type(None)}
    assert kept_as_is(Ticket.source, "python_value") == {int, type(None)}  # a foreign key
    assert kept_as_is(Ticket.subject, "db_value") == {str, type(None)}
    assert kept_as_is(Ticket.private, "db_value") == {bool, type(None)}
    assert kept_as_is(Ticket.due_at, "python_value") == {datetime, type(None)}
    for field, value in ((Ticket.number, True), (Ticket.private, 1), (Ticket.subject, b"x")):
        assert type(value) not in kept_as_is(field, "db_value")  # these are converted


def test_update_each_leaves_a_row_that_holds_its_values(db: peewee.Database) -> None:
    """A row whose columns hold the values given already gets no new version (PostgreSQL: its
    `xmin` stays; SQLite: no change counted); the others are written."""
    source = Source.create(name="Mail").id
    requester = Person.create(username="r", display_name="R").id
    numbers = [ticket(source, requester, subject=f"T {n}") for n in range(3)]
    when = datetime(2026, 12, 3, 10, 30)
    columns: list[peewee.Field] = [Ticket.first_response_due, Ticket.sla_policy]
    with db.atomic():
        update_each(Ticket.number, {numbers[0]: [when, None], numbers[1]: [when, None]}, columns)
    rows: dict[int, list[object]] = {
        numbers[0]: [when, None],  # as it is
        numbers[1]: [when, 3],  # one column changes
        numbers[2]: [None, None],  # as it is, NULLs
    }

    def versions() -> dict[int, object]:
        if is_sqlite(db):
            return {}
        found = db.execute_sql("SELECT number, xmin::text FROM ticket ORDER BY number")
        return dict(found.fetchall())

    before = versions()
    with db.atomic():
        counted = db.execute_sql("SELECT total_changes()").fetchone()[0] if is_sqlite(db) else 0
        update_each(Ticket.number, rows, columns)
        if is_sqlite(db):
            assert db.execute_sql("SELECT total_changes()").fetchone()[0] - counted == 1
    after = versions()
    if not is_sqlite(db):
        assert [n for n in numbers if before[n] != after[n]] == [numbers[1]]
    found = {
        number: list(rest) for number, *rest in tuple_rows(Ticket.select(Ticket.number, *columns))
    }
    assert found == rows
