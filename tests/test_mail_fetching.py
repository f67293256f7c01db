"""Fetching as a team sets it up: send-only sources beside IMAP ones, a first fetch of a mailbox
full of old mail, messages over the size limit, and a server under a private CA, against the
real Dovecot."""

from __future__ import annotations

import peewee
import pytest

from access import Gate
from store.models import Ticket
from tests.mail_servers import PASSWORD, Dovecot, Smtp
from tests.mail_support import customer_mail, mail_helpdesk
from tests.test_mail_cli import ServeProcess, run

pytestmark = pytest.mark.usefixtures("mail_password")


@pytest.fixture
def gate(db: peewee.Database, dovecot: Dovecot, mailbox: str, smtp: Smtp) -> Gate:
    gate = mail_helpdesk(db, imap=dovecot.url(mailbox), smtp=smtp.url)
    gate.add_source("Alerts", "email", address="alerts@shop.example", smtp=smtp.url)
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
    gate.add_source("Broken", "email", address="b@shop.example", imap="imap://x@127.0.0.1:1/")
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
