"""Mail on the command line: sources with accounts, import from files, fetch and send against
the real servers, quarantine, attachments, and `serve` as a process stopped by SIGTERM."""

from __future__ import annotations

import json
import mailbox
import os
import pwd
import queue
import signal
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import peewee
import pytest

from access import Gate
from store.models import Message, Ticket
from tests.mail_servers import PASSWORD, Dovecot, Smtp
from tests.mail_support import SUPPORT, customer_mail, mail_helpdesk
from ticketty.main import main


@pytest.fixture
def helpdesk(db: peewee.Database, db_location: str) -> str:
    mail_helpdesk(db)
    return db_location


def run(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> tuple[int, str, str]:
    code = main(["--db", str(db), "--user", "ada", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_an_email_source_is_added_with_its_servers_and_never_a_password(
    helpdesk: str, capsys
) -> None:
    code, _, err = run(
        capsys, helpdesk, "sources", "add", "Sales", "--kind", "email",
        "--address", "sales@shop.example", "--imap", "imaps://sales:hunter2@mail.shop.example/INBOX",
    )  # fmt: skip
    assert code == 1 and "password does not belong in the URL" in err and "hunter2" not in err
    code, _, _ = run(
        capsys, helpdesk, "sources", "add", "Sales", "--kind", "email",
        "--address", "sales@shop.example", "--imap", "imaps://sales%40shop.example@mail.shop.example/INBOX",
        "--smtp", "smtp+starttls://sales%40shop.example@mail.shop.example:587",
    )  # fmt: skip
    assert code == 0
    assert run(capsys, helpdesk, "sources", "edit", "Sales", "--address", "not an address")[0] == 1
    code, out, _ = run(capsys, helpdesk, "sources", "mail", "--json")
    sales = next(a for a in json.loads(out) if a["source"] == "Sales")
    assert sales["address"] == "sales@shop.example" and sales["last_fetch_at"] is None


def test_import_of_an_mbox_a_maildir_and_a_file(helpdesk: str, tmp_path: Path, capsys) -> None:
    box = mailbox.mbox(tmp_path / "old.mbox")
    for n in range(3):
        box.add(customer_mail(f"From the archive {n}\nFrom here on, a line like a separator.",
                              subject=f"Old {n}", sender=f"c{n}@example.pl"))  # fmt: skip
    box.flush()
    maildir = mailbox.Maildir(tmp_path / "Maildir")
    maildir.add(customer_mail("in a maildir", subject="Maildir one"))
    single = tmp_path / "one.eml"
    single.write_bytes(b"Subject: nobody sent this\r\n\r\ntext\r\n")
    code, out, _ = run(
        capsys, helpdesk, "mail", "import", "--source", "Support",
        str(tmp_path / "old.mbox"), str(tmp_path / "Maildir"), str(single),
    )  # fmt: skip
    assert code == 0, out
    assert out.splitlines()[-1] == "imported into Support: 4 new, 1 quarantined"
    subjects = sorted(t.subject for t in Ticket.select())
    assert subjects == ["Maildir one", "Old 0", "Old 1", "Old 2"]
    old = Message.get(Message.ticket == Ticket.get(Ticket.subject == "Old 1").number).body
    assert old == "From the archive 1\nFrom here on, a line like a separator."
    code, out, _ = run(capsys, helpdesk, "mail", "quarantine", "list", "--json")
    (held,) = json.loads(out)
    assert held["origin"] == "one.eml" and "no sender" in held["reason"]
    assert run(capsys, helpdesk, "mail", "quarantine", "retry", str(held["id"]))[0] == 1
    discard = ("mail", "quarantine", "discard", str(held["id"]))
    assert run(capsys, helpdesk, *discard)[:2] == (0, f"discarded {held['id']}\n")
    code, _, err = run(capsys, helpdesk, *discard)
    assert (code, err) == (1, f"ticketty: no quarantined message {held['id']}\n")
    assert run(capsys, helpdesk, "mail", "quarantine", "list", "--json")[1] == "[]\n"


def test_show_json_and_saving_an_attachment(helpdesk: str, tmp_path: Path, capsys) -> None:
    mail = EmailMessage(policy=SMTP)
    mail["From"] = "=?utf-8?q?Ola_=1B[31mRed?= <ola@example.pl>"
    mail["To"] = SUPPORT
    mail["Subject"] = "Photo \x1b[2J[red]x[/red]"
    mail.set_content("see photo")
    mail.add_attachment(b"\xff\xd8JPEG", "image", "jpeg", filename="photo.jpg")
    message = tmp_path / "m.eml"
    message.write_bytes(mail.as_bytes())
    assert run(capsys, helpdesk, "mail", "import", "--source", "Support", str(message))[0] == 0
    number = Ticket.get().number
    code, out, _ = run(capsys, helpdesk, "tickets", "show", str(number), "--json")
    data = json.loads(out)
    assert data["channel"] == "email" and data["requester_email"] == "ola@example.pl"
    (attachment,) = data["messages"][0]["attachments"]
    assert attachment["filename"] == "photo.jpg" and attachment["size"] == 6
    assert "\x1b" not in out  # escape codes are escaped in JSON
    code, out, _ = run(capsys, helpdesk, "tickets", "show", str(number))
    assert "\x1b" not in out and "[attachment" in out
    target = tmp_path / "saved.jpg"
    code, out, _ = run(
        capsys, helpdesk, "tickets", "attachment", str(number), str(attachment["id"]),
        "--output", str(target),
    )  # fmt: skip
    assert code == 0 and target.read_bytes() == b"\xff\xd8JPEG"


def test_requester_email_needs_view_contact(helpdesk: str, db, tmp_path: Path, capsys) -> None:
    from tests import builders

    message = tmp_path / "m.eml"
    message.write_bytes(customer_mail())
    run(capsys, helpdesk, "mail", "import", "--source", "Support", str(message))
    builders.role("Readers", ["tickets.list", "tickets.view"], holders=[builders.person("rex")])
    number = Ticket.get().number
    code = main(["--db", str(helpdesk), "--user", "rex", "tickets", "show", str(number), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["requester_email"] is None and data["channel"] == "email"


@pytest.mark.usefixtures("mail_password")
def test_fetch_and_send_commands(
    db, db_location: str, dovecot: Dovecot, mailbox: str, smtp: Smtp, capsys
) -> None:
    gate: Gate = mail_helpdesk(db, imap=dovecot.url(mailbox), smtp=smtp.url)
    dovecot.append(mailbox, customer_mail())
    code, out, _ = run(capsys, db_location, "mail", "fetch")
    assert code == 0 and out.startswith("Support: INBOX uid 1: new #")
    number = Ticket.get().number
    code, out, _ = run(capsys, db_location, "tickets", "reply", str(number), "--body", "Hello")
    code, out, _ = run(capsys, db_location, "mail", "send")
    assert code == 0 and out.strip().endswith(": sent")
    assert len(smtp.received) == 1
    reply = json.loads(run(capsys, db_location, "tickets", "show", str(number), "--json")[1])
    assert reply["messages"][1]["delivery"] == "sent"
    gate.sources.edit_mail_account("Support", imap=f"imap://{mailbox}@127.0.0.1:1/INBOX")
    code, _, err = run(capsys, db_location, "mail", "fetch")
    assert code == 1 and "Support" in err and PASSWORD not in err


NO_POLL = 86400  # a `serve --interval` no test outlives: mail taken meanwhile came by IDLE


class ServeProcess:
    """`ticketty serve` as a process, its log lines read by a thread so that a test waits for
    a line with a deadline."""

    def __init__(
        self,
        db_location: str,
        passwords: dict[str, str],
        interval: float = 30,
        options: tuple[str, ...] = (),
    ) -> None:
        env = {**os.environ, **passwords}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ticketty", "--db", str(db_location), "--user", "ada",
             "serve", "--interval", str(interval), *options],
            stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.put(line)

    def wait_for(self, *parts: str, seconds: float = 180) -> list[str]:
        """The lines up to one holding each of `parts` (in any order). The deadline only ends
        a test that would otherwise hang: a loaded machine may take long to start a process."""
        deadline = time.monotonic() + seconds
        seen: list[str] = []
        missing = set(parts)
        while missing:
            line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            seen.append(line)
            missing -= {p for p in missing if p in line}
        return seen

    def stop(self) -> str:
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(timeout=120) == 0
        return "".join(self.wait_for("stopped"))

    def ended(self) -> str:
        """The log to its end, once serve has stopped by itself (`--passes`), with success."""
        assert self.process.wait(timeout=120) == 0
        return "".join(self.wait_for("stopped"))

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()


def test_serve_takes_mail_within_seconds_and_stops_on_sigterm(
    db, db_location: str, dovecot: Dovecot, mailbox: str, smtp: Smtp
) -> None:
    mail_helpdesk(db, imap=dovecot.url(mailbox), smtp=smtp.url)
    server = ServeProcess(
        db_location, {"TICKETTY_MAIL_PASSWORD_SUPPORT": PASSWORD}, interval=NO_POLL
    )
    try:
        server.wait_for("Support: waiting for mail in IMAP IDLE")
        dovecot.append(mailbox, customer_mail(subject="Via IDLE"))
        server.wait_for("Support: INBOX uid 1: new #")  # no pass would run for a day: IDLE
        assert "stopped" in server.stop()
    finally:
        server.kill()
    assert Ticket.get().subject == "Via IDLE"


def test_serve_waits_in_idle_on_every_imap_source_at_once(
    db, db_location: str, dovecot: Dovecot, mailbox: str, smtp: Smtp
) -> None:
    """Two sources on two mailboxes: each has its own IDLE connection, so mail to either is
    taken as it arrives (the polling interval is a day, longer than any wait here), and
    SIGTERM ends both."""
    gate = mail_helpdesk(db, imap=dovecot.url(mailbox), smtp=smtp.url)
    sales_box = mailbox + "sales"
    gate.sources.add_source(
        "Sales", "email", address="sales@shop.example", imap=dovecot.url(sales_box), smtp=smtp.url
    )
    server = ServeProcess(
        db_location,
        {"TICKETTY_MAIL_PASSWORD_SUPPORT": PASSWORD, "TICKETTY_MAIL_PASSWORD_SALES": PASSWORD},
        interval=NO_POLL,
    )
    try:
        server.wait_for("Support: waiting for mail in IMAP IDLE", "Sales: waiting for mail in")
        for round_, (box, source) in enumerate([(sales_box, "Sales"), (mailbox, "Support")] * 2):
            dovecot.append(box, customer_mail(subject=f"{source} {round_}"))
            server.wait_for(f"{source}: INBOX uid {round_ // 2 + 1}: new #")
        assert "stopped" in server.stop()
    finally:
        server.kill()
    tickets = {(t.source.name, t.subject) for t in Ticket.select()}
    assert tickets == {("Sales", "Sales 0"), ("Support", "Support 1"), ("Sales", "Sales 2"),
                       ("Support", "Support 3")}  # fmt: skip


def test_serve_logs_in_again_when_the_password_in_the_secrets_file_changes(
    db: peewee.Database, db_location: str, dovecot: Dovecot, mailbox: str, tmp_path: Path
) -> None:
    """A wrong password first: the IDLE connection fails and is retried with it; once the
    secrets file is put right, the next full pass starts the connection with the new one."""
    mail_helpdesk(db, imap=dovecot.url(mailbox))
    secrets = tmp_path / "mail-secrets"
    secrets.write_text("Support = not-the-password\n")
    secrets.chmod(0o600)
    server = ServeProcess(db_location, {"TICKETTY_MAIL_SECRETS": str(secrets)}, interval=1)
    try:
        failed = "".join(server.wait_for("Support: IDLE:"))
        assert "not-the-password" not in failed
        secrets.write_text(f"Support = {PASSWORD}\n")
        server.wait_for("Support: waiting for mail in IMAP IDLE")
        assert "stopped" in server.stop()
    finally:
        server.kill()


def test_the_attachment_limit_comes_from_the_config(
    helpdesk: str, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[mail]\nattachment_limit_mb = 0.001\n")
    monkeypatch.setenv("TICKETTY_CONFIG", str(config))
    mail = EmailMessage(policy=SMTP)
    mail["From"] = "ola@example.pl"
    mail["Subject"] = "Two files"
    mail.set_content("files")
    mail.add_attachment(b"s" * 1000, "application", "octet-stream", filename="small.bin")
    mail.add_attachment(b"b" * 2000, "application", "octet-stream", filename="big.bin")
    message = tmp_path / "m.eml"
    message.write_bytes(mail.as_bytes())
    assert run(capsys, helpdesk, "mail", "import", "--source", "Support", str(message))[0] == 0
    number = str(Ticket.get().number)
    data = json.loads(run(capsys, helpdesk, "tickets", "show", number, "--json")[1])
    kept = {a["filename"]: a["kept"] for a in data["messages"][0]["attachments"]}
    assert kept == {"small.bin": True, "big.bin": False}
    code, _, err = run(capsys, helpdesk, "tickets", "attachment", number, "2", "--output", "-")
    assert code == 1 and "over the size limit" in err


def test_a_secrets_file_others_can_read_is_refused(
    db, db_location: str, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    mail_helpdesk(db, imap="imap://box@127.0.0.1:1/INBOX")
    secrets = tmp_path / "mail-secrets"
    secrets.write_text("Support = open-secret\n")
    secrets.chmod(0o644)
    monkeypatch.setenv("TICKETTY_MAIL_SECRETS", str(secrets))
    code, _, err = run(capsys, db_location, "mail", "fetch")
    assert code == 1 and "chmod 600" in err and "open-secret" not in err


def test_a_secrets_file_owned_by_another_user_is_refused(
    db, db_location: str, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    mail_helpdesk(db, imap="imap://box@127.0.0.1:1/INBOX")
    secrets = tmp_path / "mail-secrets"
    secrets.write_text("Support = planted-secret\n")
    secrets.chmod(0o600)
    nobody = pwd.getpwnam("nobody")
    os.chown(secrets, nobody.pw_uid, nobody.pw_gid)  # the suite runs as root (.ci/run)
    monkeypatch.setenv("TICKETTY_MAIL_SECRETS", str(secrets))
    code, _, err = run(capsys, db_location, "mail", "fetch")
    assert code == 1 and "belongs to another user" in err and "planted-secret" not in err


def test_serve_refuses_a_number_of_passes_below_one(capsys, helpdesk: str) -> None:
    for passes in ("0", "-2"):
        code, _, err = run(capsys, helpdesk, "serve", "--passes", passes)
        assert code != 0
        assert "--passes is a whole number above zero" in err
