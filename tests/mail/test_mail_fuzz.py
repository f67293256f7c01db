"""Fuzzing the parser and the intake with hostile MIME (`tests.hostile_mail`): no exception
escapes, and every message ends as a ticket, an answer on one, an ignored automatic message or
bounce, or in quarantine with its reason. The example counts are fixed so the run time is
bounded. Both run with deprecation warnings as errors: a charset that is no mail charset must
never reach a codec that warns (`unicode_escape` of an invalid escape is a DeprecationWarning),
and a warning made an error would end as a refusal naming it. Only that kind: a ResourceWarning
of another test's connection, collected while this one starts, is no fault of the mail read
here."""

from __future__ import annotations

import random

import peewee
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from access import Gate
from mail.channel import MailChannel
from mail.parse import ParsedMail, UnreadableMail, parse_mail
from store.models import QuarantinedMail, Ticket
from tests.hostile_mail import hostile_mail, nested
from tests.mail_support import mail_helpdesk

FILED = {"new", "appended", "follow-up"}
NOT_FILED = {"ignored", "duplicate", "bounce", "quarantined"}
# Escape processing at every place a charset is named: body, encoded word, RFC 2231 parameter.
ESCAPES = (
    b"From: =?unicode_escape?q?=5Cq=5Cu202e?= <jan@example.pl>\nSubject: =?raw_unicode_escape?q?"
    b"=5Cq?=\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=z\n\n--z\n"
    b"Content-Type: text/plain; charset=unicode_escape\n\n\\q \\N{x}\n--z\n"
    b"Content-Type: application/pdf\nContent-Disposition: attachment; "
    b"filename*=unicode_escape''%5Cq\n\nx\n--z--\n"
)


@pytest.mark.filterwarnings("error::DeprecationWarning")
@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(raw=hostile_mail)
@example(raw=ESCAPES)
def test_the_parser_reads_or_refuses_with_a_reason(raw: bytes) -> None:
    try:
        mail = parse_mail(raw)
    except UnreadableMail as refused:
        assert str(refused) and "Warning" not in str(refused)
        return
    assert isinstance(mail, ParsedMail)
    for text in (mail.subject, mail.text, mail.sender_name, mail.sender_address):
        assert "\x00" not in text and not any("\ud800" <= ch <= "\udfff" for ch in text)
    assert not any(ch.isspace() or ord(ch) < 0x20 for ch in mail.sender_address)


# What a parse gives the intake at its edges: a nest past the parser's recursion limit (read
# as refused), and a large body of random bytes said to be UTF-16, under a subject and a
# sender's name that hold NUL and control bytes.
TOO_DEEP = nested(400)
RANDOM_BODY = (
    b"From: =?utf-8?q?=00=1B[31m?= <jan@example.pl>\nSubject: \x00\x7f\nMIME-Version: 1.0\n"
    b"Content-Type: text/plain; charset=utf-16\nContent-Transfer-Encoding: 8bit\n\n"
    + random.Random(7).randbytes(70_000)
)


# The intake's examples are fewer than the parser's: each costs two whole intakes of up to four
# mails (nearly all of it the parser's work, which the test above fuzzes on its own), and what
# the intake adds is where a parse's outcome is stored; the examples above hold the outcomes
# at the edges of what a parse gives.
@pytest.mark.filterwarnings("error::DeprecationWarning")
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(batch=st.lists(hostile_mail, min_size=1, max_size=4))
@example(batch=[ESCAPES])
@example(batch=[TOO_DEEP, RANDOM_BODY, ESCAPES])
def test_intake_files_or_quarantines_every_message(db: peewee.Database, batch: list[bytes]) -> None:
    gate = _helpdesk(db)
    source = gate.mailboxes.mail_source("Support")
    tickets_before = Ticket.select().count()
    held_before = QuarantinedMail.select().count()
    outcomes = [MailChannel(gate).take_mail(source, raw, "fuzz").outcome for raw in batch]
    counts = MailChannel(gate).import_messages(
        source, iter(("fuzz", raw) for raw in batch), lambda _: None
    )
    assert set(outcomes) <= FILED | NOT_FILED and set(counts) <= FILED | NOT_FILED
    new = outcomes.count("new") + outcomes.count("follow-up") + counts.get("new", 0)
    new += counts.get("follow-up", 0)
    assert Ticket.select().count() - tickets_before == new
    held = outcomes.count("quarantined") + counts.get("quarantined", 0)
    assert QuarantinedMail.select().count() - held_before == held
    assert not QuarantinedMail.select().where(QuarantinedMail.reason.contains("Warning")).exists()


_gates: dict[int, Gate] = {}


def _helpdesk(db: peewee.Database) -> Gate:
    """One helpdesk per test database: Hypothesis runs every example on the same fixture."""
    if id(db) not in _gates:
        _gates.clear()
        _gates[id(db)] = mail_helpdesk(db)
    return _gates[id(db)]
