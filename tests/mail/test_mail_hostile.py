"""One message never stops the mail: hostile charsets, recursion, NUL bytes, encoded words in
addresses and a message whose filing fails, taken through the gate on the chosen backend, from
an mbox and from the real Dovecot."""

from __future__ import annotations

import peewee
import pytest

from access import Gate, intake
from access.intake import FILING_TRIES
from mail.channel import MailChannel
from mail.parse import parse_mail
from store import dialect
from store.models import MailCursor, MailFailure, Message, Person, QuarantinedMail, Ticket
from tests.mail_servers import Dovecot
from tests.mail_support import customer_mail, mail_helpdesk

# Python codecs that are no text encodings: `bytes.decode` with them raises LookupError.
NOT_TEXT = ("zlib", "rot13", "base64", "hex", "uu", "bz2", "quopri")


@pytest.fixture
def gate(db: peewee.Database) -> Gate:
    return mail_helpdesk(db)


def take(gate: Gate, raw: bytes, origin: str = "test"):
    return MailChannel(gate).take_mail(gate.mailboxes.mail_source("Support"), raw, origin)


def with_charset(charset: str, where: str) -> bytes:
    body = f"Content-Type: text/plain; charset={charset}\n\nHello from {charset}\n"
    subject = f"=?{charset}?q?Hello?=" if where == "subject" else "Hello"
    name = f"=?{charset}?q?Jan?= " if where == "name" else ""
    head = f"From: {name}<jan@example.pl>\nSubject: {subject}\nMessage-ID: <{charset}.{where}@x>\n"
    return (head + ("MIME-Version: 1.0\n" + body if where == "body" else "\nHello\n")).encode()


def deep_comments() -> bytes:
    return b"From: jan@example.pl " + b"(" * 5000 + b")" * 5000 + b"\nSubject: deep\n\nHello\n"


def nested_messages(depth: int = 300) -> bytes:
    inner = b"Content-Type: text/plain\n\nthe innermost\n"
    for n in range(depth):
        inner = (
            b"Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n"
            b"Content-Type: message/rfc822\n\n%s\n--b%d--\n" % (n, n, inner, n)
        )
    return b"From: jan@example.pl\nSubject: nested\nMIME-Version: 1.0\n" + inner


@pytest.mark.parametrize("where", ["body", "subject", "name"])
@pytest.mark.parametrize("charset", NOT_TEXT)
def test_a_codec_that_is_no_charset_is_read_as_undeclared_text(
    gate: Gate, charset: str, where: str
) -> None:
    taken = take(gate, with_charset(charset, where))
    assert taken.outcome == "new"
    ticket = Ticket.get_by_id(taken.ticket)
    assert ticket.subject == "Hello"
    assert "Hello" in Message.get(Message.ticket == ticket.number).body


@pytest.mark.parametrize("raw", [deep_comments(), nested_messages()], ids=["comments", "nesting"])
def test_recursion_quarantines_the_message_and_the_next_one_is_taken(gate: Gate, raw) -> None:
    taken = take(gate, raw)
    assert taken.outcome == "quarantined" and "RecursionError" in taken.detail
    (held,) = QuarantinedMail.select()
    assert bytes(held.raw_mail) == raw and "RecursionError" in held.reason
    assert take(gate, customer_mail()).outcome == "new"


def test_nul_bytes_are_stored_as_replacement_characters_on_every_backend(gate: Gate) -> None:
    raw = (
        b"From: Jan\x00 Kowalski <jan@example.pl>\nSubject: par\x00cel\n"
        b"Content-Type: text/plain; charset=utf-8\n\nwhere\x00 is it\n"
    )
    taken = take(gate, raw)
    assert taken.outcome == "new"
    ticket = Ticket.get_by_id(taken.ticket)
    assert ticket.subject == "par\ufffdcel"
    assert Message.get(Message.ticket == ticket.number).body == "where\ufffd is it"
    assert Person.get(Person.email == "jan@example.pl").display_name == "Jan\ufffd Kowalski"


def test_an_mbox_batch_with_a_nul_and_a_poison_message_takes_every_other_message(
    gate: Gate,
) -> None:
    messages = [
        ("m1", customer_mail("first", subject="One")),
        ("m2", b"From: ola@example.pl\nSubject: nul\x00here\n\nbody\x00\n"),
        ("m3", deep_comments()),
        ("m4", with_charset("zlib", "body")),
        ("m5", customer_mail("last", subject="Five", sender="eva@example.pl")),
    ]
    lines: list[str] = []
    counts = MailChannel(gate).import_messages(
        gate.mailboxes.mail_source("Support"), iter(messages), lines.append
    )
    assert counts == {"new": 4, "quarantined": 1}
    assert [line.split(": ")[2].split()[0] for line in lines] == [
        "new", "new", "quarantined", "new", "new",
    ]  # fmt: skip
    subjects = sorted(t.subject for t in Ticket.select())
    assert subjects == sorted(["One", "nul\ufffdhere", "Hello", "Five"])


@pytest.mark.parametrize(
    "sender",
    [
        "=?utf-8?q?jan=0D=0Abcc=3A_x?=@customer.example",
        "Jan <=?utf-8?q?jan=0D=0Abcc=3A_x?=@customer.example>",
    ],
)
def test_an_encoded_word_in_an_address_is_never_decoded_into_it(gate: Gate, sender: str) -> None:
    raw = f"From: {sender}\nSubject: hi\n\nHello\n".encode()
    assert "\n" not in parse_mail(raw).sender_address
    taken = take(gate, raw)
    assert taken.outcome == "new"
    (person,) = Person.select().where(Person.email.contains("customer.example"))
    assert "\r" not in person.email and "\n" not in person.email and "bcc" in person.email
    assert person.email.startswith("=?utf-8?q?")


def test_an_address_with_a_control_character_is_quarantined(gate: Gate) -> None:
    raw = b"From: Jan <jan\x01x@example.pl>\nSubject: hi\n\nHello\n"
    taken = take(gate, raw)
    assert taken.outcome == "quarantined" and "not valid" in taken.detail
    assert not Person.select().where(Person.email.contains("example.pl")).exists()


def test_precedence_auto_reply_is_automatic(gate: Gate) -> None:
    taken = take(gate, customer_mail(headers={"Precedence": "auto_reply"}))
    assert taken.outcome == "ignored" and "auto_reply" in taken.detail
    assert Ticket.select().count() == 0


# ------------------------------------------------------------- filing that fails


def poison_trigger(db: peewee.Database) -> None:
    """A real constraint of the database that refuses a message body holding `poison`: filing
    such a message fails after its requester and ticket rows were written."""
    if dialect.is_sqlite(db):
        db.execute_sql(
            "CREATE TRIGGER poison BEFORE INSERT ON message WHEN NEW.body LIKE '%poison%' "
            "BEGIN SELECT RAISE(ABORT, 'poisoned body'); END"
        )
        return
    db.execute_sql(
        "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF strpos(NEW.body, 'poison') > 0 THEN RAISE EXCEPTION 'poisoned body'; END IF; "
        "RETURN NEW; END $$"
    )
    db.execute_sql(
        "CREATE TRIGGER poison BEFORE INSERT ON message FOR EACH ROW EXECUTE FUNCTION poison()"
    )


def test_a_message_whose_filing_fails_twice_is_quarantined(gate: Gate, db) -> None:
    poison_trigger(db)
    raw = customer_mail("poison inside", sender="eva@example.pl")
    taken = take(gate, raw)
    assert taken.outcome == "quarantined"
    assert f"failed {FILING_TRIES} times" in taken.detail and "poisoned body" in taken.detail
    (held,) = QuarantinedMail.select()
    assert bytes(held.raw_mail) == raw
    assert (
        Ticket.select().count() == 0
        and not Person.select().where(Person.email == "eva@example.pl").exists()
    )  # nothing of the failed filing stayed
    assert MailFailure.select().count() == 0
    assert take(gate, customer_mail("fine")).outcome == "new"


def test_a_failure_counted_before_quarantines_at_the_next_failure(gate: Gate, db) -> None:
    """The count outlives the process: a message that failed once in an earlier run (which then
    died) is quarantined at its next failure, not tried for ever."""
    poison_trigger(db)
    raw = customer_mail("poison again")
    source = gate.mailboxes.mail_source("Support")
    from hashlib import sha256

    MailFailure.create(source=source.id, digest=sha256(raw).hexdigest(), failures=1)
    taken = take(gate, raw)
    assert taken.outcome == "quarantined" and "failed 2 times" in taken.detail


@pytest.mark.parametrize("part", [intake.READ_PART, 2])
def test_an_import_batch_with_a_message_whose_filing_fails_keeps_the_others(
    gate: Gate, db, monkeypatch: pytest.MonkeyPatch, part: int
) -> None:
    """Also when the batch is filed in parts (on PostgreSQL) and fails in its second, whose
    rows are written while the third is read: the batch is taken again message by message."""
    monkeypatch.setattr(intake, "READ_PART", part)
    poison_trigger(db)
    messages = [(f"m{n}", customer_mail(f"message {n}", subject=f"S{n}")) for n in range(4)]
    messages.insert(2, ("bad", customer_mail("poison", subject="Bad")))
    lines: list[str] = []
    counts = MailChannel(gate).import_messages(
        gate.mailboxes.mail_source("Support"), iter(messages), lines.append
    )
    assert counts == {"new": 4, "quarantined": 1}
    assert sorted(t.subject for t in Ticket.select()) == ["S0", "S1", "S2", "S3"]
    assert "Support: bad: quarantined" in lines[2]


@pytest.mark.usefixtures("mail_password")
def test_a_fetch_quarantines_a_poison_message_and_takes_the_mail_behind_it(
    db, dovecot: Dovecot, mailbox: str
) -> None:
    gate = mail_helpdesk(db, imap=dovecot.url(mailbox))
    poison_trigger(db)
    for raw in (
        with_charset("zlib", "subject"),
        deep_comments(),
        nested_messages(),
        customer_mail("poison", subject="Filing fails"),
        customer_mail("fine", subject="Behind them"),
    ):
        dovecot.append(mailbox, raw)
    lines: list[str] = []
    source = gate.mailboxes.mail_source("Support")
    assert MailChannel(gate).fetch(source, lines.append) == 5
    assert [line.split(": ")[2].split()[0] for line in lines] == [
        "new", "quarantined", "quarantined", "quarantined", "new",
    ]  # fmt: skip
    assert MailCursor.get().last_uid == 5
    assert MailChannel(gate).fetch(source, lines.append) == 0  # nothing loops
    assert QuarantinedMail.select().count() == 3
