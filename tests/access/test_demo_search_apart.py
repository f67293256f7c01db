"""A demo's search documents indexed by a process of their own into a file of its own, then
copied in (`store.search_apart`), make the index the loader makes writing them itself: the
same FTS5 tables row for row (segments, documents, sizes, settings), the same results and
counts of searches, the scope column included."""

from __future__ import annotations

from collections.abc import Callable

import peewee
import pytest

from access.demo import build_demo
from store import search_apart
from tests.backends import connect

TICKETS = 20_000
# Words of the demo, with accents, Polish letters, a prefix, a phrase, NOT and OR, and the
# scope tokens of a source, a status and of tickets without an assignee.
SEARCHES = (
    "refund",
    "zamowienia",
    "zamówienia",
    '"where is my parcel"',
    "rucksendung",
    "invoice NOT vat",
    "courier*",
    "łódź OR zwrot",
    "public: dziekujemy",
    "subject: gnp*",
    "click",
    "notes: customer",
)


def _built(location: str, *, apart: bool) -> peewee.Database:
    db = connect(location, create=True)
    build_demo(db, tickets=TICKETS, service_levels=True, apart=apart)
    return db


def _tables(db: peewee.Database) -> dict[str, list[tuple[object, ...]]]:
    return {
        shadow: db.execute_sql(f"SELECT * FROM ticket_search_{shadow} ORDER BY 1").fetchall()
        for shadow in search_apart.SHADOWS
    }


def _answers(db: peewee.Database) -> list[object]:
    scopes = db.execute_sql(
        "SELECT scope, count(*) FROM ticket_search GROUP BY scope ORDER BY scope"
    ).fetchall()
    found: list[object] = [scopes]
    for text in SEARCHES:
        found.append(
            db.execute_sql(
                "SELECT rowid FROM ticket_search WHERE ticket_search MATCH ? ORDER BY rank, rowid",
                (text,),
            ).fetchall()
        )
    for token in ("s2", "stnew", "an", "prhigh", "p1"):
        found.append(
            db.execute_sql(
                "SELECT count(*) FROM ticket_search WHERE ticket_search MATCH ?",
                (f"scope: {token}",),
            ).fetchone()
        )
    return found


@pytest.mark.sqlite_only(reason="FTS5's shadow tables are SQLite's")
def test_documents_indexed_apart_make_the_index_the_loader_makes(
    new_location: Callable[..., str],
) -> None:
    apart = _built(new_location("apart.db"), apart=True)
    here = _built(new_location("here.db"), apart=False)
    assert not list(search_apart.Path(apart.database).parent.glob("*-search*"))
    tables = _tables(apart)
    assert len(tables["docsize"]) == TICKETS
    assert tables == _tables(here)
    answers = _answers(apart)
    assert all(answers[1:]), "every search finds tickets"
    assert answers == _answers(here)
    apart.execute_sql("INSERT INTO ticket_search(ticket_search) VALUES ('integrity-check')")


@pytest.mark.sqlite_only(reason="FTS5's shadow tables are SQLite's")
def test_a_failure_of_the_indexing_process_is_raised_in_the_loader(
    new_location: Callable[..., str],
) -> None:
    db = connect(new_location("failing.db"), create=True)
    apart = search_apart.SearchApart(db)
    apart.add([(1, "Refund", "", None)], [])  # no scope for ticket 1
    with pytest.raises(RuntimeError, match="KeyError: 1"):
        apart.copy_into(db)
    assert not apart.child.is_alive()
    assert not list(search_apart.Path(db.database).parent.glob("*-search*"))
    assert db.execute_sql("SELECT count(*) FROM ticket_search_docsize").fetchone() == (0,)
