"""The grants' statement, written out for the usual condition on one column of the person, is
the one Peewee builds for that condition, on each backend; and it reads the same grants."""

from __future__ import annotations

import peewee
import pytest

from access.grants import _grants_of_rows, _statement, _union, read_grants
from store.models import Person, PersonRole


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


@pytest.mark.postgresql_only("a prepared statement is the server's")
def test_the_server_plans_each_written_statement_once_per_connection(
    demo_db: peewee.Database,
) -> None:
    ada = Person.get(Person.username == "ada")
    by_id = read_grants(Person.id == ada.id)
    with demo_db.atomic() as transaction:  # a prepared statement outlives a rollback
        assert read_grants(Person.username == "ada") == by_id
        transaction.rollback()
    PersonRole.delete().where(PersonRole.person == ada.id).execute()
    rows = demo_db.execute_sql(*_union(Person.id == ada.id).sql()).fetchall()
    fewer = read_grants(Person.id == ada.id)
    assert fewer is not None and by_id is not None and fewer.roles == () != by_id.roles
    assert fewer == _grants_of_rows(list(rows)) == read_grants(Person.username == "ada")
    prepared = demo_db.execute_sql("SELECT statement FROM pg_prepared_statements").fetchall()
    assert len(prepared) == 2, prepared  # one per person column asked by, each planned once


@pytest.mark.postgresql_only("a prepared statement is the server's")
def test_the_grants_run_on_the_connection_they_were_prepared_on(
    demo_db: peewee.Database, db_location: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another connection to the database opened by another part of the process meanwhile (the
    store's proxy then names it) leaves the grants' statement on the connection it was
    prepared on: a session's gate thread read its grants there while a test opened another."""
    from access import grants
    from store.models import database_proxy
    from tests.backends import connect

    ada = Person.get(Person.username == "ada")
    prepare = grants.prepared

    def prepared_then_another_opened(*args: object) -> tuple[str, list[object]]:
        statement = prepare(*args)  # type: ignore[arg-type]
        connect(db_location)
        return statement

    monkeypatch.setattr(grants, "prepared", prepared_then_another_opened)
    try:
        assert read_grants(Person.id == ada.id) is not None
    finally:
        database_proxy.initialize(demo_db)
