"""`ticketty serve` as a process: a queued reply leaves at once (woken by the change signal,
not at the next pass), and a hung SMTP server holds no customer's mail back (intake and
delivery run beside each other). Against Dovecot and the suite's SMTP server, and a listener
that accepts connections and never answers."""

from __future__ import annotations

import time

import peewee
import pytest

from mail.channel import MailChannel
from store.models import OutboxItem, Ticket
from tests.cli.test_mail_cli import ServeProcess
from tests.mail_servers import PASSWORD, Dovecot, SilentServer, Smtp
from tests.mail_support import customer_mail, mail_helpdesk

SERVE_PASSWORD = {"TICKETTY_MAIL_PASSWORD_SUPPORT": PASSWORD}

pytestmark = pytest.mark.usefixtures("mail_password")


def received(smtp: Smtp, count: int) -> bool:
    """Whether the server has received `count` messages within 20 s."""
    with smtp.recorder.arrived:
        return smtp.recorder.arrived.wait_for(lambda: len(smtp.received) >= count, 20)


def test_serve_sends_a_reply_as_soon_as_it_is_queued(
    db: peewee.Database, db_location: str, dovecot: Dovecot, mailbox: str, smtp: Smtp
) -> None:
    """At `--interval 30`, a reply reaches the SMTP server within seconds of its commit."""
    gate = mail_helpdesk(db, imap=dovecot.url(mailbox), smtp=smtp.url)
    number = (
        MailChannel(gate)
        .take_mail(gate.mailboxes.mail_source("Support"), customer_mail(), "test")
        .ticket
    )
    assert number is not None
    server = ServeProcess(db_location, SERVE_PASSWORD, interval=30)
    try:
        server.wait_for("Support: waiting for mail in IMAP IDLE")
        took = []
        for n in range(3):
            queued = time.monotonic()
            gate.messages.reply(number, f"Answer {n}")
            assert received(smtp, n + 1)
            took.append(time.monotonic() - queued)
        assert max(took) < 5, f"reply to SMTP: {', '.join(f'{t:.2f}' for t in took)} s"
        assert "stopped" in server.stop()
    finally:
        server.kill()
    assert {i.state for i in OutboxItem.select()} == {"sent"}


def test_a_hung_smtp_server_holds_no_customer_mail_back(
    db: peewee.Database, db_location: str, dovecot: Dovecot, mailbox: str
) -> None:
    """Three replies wait for an SMTP server that accepts and never answers (30 s each before,
    one after the other, in the loop that also fetched): a customer's mail is still taken
    within seconds, and the replies stay queued with no try counted."""
    silent = SilentServer()
    gate = mail_helpdesk(db, imap=dovecot.url(mailbox), smtp=silent.url)
    source = gate.mailboxes.mail_source("Support")
    for n in range(3):
        number = (
            MailChannel(gate).take_mail(source, customer_mail(f"Question {n}"), f"test {n}").ticket
        )
        assert number is not None
        gate.messages.reply(number, f"Answer {n}")
    server = ServeProcess(db_location, SERVE_PASSWORD, interval=30)
    try:
        server.wait_for("Support: waiting for mail in IMAP IDLE")
        appended = time.monotonic()
        dovecot.append(mailbox, customer_mail(subject="While SMTP hangs"))
        server.wait_for("Support: INBOX uid 1: new #", seconds=60)
        took = time.monotonic() - appended
        assert took < 5, f"{took:.1f} s from IMAP to ticket while SMTP hangs"
    finally:
        server.kill()
        silent.close()
    assert Ticket.select().where(Ticket.subject == "While SMTP hangs").count() == 1
    assert [(i.state, i.attempts) for i in OutboxItem.select()] == [("queued", 0)] * 3
