"""A macro on many tickets goes a chunk of tickets per transaction, each step on the whole chunk
at once: its statements do not grow with the tickets, a ticket a step cannot take is skipped by
that step alone, and a failure rolls the whole chunk back, so no ticket keeps part of a macro."""

from __future__ import annotations

import json
from pathlib import Path

import peewee
import pytest

from access import Gate, change_pipeline
from access.audit import verify_chain
from access.errors import AccessError
from access.notify_events import MENTIONED
from access.outbox import outgoing
from store import dialect
from store.db import DatabaseError
from store.models import AuditEvent, MailId, Message, OutboxItem, Person, Source, Ticket
from store.notification_models import Notification
from tests.backends import connect
from tests.cli.test_cli_change_pipeline import traced
from ticketty.main import main

STEPS = ["priority:high", "status:pending", "note:Checked by {{agent.name}}", "reply:Everywhere"]


def open_tickets(count: int, *condition: peewee.Expression) -> list[int]:
    """Open tickets that are neither private nor already pending or high."""
    query = Ticket.select(Ticket.number).where(
        Ticket.status.in_(["new", "open"]),
        Ticket.priority != "high",
        Ticket.private == False,  # noqa: E712
        *condition,
    )
    return [t.number for t in query.order_by(Ticket.number).limit(count)]


def with_everywhere_reply(gate: Gate) -> Gate:
    gate.replies.add_reply("Everywhere", "Hello {{requester.first_name}}, see #{{ticket.number}}.")
    gate.macros.add_macro("Four steps", STEPS)
    return gate


def _issued(traced: list[str]) -> list[str]:
    """The statements Ticketty issued: SQLite's trace also reports the statements of triggers
    (the search index's, per row written, as `-- ...`) and the triggering statement again as
    each of its rows fires them."""
    issued: list[str] = []
    for statement in traced:
        if not statement.startswith("--") and (not issued or issued[-1] != statement):
            issued.append(statement)
    return issued


def test_a_macros_statements_do_not_grow_with_its_tickets(tmp_path: Path) -> None:
    """On SQLite, whatever the backend of the run: the count is SQLite's trace."""
    location = str(tmp_path / "demo.db")
    assert main(["demo", "--db", location, "--tickets", "400", "--seed", "7"]) == 0
    ada = with_everywhere_reply(Gate(connect(location), "ada"))
    numbers = open_tickets(240, Ticket.usergroup.is_null(False))
    ada.macros.apply_macro("Four steps", numbers[:5])  # the rules read once and cached
    few, many = numbers[5:30], numbers[30:]
    assert len(many) >= 3 * len(few)
    with traced() as opening:
        connect(location).close()
    counts = []
    for marked in (few, many):
        with traced() as statements:
            done = Gate(connect(location), "ada").macros.apply_macro("Four steps", marked)
        assert all(step.changed == tuple(marked) for step in done.steps)
        assert opening and statements[: len(opening)] == opening
        counts.append(len(_issued(statements)) - len(_issued(opening)))
    assert counts[1] == counts[0], counts


def test_a_macro_larger_than_a_chunk_goes_a_chunk_per_transaction(
    demo_db: peewee.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(change_pipeline, "CHUNK", 7)
    ada = with_everywhere_reply(Gate(demo_db, "ada"))
    numbers = open_tickets(20)
    last = Message.select(peewee.fn.MAX(Message.id)).scalar()
    preview = ada.macros.plan_macro("Four steps", numbers)
    done = ada.macros.apply_macro("Four steps", numbers)
    assert [s._replace(applied=False) for s in done.steps] == list(preview.steps)
    assert all(step.changed == tuple(numbers) for step in done.steps)
    for number in numbers:
        ticket = Ticket.get_by_id(number)
        assert (ticket.status, ticket.priority) == ("pending", "high")
        kinds = [m.kind for m in Message.select().where(Message.ticket == number)]
        assert kinds[-2:] == ["note", "reply"]
    events = AuditEvent.select().where(
        (AuditEvent.action == "macro.apply") & AuditEvent.ticket.in_(numbers)
    )
    assert sorted(e.ticket or 0 for e in events) == numbers
    replies = Message.select(Message.ticket).where((Message.id > last) & (Message.kind == "reply"))
    queued = replies.join(OutboxItem, on=(OutboxItem.message == Message.id))
    with_ids = replies.join(MailId, on=(MailId.message == Message.id))
    sendable = [n for n in numbers if not outgoing(Ticket.get_by_id(n)).unsent]
    assert sendable and sorted(m.ticket_id for m in queued) == sendable
    assert sorted(m.ticket_id for m in with_ids) == sendable
    assert verify_chain() is None


def test_a_note_mentioning_someone_who_cannot_read_it_skips_that_ticket_alone(
    demo_db: peewee.Database,
) -> None:
    """ali works on Allegro only: a note mentioning him is skipped on the other tickets, and
    the macro's other step applies there all the same; on his, the note tells him."""
    ada = Gate(demo_db, "ada")
    ada.macros.add_macro("Ask ali", ["priority:high", "note:Please look, @ali"])
    allegro = Source.get(Source.name == "Allegro PL").id
    (his,) = open_tickets(1, Ticket.source == allegro)
    (other,) = open_tickets(1, Ticket.source != allegro)
    notes = Message.select().where((Message.kind == "note") & (Message.body.contains("@ali")))
    before = notes.count()
    done = ada.macros.apply_macro("Ask ali", [his, other])
    priority, note = done.steps
    assert priority.changed == (his, other) and note.changed == (his,)
    assert dict(note.skipped) == {f"@ali cannot see #{other}; the note was not sent": (other,)}
    assert Ticket.get_by_id(other).priority == "high"
    assert [m.ticket_id for m in notes.offset(before)] == [his]
    ali = Person.get(Person.username == "ali").id
    told = Notification.select().where(
        (Notification.person == ali) & (Notification.event == MENTIONED)
    )
    assert [n.ticket_id for n in told] == [his]
    logged = AuditEvent.get((AuditEvent.action == "macro.apply") & (AuditEvent.ticket == other))
    assert json.loads(logged.after)["skipped"] == {
        "note Please look, @ali": f"@ali cannot see #{other}; the note was not sent"
    }


def _refuse_notes_on(db: peewee.Database, number: int) -> None:
    """A trigger of the database refusing a note on ticket `number`: a failure in the middle
    of a macro's chunk, as a full disk or a lost connection would be."""
    if dialect.is_sqlite(db):
        db.execute_sql(
            f"CREATE TRIGGER refuse_note BEFORE INSERT ON message WHEN NEW.ticket_id = {number} "
            "AND NEW.kind = 'note' BEGIN SELECT RAISE(ABORT, 'note refused'); END"
        )
        return
    db.execute_sql(
        "CREATE FUNCTION refuse_note() RETURNS trigger AS $$ BEGIN "
        f"IF NEW.ticket_id = {number} AND NEW.kind = 'note' THEN "
        "RAISE EXCEPTION 'note refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
    )
    db.execute_sql(
        "CREATE TRIGGER refuse_note BEFORE INSERT ON message FOR EACH ROW "
        "EXECUTE FUNCTION refuse_note()"
    )


def test_a_failure_in_a_chunk_leaves_none_of_its_tickets_half_changed(
    demo_db: peewee.Database,
) -> None:
    ada = Gate(demo_db, "ada")
    ada.macros.add_macro("Escalate", ["priority:high", "note:Escalated", "status:pending"])
    numbers = open_tickets(3)
    before = {n: (t.priority, t.status, t.version) for n in numbers for t in [Ticket[n]]}
    messages = Message.select().count()
    events = AuditEvent.select().count()
    _refuse_notes_on(demo_db, numbers[1])
    with pytest.raises((AccessError, DatabaseError), match="note refused"):
        ada.macros.apply_macro("Escalate", numbers)
    assert {n: (t.priority, t.status, t.version) for n in numbers for t in [Ticket[n]]} == before
    assert (Message.select().count(), AuditEvent.select().count()) == (messages, events)
    demo_db.execute_sql(
        "DROP TRIGGER refuse_note" + ("" if dialect.is_sqlite(demo_db) else " ON message")
    )
    done = ada.macros.apply_macro("Escalate", numbers)
    assert all(step.changed == tuple(numbers) for step in done.steps)
