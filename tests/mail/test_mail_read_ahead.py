"""A batch read ahead by the channel's reader thread (`mail.read_ahead`) and filed a part at a
time leaves what the batch read whole before its filing leaves: the same rows under the same
keys, audit log and report lines (answers to mails of earlier parts thread onto their
tickets, a username wanted twice across parts, an unreadable mail quarantined); and the thread
ends with the import, also when it fails."""

from __future__ import annotations

import dataclasses
import re
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import peewee
import pytest
from hypothesis import HealthCheck, example, given, settings

import mail.channel
from access import Gate, intake
from access.inbound import MailReading, ParsedMail, UnreadableMail
from mail.read_ahead import read_in_thread
from tests.mail import test_mail_filing_held as filing_held
from tests.mail.test_mail_filing_held import desk, mails  # noqa: F401 - a fixture
from tests.mail_support import customer_mail

READER = "ticketty-mail-reader"
Drawn = list[tuple[str, tuple[str, int], bool, bool, bool]]


def _readers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == READER]


def _unreadable_when_marked(read: Callable[[bytes], ParsedMail]) -> Callable[[bytes], ParsedMail]:
    def reading(raw: bytes) -> ParsedMail:
        if b"mail 3" in raw:
            raise UnreadableMail("no such charset")
        return read(raw)

    return reading


def _imported_with(
    db: peewee.Database, gate: Gate, drawn: Drawn, ahead: bool, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, Any], list[str]]:
    """What importing `drawn` leaves (`test_mail_filing_held._imported`) and its report
    lines, read ahead in the thread or not at all; the fourth mail is unreadable."""
    lines: list[str] = []
    plain = mail.channel.reading

    def reading(*args: Any, **kwargs: Any) -> MailReading:
        made = plain(*args, **kwargs)
        read = _unreadable_when_marked(made.read)
        return dataclasses.replace(
            made,
            read=read,
            ahead=(lambda raws: read_in_thread(read, raws)) if ahead else None,
        )

    def importing(gate: Gate, raw: list[bytes]) -> None:
        source = gate.mailboxes.mail_source("Support")
        numbered: Iterator[tuple[str, bytes]] = ((f"mail {n}", m) for n, m in enumerate(raw))
        first = filing_held._next_keys()[0]  # PostgreSQL's sequences do not roll back

        def report(line: str) -> None:
            lines.append(re.sub(r"#(\d+)", lambda m: f"#{int(m.group(1)) - first}", line))

        mail.channel.MailChannel(gate).import_messages(source, numbered, report)

    with monkeypatch.context() as patched:
        patched.setattr(mail.channel, "reading", reading)
        patched.setattr(filing_held, "_import", importing)
        state = filing_held._imported(db, gate, drawn)
    assert _readers() == []
    held = [row[2] for row in state["audit"] if row[1] == "quarantine"]
    state["audit"] = [  # the quarantine's keys counted from the run's first
        (*row[:2], row[2] - held[0], *row[3:]) if row[1] == "quarantine" else row
        for row in state["audit"]
    ]
    return state, lines


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=mails)
@example(  # answers across parts, by tag and by Message-ID; a username wanted twice
    drawn=[
        ("Jan <jan@example.pl>", ("new", 0), True, False, False),
        ("Ola <ola@example.de>", ("new", 0), False, True, True),
        ("Jan <jan@example.pl>", ("tag", 0), False, False, False),
        ("Jan <jan@example.pl>", ("reply", 0), True, True, False),
        ("Ola <ola@example.de>", ("tag", 1), True, False, False),
        ("Jan Other <jan@example.de>", ("new", 0), True, True, True),
        ("Known <known@example.com>", ("reply", 5), True, False, False),
    ]
)
def test_a_batch_read_ahead_in_parts_leaves_what_a_batch_read_whole_leaves(
    db: peewee.Database,
    desk: Gate,  # noqa: F811 - the fixture
    monkeypatch: pytest.MonkeyPatch,
    drawn: Drawn,
) -> None:
    with db.atomic() as example, monkeypatch.context() as patched:
        patched.setattr(intake, "READ_PART", 2)
        ahead = _imported_with(db, desk, drawn, True, patched)
        whole = _imported_with(db, desk, drawn, False, patched)
        assert ahead == whole
        example.rollback()


def test_the_reader_ends_when_the_batch_fails_and_is_taken_one_by_one(
    db: peewee.Database,
    desk: Gate,  # noqa: F811 - the fixture
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A filing that fails in the batch's second part rolls the batch back; each mail is then
    taken on its own, the failing one quarantined after its second try, as without the
    reader."""
    drawn: Drawn = [(filing_held.SENDERS[n % 3], ("new", 0), False, False, False) for n in range(5)]
    filing = intake.Intake.file

    def failing(self: intake.Intake, source: Any, parsed: ParsedMail) -> intake.Taken:
        if parsed.subject == "mail 4":
            raise RuntimeError("the disk is full")
        return filing(self, source, parsed)

    with db.atomic() as example, monkeypatch.context() as patched:
        patched.setattr(intake, "READ_PART", 2)
        patched.setattr(intake.Intake, "file", failing)
        ahead = _imported_with(db, desk, drawn, True, patched)
        whole = _imported_with(db, desk, drawn, False, patched)
        assert _without_keys(ahead) == _without_keys(whole)
        assert [line.split(": ", 2)[2] for line in ahead[1]][3:] == [
            "quarantined no such charset",
            "quarantined filing the message failed 2 times: RuntimeError: the disk is full",
        ]
        example.rollback()


def _without_keys(imported: tuple[dict[str, Any], list[str]]) -> Any:
    """What an import left, but the keys: on PostgreSQL a batch rolled back used some of its
    sequences' values, as many as it wrote rows before it failed."""
    state, lines = imported
    return (
        [t[1:4] for t in state["tickets"]],
        [m[2:4] for m in state["messages"]],
        [p[1:] for p in state["people"]],
        [(*a[:2], *a[4:]) for a in state["audit"]],
        [re.sub(r"#-?\d+", "#", line) for line in lines],
    )


def test_the_reader_stops_when_its_results_are_left_unread() -> None:
    """Leaving the block early (here by an exception) stops the thread before its next
    message and joins it; the switch interval is the one before."""
    read: list[bytes] = []
    second = threading.Event()
    go_on = threading.Event()

    def slow(raw: bytes) -> ParsedMail:
        read.append(raw)
        if raw == b"b":  # parsed while the block is left
            second.set()
            go_on.wait(5)
        raise UnreadableMail(raw.decode())

    interval = sys.getswitchinterval()
    with pytest.raises(KeyError), read_in_thread(slow, [b"a", b"b", b"c"]) as results:
        assert str(next(results)) == "a"
        second.wait(5)
        threading.Timer(0.2, go_on.set).start()
        raise KeyError("the filing failed")
    assert _readers() == []
    assert read == [b"a", b"b"]
    assert sys.getswitchinterval() == interval


def test_what_the_parser_raises_is_raised_in_order_and_the_reader_ends() -> None:
    """Anything but `UnreadableMail` raised by the parse is raised where its message's result
    is taken, after the results before it; the thread has ended by then."""

    def read(raw: bytes) -> ParsedMail:
        if raw == b"b":
            raise MemoryError("the parser ran out")
        raise UnreadableMail(raw.decode())

    with read_in_thread(read, [b"a", b"b", b"c"]) as results:
        assert str(next(results)) == "a"
        with pytest.raises(MemoryError, match="the parser ran out"):
            next(results)
    assert _readers() == []


@pytest.mark.parametrize("part", [1, 2, 50])
def test_a_repeat_and_an_answer_in_later_parts_are_found(
    db: peewee.Database,
    desk: Gate,  # noqa: F811 - the fixture
    monkeypatch: pytest.MonkeyPatch,
    part: int,
) -> None:
    """A mail repeated in a later part of the batch is a duplicate, one tagged with a ticket
    an earlier part made is appended to it, a new sender of an earlier part is not added
    again."""
    from store.models import Person, Ticket

    monkeypatch.setattr(intake, "READ_PART", part)
    first = (Ticket.select(peewee.fn.MAX(Ticket.number)).scalar() or 0) + 1
    repeated = customer_mail(sender="Jan <jan@example.pl>", subject="First")
    messages = [
        repeated,
        customer_mail(sender="Ola <ola@example.pl>"),
        customer_mail(sender="Jan <jan@example.pl>", subject=f"Re: [#{first}] First"),
        repeated,
        customer_mail(sender="Ola <ola@example.pl>", subject="Second"),
    ]
    lines: list[str] = []
    source = desk.mailboxes.mail_source("Support")
    numbered = ((f"m{n}", raw) for n, raw in enumerate(messages))
    mail.channel.MailChannel(desk).import_messages(source, numbered, lines.append)
    assert [line.split(": ", 2)[2].split(" ")[0] for line in lines] == [
        "new", "new", "appended", "duplicate", "new",
    ]  # fmt: skip
    assert Person.select().where(Person.email == "ola@example.pl").count() == 1
    assert _readers() == []
