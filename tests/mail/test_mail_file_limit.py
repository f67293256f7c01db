"""One cap for files: mail fetched from the real Dovecot keeps each attachment within the gate's
file limit (`attachment_limit_mb` of the configuration file), one over it listed without its
bytes, and an agent's reply from the command line is refused a file over the same limit."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import peewee
import pytest

from store.models import Attachment, Message, Ticket
from tests.cli.test_mail_cli import run
from tests.mail_servers import Dovecot, Smtp
from tests.mail_support import SUPPORT, mail_helpdesk

pytestmark = pytest.mark.usefixtures("mail_password")


def mail_with_files() -> bytes:
    mail = EmailMessage(policy=SMTP)
    mail["From"] = "Jan Kowalski <jan@example.pl>"
    mail["To"] = SUPPORT
    mail["Subject"] = "Two files"
    mail.set_content("Both attached.")
    mail.add_attachment(b"s" * 1000, "application", "octet-stream", filename="small.bin")
    mail.add_attachment(b"b" * 2000, "application", "octet-stream", filename="big.bin")
    return mail.as_bytes()


@pytest.fixture
def in_the_mailbox(db: peewee.Database, dovecot: Dovecot, mailbox: str, smtp: Smtp) -> None:
    """The helpdesk's source reads the real Dovecot's mailbox, which holds the mail."""
    mail_helpdesk(db, imap=dovecot.url(mailbox), smtp=smtp.url)
    dovecot.append(mailbox, mail_with_files())


@pytest.mark.usefixtures("in_the_mailbox")
def test_fetched_mail_and_a_reply_share_the_configured_file_limit(
    db_location: str, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[mail]\nattachment_limit_mb = 0.001\n")  # 1,048 bytes
    monkeypatch.setenv("TICKETTY_CONFIG", str(config))
    code, out, err = run(capsys, db_location, "mail", "fetch")
    assert code == 0, err
    assert "Support: INBOX uid 1: new #" in out
    number = Ticket.get().number
    kept = {
        a.filename: (a.kept, a.size, bytes(a.data))
        for a in Attachment.select().join(Message).where(Message.ticket == number)
    }
    assert kept == {"small.bin": (True, 1000, b"s" * 1000), "big.bin": (False, 2000, b"")}
    big = tmp_path / "big.bin"
    big.write_bytes(b"b" * 2000)
    messages = Message.select().count()
    code, _, err = run(
        capsys, db_location, "tickets", "reply", str(number), "--body", "Back to you.",
        "--attach", str(big),
    )  # fmt: skip
    assert code == 1 and "big.bin is 2000 bytes; the limit is 1048 bytes" in err
    assert Message.select().count() == messages
