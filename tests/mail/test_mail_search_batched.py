"""A mail import's batch writes its messages' words into the search documents once per ticket
(`dialect.search_indexed_once`): the documents, and the tickets a search finds, are
those the same mail leaves taken in one message at a time (the message trigger writing each);
the trigger is there again after the batch, also after a batch that failed and was taken again
message by message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import peewee
import pytest

from access import Gate, intake
from access.intake import Intake
from access.views import TicketQuery
from mail.channel import MailChannel
from store import dialect
from store.models import Ticket
from tests.mail_support import customer_mail, mail_helpdesk

JAN = "Jan Kowalski <jan@example.pl>"
# Words of the mail below, folded letters among them (`store.letters`), and words of none.
WORDS = [
    "paczka", "łodzi", "lodzi", "zwrot", "straße", "strasse", "second", "refund", "third",
    "άλφα", "αλφα", "ёлка", "елка", "øre", "ore", "parcel", "broken", "missing", "nowhere",
]  # fmt: skip


def _mails() -> list[bytes]:
    return [
        customer_mail("Paczka z Łodzi, zwrot proszę", sender=JAN, subject="Zwrot",
                      message_id="<first@example.pl>"),
        customer_mail("Άλφα και ёлка, Øre", sender="eleni@example.gr", subject="Ερώτηση"),
        customer_mail("A second message: refund now, Straße 5", sender=JAN, subject="Re: Zwrot",
                      in_reply_to="<first@example.pl>", message_id="<second@example.pl>"),
        customer_mail("parcel broken", sender="max@example.com", subject="Parcel"),
        customer_mail("Third on the same ticket", sender=JAN, subject="Re: Zwrot",
                      references="<first@example.pl> <second@example.pl>"),
    ]  # fmt: skip


def _imported(db: peewee.Database, gate: Gate, take: Callable[[Gate, list[bytes]], None]) -> Any:
    """What `take` leaves of the mail: the search documents of the new tickets, the tickets
    each word finds, numbered from the first new one; rolled back after."""
    with db.atomic() as run:
        first = Ticket.select(peewee.fn.MAX(Ticket.number)).scalar() or 0
        take(gate, _mails())
        new = Ticket.select(peewee.fn.MIN(Ticket.number)).where(Ticket.number > first).scalar()
        found = {
            word: sorted(
                row.number - new
                for row in gate.inbox.list_tickets(TicketQuery(search=word), limit=50)
            )
            for word in WORDS
        }
        documents = db.execute_sql(
            "SELECT rowid - ?, subject, public, notes, scope FROM ticket_search "
            "WHERE rowid >= ? ORDER BY rowid"
            if dialect.is_sqlite(db)
            else "SELECT number - %s, public::text, everything::text FROM ticket_search "
            "WHERE number >= %s ORDER BY number",
            (new, new),
        ).fetchall()
        indexed = _a_later_message_is_indexed(gate, new)
        run.rollback()
    return found, documents, indexed


def _a_later_message_is_indexed(gate: Gate, number: int) -> bool:
    gate.messages.note(number, "kangaroo")
    return number in {row.number for row in gate.inbox.list_tickets(TicketQuery(search="kangaroo"))}


def _batched(gate: Gate, mails: list[bytes]) -> None:
    source = gate.mailboxes.mail_source("Support")
    numbered = ((f"mail {n}", mail) for n, mail in enumerate(mails))
    counts = MailChannel(gate).import_messages(source, numbered, lambda _line: None)
    assert counts == {"new": 3, "appended": 2}


def _one_by_one(gate: Gate, mails: list[bytes]) -> None:
    source = gate.mailboxes.mail_source("Support")
    channel = MailChannel(gate)
    for n, mail in enumerate(mails):
        channel.take_mail(source, mail, f"mail {n}")


@pytest.mark.parametrize("part", [intake.READ_PART, 2])
def test_a_batch_indexes_its_mail_as_one_message_at_a_time_does(
    db: peewee.Database, monkeypatch: pytest.MonkeyPatch, part: int
) -> None:
    """In one part, and in parts of two (on PostgreSQL each part's new tickets get their
    documents as it is written; a later part's answer to one is added by its trigger)."""
    monkeypatch.setattr(intake, "READ_PART", part)
    gate = mail_helpdesk(db)
    batched = _imported(db, gate, _batched)
    assert batched == _imported(db, gate, _one_by_one)
    found, _documents, indexed = batched
    assert found["lodzi"] == found["łodzi"] == found["zwrot"] == [0]
    assert found["third"] == found["straße"] == found["strasse"] == [0]
    assert found["αλφα"] == found["елка"] == found["ore"] == [1]
    assert found["nowhere"] == []
    assert indexed


def test_a_failed_batch_taken_again_one_by_one_leaves_the_same_index(
    db: peewee.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = mail_helpdesk(db)
    take_many = Intake.take_many

    def failing(self: Intake, *args: Any) -> Any:
        take_many(self, *args)  # everything written, then the batch fails and rolls back
        raise RuntimeError("the batch fails")

    monkeypatch.setattr(Intake, "take_many", failing)
    again = _imported(db, gate, _batched)
    monkeypatch.undo()
    assert again == _imported(db, gate, _one_by_one)
    assert again[2]
