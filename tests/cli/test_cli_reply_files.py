"""`ticketty tickets reply --attach FILE`: the files go through the gate's reply with files,
as the app's do, with `--canned` and `--status` in the same go; each text file carries the
charset its bytes show; the e-mail leaves with them, bytes as they were. A file over the
configured limit (`attachment_limit_mb`), a folder or a path that is not there is one line and
an exit code, and nothing is written."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from access.outbox import reply_to_send
from mail.compose import compose
from store.models import Attachment, AuditEvent, Message, OutboxItem, Ticket
from tests.backends import connect
from tests.cli.test_cli import run
from tests.mail.test_signatures import open_mail_ticket


def written() -> tuple[int, int, int, int]:
    return (
        Message.select().count(),
        Attachment.select().count(),
        OutboxItem.select().count(),
        AuditEvent.select().count(),
    )


def test_a_reply_with_files_a_canned_answer_and_a_status(
    capsys, demo_copy: str, tmp_path: Path
) -> None:
    connect(demo_copy)
    number = open_mail_ticket().number
    notes = tmp_path / "notes.txt"
    notes.write_bytes("Crème brûlée, naïve café\n".encode("cp1252"))
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(bytes(range(256)) * 3)
    code, out, err = run(
        capsys, demo_copy, "tom", "tickets", "reply", str(number), "--body", "Both files attached.",
        "--canned", "Parcel on its way", "--status", "pending",
        "--attach", str(notes), "--attach", str(scan),
    )  # fmt: skip
    assert (code, out) == (0, ""), err
    connect(demo_copy)
    last = Message.select().where(Message.ticket == number).order_by(Message.id.desc()).first()
    assert last.body.startswith("Hello ") and last.body.endswith("Both files attached.")
    files = {
        a.filename: (a.content_type, bytes(a.data), a.size)
        for a in Attachment.select().where(Attachment.message == last.id)
    }
    assert files == {
        "notes.txt": ("text/plain; charset=windows-1252", notes.read_bytes(), 25),
        "scan.pdf": ("application/pdf", scan.read_bytes(), 768),
    }
    assert Ticket.get_by_id(number).status == "pending"
    event = (
        AuditEvent.select()
        .where(AuditEvent.action == "ticket.reply")
        .order_by(AuditEvent.id.desc())
    )
    assert '"files": ["notes.txt", "scan.pdf"]' in event.first().after
    mail = message_from_bytes(
        compose(reply_to_send(OutboxItem.get(OutboxItem.message == last.id))).as_bytes(),
        policy=policy.default,
    )
    sent = {p.get_filename(): p.get_content() for p in mail.iter_attachments()}
    assert sent["scan.pdf"] == scan.read_bytes()
    assert sent["notes.txt"] == "Crème brûlée, naïve café\n"


@pytest.mark.parametrize("status", [None, "resolved"])
def test_a_file_over_the_limit_is_one_line_and_nothing_is_written(
    capsys, demo_copy: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: str | None
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[mail]\nattachment_limit_mb = 0.001\n")  # 1,048 bytes
    monkeypatch.setenv("TICKETTY_CONFIG", str(config))
    small, big = tmp_path / "small.txt", tmp_path / "big.bin"
    small.write_text("fits\n")
    big.write_bytes(b"x" * 2000)
    connect(demo_copy)
    number = open_mail_ticket().number
    before = written()
    more = ["--status", status] if status else []
    code, out, err = run(
        capsys, demo_copy, "tom", "tickets", "reply", str(number), "--body", "Files.",
        "--attach", str(small), "--attach", str(big), *more,
    )  # fmt: skip
    assert (code, out) == (1, "")
    assert err == (
        "ticketty: big.bin is 2000 bytes; the limit is 1048 bytes "
        "(attachment_limit_mb in the configuration file)\n"
    )
    connect(demo_copy)
    assert written() == before


def test_a_folder_or_a_missing_file_is_one_line(capsys, demo_copy: str, tmp_path: Path) -> None:
    connect(demo_copy)
    number = open_mail_ticket().number
    before = written()
    code, _, err = run(
        capsys, demo_copy, "tom", "tickets", "reply", str(number), "--body", "x",
        "--attach", str(tmp_path),
    )  # fmt: skip
    assert (code, err) == (1, f"ticketty: {tmp_path} is a folder; name a file\n")
    missing = tmp_path / "gone.pdf"
    code, _, err = run(
        capsys, demo_copy, "tom", "tickets", "reply", str(number), "--body", "x",
        "--attach", str(missing),
    )  # fmt: skip
    assert (code, err) == (1, f"ticketty: cannot read {missing}: No such file or directory\n")
    connect(demo_copy)
    assert written() == before
