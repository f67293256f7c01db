"""The gate's size limit of files (`Gate(..., file_limit=...)`): a reply's files and a reply
draft's kept files over it are refused with `FileTooLarge` (an `InvalidInput`), nothing
written, whichever channel gave them; at the limit they are taken. The command line's gate and
the app's carry the limit of their settings (`attachment_limit_mb`)."""

from __future__ import annotations

import argparse

import peewee
import pytest

from access import FileTooLarge, Gate, InvalidInput
from access.file_limit import DEFAULT_FILE_LIMIT
from access.messages import NewFile
from cli.command import open_gate
from settings.layers import build_settings
from store.models import Attachment, AuditEvent, DraftFile, Message, OutboxItem
from tests.mail.test_signatures import open_mail_ticket

LIMIT = 100


def written() -> tuple[int, int, int, int, int]:
    return (
        Message.select().count(),
        Attachment.select().count(),
        DraftFile.select().count(),
        OutboxItem.select().count(),
        AuditEvent.select().count(),
    )


def test_a_reply_with_a_file_over_the_limit_is_refused_whole(demo_db: peewee.Database) -> None:
    tom = Gate(demo_db, "tom", file_limit=LIMIT)
    number = open_mail_ticket().number
    before = written()
    files = [
        NewFile("form.pdf", "application/pdf", b"x" * LIMIT),
        NewFile("film.mov", "", b"x" * 101),
    ]
    for status in (None, "pending"):
        with pytest.raises(FileTooLarge, match=r"film\.mov is 101 bytes; the limit is 100 bytes"):
            tom.messages.reply(number, "Attached.", files=files, status=status)
    assert written() == before
    tom.messages.reply(number, "Attached.", files=files[:1])
    last = tom.tickets.get_ticket(number).messages[-1]
    assert [(a.filename, a.size) for a in last.attachments] == [("form.pdf", LIMIT)]


def test_a_draft_keeps_no_file_over_the_limit(demo_db: peewee.Database) -> None:
    tom = Gate(demo_db, "tom", file_limit=LIMIT)
    number = open_mail_ticket().number
    before = written()
    with pytest.raises(InvalidInput, match=r"big\.bin is 101 bytes"):
        tom.drafts.attach_to_draft(number, "big.bin", "", b"x" * 101)
    assert written() == before
    kept = tom.drafts.attach_to_draft(number, "small.bin", "", b"x" * LIMIT)
    assert [f.filename for f in tom.drafts.drafts_on(number)["reply"].files] == [kept.filename]


def test_the_limit_is_the_configured_one_else_25_megabytes(demo_db: peewee.Database) -> None:
    assert Gate(demo_db, "tom").file_limit == DEFAULT_FILE_LIMIT == 25 * 2**20
    megabyte = Gate(demo_db, "tom", file_limit=2**20)
    with pytest.raises(FileTooLarge, match=r"is 1.5 MB; the limit is 1.0 MB"):
        megabyte.drafts.attach_to_draft(
            open_mail_ticket().number, "scan.pdf", "", b"x" * (3 * 2**19)
        )


def test_the_command_lines_gate_carries_the_limit_of_its_settings(demo_copy: str) -> None:
    settings = build_settings(db=demo_copy, user="tom", environ={})._replace(
        attachment_limit_bytes=LIMIT
    )
    gate = open_gate(argparse.Namespace(settings=settings))
    assert gate.file_limit == LIMIT
    with pytest.raises(FileTooLarge):
        gate.messages.reply(
            open_mail_ticket().number, "x", files=[NewFile("a.bin", "", b"x" * (LIMIT + 1))]
        )
