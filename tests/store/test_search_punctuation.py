"""Letters that PostgreSQL's `unaccent` turns into punctuation (U+02BC, the Ukrainian apostrophe,
becomes a quote; others a backslash or a slash) search as on SQLite, in the ticket list and the
command line: the same tickets, never a database error."""

from __future__ import annotations

import peewee
import pytest

from access import Gate
from access.views import TicketQuery
from tests import builders as b
from ticketty.main import main

APOSTROPHE = "\u02bc"  # MODIFIER LETTER APOSTROPHE, a letter in Ukrainian words


def found(gate: Gate, text: str) -> set[int]:
    return {row.number for row in gate.inbox.list_tickets(TicketQuery(search=text), limit=500)}


@pytest.fixture
def tickets(db: peewee.Database) -> dict[str, int]:
    w = b.world()
    b.role("Lister", ["tickets.list", "tickets.view"], holders=[b.person("lister")])
    return {
        "object": b.ticket(w.s1, w.customer, subject=f"Де мій обʼєкт {APOSTROPHE}?"),
        "family": b.ticket(w.s1, w.customer, subject="Лист для сімʼї", body="Дякую"),
        "half": b.ticket(w.s1, w.customer, subject="Half ½ a kettle"),
        "plain": b.ticket(w.s1, w.customer, subject="Kettle is fine"),
    }


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("обʼєкт", {"object"}),
        ("ОБʼЄКТ", {"object"}),
        ("сімʼї", {"family"}),
        ("сімʼ*", {"family"}),
        ("обʼєкт сімʼї", set()),
        ("½", {"half"}),
        ("kettle", {"half", "plain"}),
    ],
)
def test_letters_unaccent_makes_punctuation_search_as_on_sqlite(
    db: peewee.Database, tickets: dict[str, int], text: str, wanted: set[str]
) -> None:
    gate = Gate(db, "lister")
    assert found(gate, text) == {tickets[name] for name in wanted}
    assert gate.inbox.count_tickets(TicketQuery(search=text)) == len(wanted)


@pytest.mark.parametrize("text", [APOSTROPHE, f"{APOSTROPHE}{APOSTROPHE}*", "\\", "'", "a'b\\c"])
def test_punctuation_alone_is_no_error(db, db_location: str, tickets, text: str, capsys) -> None:
    assert found(Gate(db, "lister"), text) is not None
    code = main(["--db", db_location, "--user", "lister", "tickets", "list", "--search", text])
    assert code == 0, capsys.readouterr().err
