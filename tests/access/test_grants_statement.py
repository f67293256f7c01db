"""The grants' statement, written out for the usual condition on one column of the person, is
the one Peewee builds for that condition, on each backend; and it reads the same grants."""

from __future__ import annotations

import peewee
import pytest

from access.grants import _statement, _union, read_grants
from store.models import Person


@pytest.mark.parametrize("field", ["id", "username", "email"])
def test_the_written_statement_is_peewees(demo_db: peewee.Database, field: str) -> None:
    ada = Person.get(Person.username == "ada")
    condition = getattr(Person, field) == getattr(ada, field)
    assert _statement(condition) == _union(condition).sql()


def test_it_reads_the_grants_peewees_statement_reads(demo_db: peewee.Database) -> None:
    ada = Person.get(Person.username == "ada")
    by_name = read_grants(Person.username == "ada")
    assert by_name is not None and by_name.roles
    assert read_grants(Person.id == ada.id) == by_name
    built, params = _union(Person.id == ada.id).sql()
    rows = demo_db.execute_sql(built, params).fetchall()
    assert sorted(rows) == sorted(demo_db.execute_sql(*_statement(Person.id == ada.id)).fetchall())
    assert read_grants(Person.username == "nobody at all") is None
