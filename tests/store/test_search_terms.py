"""What a search term means: `#42` is a ticket number; bare digits (an order number) and words
search the text, the requester's name, and their e-mail for those who may see contacts."""

from __future__ import annotations

import peewee
import pytest

from access import Gate
from access.views import TicketQuery
from store.models import Person, Ticket
from store.schema import migrate
from tests import builders as b


def found(gate: Gate, text: str) -> set[int]:
    return {row.number for row in gate.inbox.list_tickets(TicketQuery(search=text), limit=500)}


def test_search_terms(db: peewee.Database) -> None:
    w = b.world()
    katarzyna = Person.create(
        username="c7.weber", display_name="Katarzyna Weber", email="kasia.w@shop.example"
    ).id
    by_order = b.ticket(w.s1, w.customer, subject="Zwrot zamówienia #909070")
    from_her = b.ticket(w.s1, katarzyna, subject="Kettle broken")
    numbered = Ticket.get_by_id(w.t_s1).number
    lister = b.person("lister")
    contact = b.person("contact")
    b.role("Lister", ["tickets.list"], holders=[lister])
    b.role("Contact", ["tickets.list", "tickets.view_contact"], holders=[contact])
    for who, sees_email in (("lister", False), ("contact", True)):
        gate = Gate(db, who)
        assert found(gate, "909070") == {by_order}
        assert found(gate, f"#{numbered}") == {numbered}
        assert found(gate, "weber") == {from_her}
        assert found(gate, "Katarzyna") == {from_her}
        assert found(gate, "katarzyna kettle") == set()  # every word in one place
        assert (found(gate, "kasia") == {from_her}) is sees_email
        assert gate.inbox.count_tickets(TicketQuery(search="kasia")) == (1 if sees_email else 0)


def test_accents_and_case_fold_alike_on_every_backend(db: peewee.Database) -> None:
    """Whole words compared without case or accents, in the subject, the conversation and
    (for those who may read them) the notes; `word*` stands for the words it begins."""
    w = b.world()
    in_subject = b.ticket(w.s1, w.customer, subject="Zwrot zamówienia 1", body="Proszę o zwrot")
    in_body = b.ticket(w.s1, w.customer, subject="Paczka", body="ZAMOWIENIA nie ma, zażółć")
    other_form = b.ticket(w.s1, w.customer, subject="Zamówienie anulowane")
    longer = b.ticket(w.s1, w.customer, subject="W zamówieniach brak faktury")
    in_note = b.ticket(w.s1, w.customer, subject="Etykieta", note="Sprawdzić Zamówienia klienta")
    arrived = b.ticket(
        w.s1, w.customer, subject="Paczki DOTARŁY", body="an die Straße 5", note="Kurier z Łodzi"
    )
    reader, lister = b.person("reader"), b.person("lister")
    b.role("Reader", ["tickets.list", "tickets.view_notes"], holders=[reader])
    b.role("Lister", ["tickets.list"], holders=[lister])
    words = {in_subject, in_body}
    begun = {in_subject, in_body, other_form, longer}
    for who, notes in (("reader", {in_note}), ("lister", set())):
        gate = Gate(db, who)
        for text in ("zamowienia", "zamówienia", "ZAMÓWIENIA", "Zamowienia", "zAmÓwIeNiA"):
            assert found(gate, text) == words | notes, (who, text)
        for text in ("zamowieni*", "ZAMÓWIENI*", "Zamówieni*"):
            assert found(gate, text) == begun | notes, (who, text)
        assert found(gate, "zamówieniach") == {longer}
        assert found(gate, "zamowien") == set()  # a whole word, unless starred
        assert found(gate, "zwrot ZAMÓWIENIA") == {in_subject}  # every word, any case
        assert found(gate, "ZAŻÓŁĆ") == found(gate, "zażółć") == {in_body}
        assert gate.inbox.count_tickets(TicketQuery(search="ZAMOWIENIA")) == len(words | notes)
        # Letters that are not an accented base letter fold as PostgreSQL's unaccent folds them.
        for text in ("dotarly", "dotarły", "DOTARŁY", "dotar*", "DOTARŁ*", "strasse", "straße"):
            assert found(gate, text) == {arrived}, (who, text)
        assert (found(gate, "lodzi") == {arrived}) is (who == "reader")


@pytest.mark.sqlite_only(reason="PostgreSQL's index has folded with unaccent from the start")
def test_an_older_database_folds_letters_after_upgrading(db: peewee.Database) -> None:
    """A file indexed before the fold: its tickets and those written after are found."""
    db.execute_sql("DROP TRIGGER ticket_search_ai")
    db.execute_sql(
        "CREATE TRIGGER ticket_search_ai AFTER INSERT ON ticket BEGIN "
        "INSERT INTO ticket_search(rowid, subject, public, notes) "
        "VALUES (new.number, new.subject, '', ''); END"
    )
    db.execute_sql("DROP TRIGGER message_search_ai")  # its folding form must come back
    w = b.world()
    before = b.ticket(w.s1, w.customer, subject="Paczki dotarły")
    b.role("Lister", ["tickets.list"], holders=[b.person("lister")])
    assert found(Gate(db, "lister"), "dotarly") == set()
    db.execute_sql("DELETE FROM schema_version WHERE version >= 7")
    migrate(db)
    after = b.ticket(w.s1, w.customer, subject="Nowe", body="Przesyłki też dotarły")
    assert found(Gate(db, "lister"), "dotarly") == {before, after}
