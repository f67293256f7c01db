"""A large message is taken in bounded memory: its big base64 attachments are cut out before
Python's parser reads the rest and decoded in chunks straight into the database, on the chosen
backend. Mail of any other shape reads exactly as the parser alone would read it."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import peewee
import pytest

from access import Gate
from mail import parse
from mail.channel import MailChannel
from mail.cut import CUT_FROM, cut_large_bodies
from store.models import Attachment
from tests.mail_support import mail_helpdesk

HEAD = (
    b"From: Jan Kowalski <jan@example.pl>\r\nTo: support@shop.example\r\n"
    b"Subject: the whole video\r\nMessage-ID: <large@test.example>\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=cut\r\n\r\n"
    b"--cut\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe recording.\r\n"
)


def attached(data: bytes, *, name: str = "recording.mp4", kind: str = "video/mp4") -> bytes:
    return (
        f"--cut\r\nContent-Type: {kind}\r\nContent-Transfer-Encoding: base64\r\n"
        f"Content-Disposition: attachment; filename={name}\r\n\r\n"
    ).encode() + base64.encodebytes(data).replace(b"\n", b"\r\n")


def write_large(path: Path, megabytes: int) -> str:
    """A message of about `megabytes` MB with one binary attachment, written in pieces; the
    attachment's SHA-256."""
    digest = hashlib.sha256()
    with path.open("wb") as out:
        out.write(HEAD + attached(b""))
        line = 57 * 1024
        for _ in range(megabytes * 2**20 * 3 // 4 // line):
            chunk = os.urandom(line)
            digest.update(chunk)
            out.write(base64.encodebytes(chunk).replace(b"\n", b"\r\n"))
        out.write(b"--cut--\r\n")
    return digest.hexdigest()


TAKE_IN_A_CHILD = textwrap.dedent(
    """
    import hashlib, json, sys
    from pathlib import Path
    from access import Gate
    from bench.paint import resident_mb
    from mail.channel import MailChannel, reading
    from store.db import connect
    from store.models import Attachment

    location, path = sys.argv[1], Path(sys.argv[2])
    db = connect(location)
    limit = 2 * path.stat().st_size
    gate = Gate(db, "ada", file_limit=limit)
    mail = MailChannel(gate, reading(message_limit=limit))
    source = gate.mailboxes.mail_source("Support")
    before = resident_mb()
    taken = mail.take_mail(source, path.read_bytes(), path.name)
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            peak = int(line.split()[1]) / 1024
    stored = Attachment.select().where(Attachment.content_type == "video/mp4").get()
    print(json.dumps({
        "outcome": taken.outcome, "before": before, "peak": peak, "size": stored.size,
        "kept": stored.kept, "sha256": hashlib.sha256(bytes(stored.data)).hexdigest(),
    }))
    """
)


def test_a_120_mb_message_is_taken_in_under_250_mb(
    db: peewee.Database, db_location: str, tmp_path: Path
) -> None:
    mail_helpdesk(db)
    path = tmp_path / "large.eml"
    digest = write_large(path, 120)
    done = subprocess.run(
        [sys.executable, "-c", TAKE_IN_A_CHILD, db_location, str(path)],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["outcome"] == "new"
    assert figures["kept"] and figures["sha256"] == digest
    assert figures["size"] == 120 * 2**20 * 3 // 4 // (57 * 1024) * 57 * 1024
    assert figures["peak"] < 250, figures


@pytest.fixture
def gate(db: peewee.Database) -> Gate:
    return mail_helpdesk(db)


@pytest.mark.parametrize("kept", [True, False])
def test_a_cut_attachment_is_stored_byte_for_byte_or_listed_over_the_limit(
    gate: Gate, db: peewee.Database, kept: bool
) -> None:
    data = os.urandom(5 * 2**20 + 1)  # padded with one `=`
    raw = HEAD + attached(data) + b"--cut--\r\n"
    assert cut_large_bodies(raw) is not None
    gate = Gate(db, "ada", file_limit=len(data) if kept else len(data) - 1)
    mail = MailChannel(gate)
    taken = mail.take_mail(gate.mailboxes.mail_source("Support"), raw, "test")
    assert taken.outcome == "new" and taken.ticket is not None
    listed = gate.tickets.get_ticket(taken.ticket).messages[0].attachments[0]
    assert (listed.filename, listed.size, listed.kept) == ("recording.mp4", len(data), kept)
    stored = Attachment.get_by_id(listed.id)
    assert bytes(stored.data) == (data if kept else b"")
    if kept:
        assert gate.tickets.attachment(taken.ticket, listed.id)[1] == data


def blank_lines_inside(part: bytes) -> bytes:
    lines = part.split(b"\r\n")
    middle = len(lines) // 2
    return b"\r\n".join([*lines[:middle], b"", b"", *lines[middle:]])


def shapes() -> dict[str, bytes]:
    """Large messages of many shapes: those with clean base64 attachments are cut, the others
    read whole."""
    big = os.urandom(CUT_FROM)
    lf = (HEAD + attached(big) + b"--cut--\r\n").replace(b"\r\n", b"\n")
    text_body = (
        b"From: jan@example.pl\r\nSubject: log\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(b"log line\n" * (CUT_FROM // 8)).replace(b"\n", b"\r\n")
    )
    inner = b"From: ola@example.pl\r\nSubject: inner\r\nMIME-Version: 1.0\r\n" + (
        b"Content-Type: multipart/mixed; boundary=cut\r\n\r\n" + attached(big) + b"--cut--\r\n"
    )
    embedded = (
        HEAD + b"--cut\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"\r\n--cut--\r\n"
    ).replace(b"boundary=cut", b"boundary=outer", 1)
    junk = HEAD + attached(big) + b"not base64 at all\r\n" + attached(big)[-100:] + b"--cut--\r\n"
    unaligned = HEAD + attached(big)[:-2] + b"A\r\n--cut--\r\n"
    return {
        "two padded attachments": HEAD
        + attached(big[:-1], name="a.bin")
        + attached(big[:-2], name="b.bin", kind="application/pdf")
        + b"--cut--\r\n",
        "line feeds only": lf,
        "blank lines inside": HEAD + blank_lines_inside(attached(big)) + b"--cut--\r\n",
        "a base64 text body": text_body,
        "inside an attached message": embedded.replace(b"\r\n--cut--\r\n", b"\r\n--outer--\r\n"),
        "a line of junk": junk,
        "not a multiple of four": unaligned,
        "no line break at the end": HEAD + attached(big)[:-2],
    }


@pytest.mark.parametrize("shape", list(shapes()))
def test_a_large_message_reads_as_the_parser_alone_reads_it(shape: str) -> None:
    raw = shapes()[shape]
    assert len(raw) >= CUT_FROM
    read = parse.parse_mail(raw)
    whole = parse._read(raw)
    unfolded = tuple(
        replace(part, data=b"".join(part.cut.chunks()), cut=None) if part.cut else part
        for part in read.parts
    )
    assert replace(read, parts=unfolded) == whole
    assert [part.size for part in read.parts] == [len(part.data) for part in whole.parts]
    if shape in ("two padded attachments", "line feeds only", "blank lines inside"):
        assert all(part.cut for part in read.parts)
        assert whole.parts
