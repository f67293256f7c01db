"""Fetching as a team sets it up: send-only sources beside IMAP ones, a first fetch of a mailbox
full of old mail, messages over the size limit, and a server under a private CA, against the
real Dovecot."""

from __future__ import annotations

import mailbox
from pathlib import Path

import peewee
import pytest

from access import Gate, InvalidInput
from mail.channel import FIRST_FETCH_MOST, MailChannel, reading
from settings.config import ConfigError, load_config
from store.models import QuarantinedMail, Ticket
from tests.cli.test_mail_cli import ServeProcess, run
from tests.mail_servers import PASSWORD, Dovecot, Smtp
from tests.mail_support import customer_mail, mail_helpdesk

pytestmark = pytest.mark.usefixtures("mail_password")


@pytest.fixture
def gate(db: peewee.Database, dovecot: Dovecot, mailbox: str, smtp: Smtp) -> Gate:
    gate = mail_helpdesk(db, imap=dovecot.url(mailbox), smtp=smtp.url)
    gate.sources.add_source("Alerts", "email", address="alerts@shop.example", smtp=smtp.url)
    return gate


def test_a_send_only_source_is_skipped_and_the_others_fetched(
    gate: Gate, db_location: str, dovecot: Dovecot, mailbox: str, capsys
) -> None:
    dovecot.append(mailbox, customer_mail(subject="Behind a send-only source"))
    code, out, err = run(capsys, db_location, "mail", "fetch")
    assert code == 0, err
    assert "Alerts: send-only (no IMAP server); skipped" in out
    assert "Support: INBOX uid 1: new #" in out
    assert Ticket.get().subject == "Behind a send-only source"
    code, _, err = run(capsys, db_location, "mail", "fetch", "--source", "Alerts")
    assert code == 1 and "Alerts is send-only" in err


def test_a_failing_source_is_reported_and_the_others_fetched(
    gate: Gate, db_location: str, dovecot: Dovecot, mailbox: str, capsys
) -> None:
    gate.sources.add_source(
        "Broken", "email", address="b@shop.example", imap="imap://x@127.0.0.1:1/"
    )
    dovecot.append(mailbox, customer_mail(subject="Still taken"))
    code, out, err = run(capsys, db_location, "mail", "fetch")
    assert code == 1  # one source could not be fetched: said on stderr, after the others
    assert "ticketty: Broken:" in err and "1 source(s) could not be fetched" in err
    assert "Support: INBOX uid 1: new #" in out


def test_serve_goes_on_beside_a_send_only_source(
    gate: Gate, db_location: str, dovecot: Dovecot, mailbox: str
) -> None:
    server = ServeProcess(db_location, {"TICKETTY_MAIL_PASSWORD_SUPPORT": PASSWORD})
    try:
        server.wait_for("Support: waiting for mail in IMAP IDLE")
        dovecot.append(mailbox, customer_mail(subject="Served"))
        server.wait_for("Support: INBOX uid 1: new #")
        assert server.process.poll() is None
        assert "stopped" in server.stop()
    finally:
        server.kill()


# ------------------------------------------------------------------- the size limit


def large_mail(subject: str, kilobytes: int) -> bytes:
    return customer_mail("big body line\n" * (kilobytes * 1024 // 14), subject=subject)


def test_a_message_over_the_limit_is_quarantined_by_its_size_without_its_body(
    gate: Gate, dovecot: Dovecot, mailbox: str
) -> None:
    dovecot.append(mailbox, large_mail("Too large", 40))
    dovecot.append(mailbox, customer_mail("small", subject="Small"))
    mail = MailChannel(gate, reading(message_limit=20 * 1024))
    lines: list[str] = []
    assert mail.fetch(gate.mailboxes.mail_source("Support"), lines.append) == 2
    assert "quarantined" in lines[0] and "over the limit of" in lines[0]
    assert ": new #" in lines[1]
    (held,) = QuarantinedMail.select()
    assert not held.complete and b"Subject: Too large" in bytes(held.raw_mail)
    assert b"big body line" not in bytes(held.raw_mail) and len(bytes(held.raw_mail)) < 2000
    with pytest.raises(InvalidInput, match="only its header was kept"):
        mail.retry_quarantined(held.id)
    assert Ticket.get().subject == "Small"


def test_files_over_the_limit_are_quarantined_by_size_from_an_mbox_a_maildir_and_a_file(
    gate: Gate, db_location: str, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[mail]\nmessage_limit_mb = 0.02\n")
    monkeypatch.setenv("TICKETTY_CONFIG", str(config))
    box = mailbox.mbox(tmp_path / "old.mbox")
    maildir = mailbox.Maildir(tmp_path / "maildir")
    for store in (box, maildir):
        store.add(large_mail("Large in a box", 40))
        store.add(customer_mail("fine", subject="Fine"))
    box.flush()
    (tmp_path / "one.eml").write_bytes(large_mail("Large file", 40))
    paths = [str(tmp_path / name) for name in ("old.mbox", "maildir", "one.eml")]
    code, out, err = run(capsys, db_location, "mail", "import", "--source", "Support", *paths)
    assert code == 0, err
    assert "imported into Support: 2 new, 3 quarantined" in out
    held = list(QuarantinedMail.select())
    assert all(not h.complete and b"big body line" not in bytes(h.raw_mail) for h in held)
    assert all(b"Subject: Large" in bytes(h.raw_mail) for h in held)


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-1", "true", '"50"'])
def test_a_message_limit_that_is_no_size_is_refused(tmp_path: Path, value: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"[mail]\nmessage_limit_mb = {value}\n")
    with pytest.raises(ConfigError, match="message_limit_mb"):
        load_config(config)


# ------------------------------------------------------------- a first fetch


def fill(dovecot: Dovecot, mailbox: str, count: int) -> None:
    conn = dovecot.connect(mailbox)
    try:
        for n in range(count):
            # From many customers: one sender's hundred would be held back as a flood.
            sender = f"Customer {n} <customer{n}@example.pl>"
            old_mail = customer_mail(f"old {n}", sender=sender, subject=f"Old {n}")
            conn.append("INBOX", None, None, old_mail)
    finally:
        conn.logout()


def test_a_first_fetch_of_a_full_mailbox_asks_and_can_start_from_now_on(
    gate: Gate, db_location: str, dovecot: Dovecot, mailbox: str, capsys
) -> None:
    fill(dovecot, mailbox, FIRST_FETCH_MOST + 1)
    code, out, err = run(capsys, db_location, "mail", "fetch")
    assert code == 1 and f"holds {FIRST_FETCH_MOST + 1} messages from before" in err
    assert "--since-now" in err and "--all" in err and Ticket.select().count() == 0
    code, out, err = run(capsys, db_location, "mail", "fetch", "--since-now")
    assert code == 0, err
    assert f"Support: INBOX: {FIRST_FETCH_MOST + 1} earlier messages left" in out
    dovecot.append(mailbox, customer_mail("new one", subject="From now on"))
    code, out, err = run(capsys, db_location, "mail", "fetch")
    assert code == 0 and out.count(": new #") == 1
    assert [t.subject for t in Ticket.select()] == ["From now on"]


def test_a_first_fetch_takes_everything_when_asked_to(
    gate: Gate, db_location: str, dovecot: Dovecot, mailbox: str, capsys
) -> None:
    fill(dovecot, mailbox, FIRST_FETCH_MOST + 1)
    code, _out, err = run(capsys, db_location, "mail", "fetch", "--all")
    assert code == 0, err
    assert Ticket.select().count() == FIRST_FETCH_MOST + 1


def test_a_small_mailbox_is_taken_at_once_or_from_now_on(
    gate: Gate, db_location: str, dovecot: Dovecot, mailbox: str, capsys
) -> None:
    fill(dovecot, mailbox, 2)
    code, out, _ = run(capsys, db_location, "mail", "fetch", "--since-now")
    assert code == 0 and "2 earlier messages left" in out and Ticket.select().count() == 0
    fill(dovecot, mailbox, 1)
    run(capsys, db_location, "mail", "fetch")
    assert Ticket.select().count() == 1
