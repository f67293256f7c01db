"""`store.raw_writes.update_each` writes each row's values as Peewee's own UPDATE would, on each
backend, a column of NULLs and a text column included; `store.prepared.kept_as_is` names only
the values a field's conversion gives back unchanged."""

from __future__ import annotations

from datetime import datetime

import peewee

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
