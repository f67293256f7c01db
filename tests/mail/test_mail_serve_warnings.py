"""`ticketty serve` makes the service-level warnings at each pass (`gate.sla.warn_due`): a
ticket whose first response falls due within the hour is warned of to its assignee while
serve runs, once however many passes. Against Dovecot and the suite's SMTP server."""

from __future__ import annotations

import time
from pathlib import Path

import peewee
import pytest

from access.notify_events import SLA_SOON
from mail.channel import MailChannel
from store.notification_models import Notification, SlaWarning
from tests.cli.test_mail_cli import ServeProcess
from tests.mail_servers import PASSWORD, Dovecot, Smtp
from tests.mail_support import customer_mail, mail_helpdesk

pytestmark = pytest.mark.usefixtures("mail_password")


def warned(number: int, seconds: float) -> list[str]:
    """The service-level notifications about ticket `number`, once there are any (or after
    `seconds`)."""
    deadline = time.monotonic() + seconds
    while True:
        found = [
            n.event
            for n in Notification.select().where(
                (Notification.ticket == number) & (Notification.event == SLA_SOON)
            )
        ]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def due_in_half_an_hour(db: peewee.Database, dovecot: Dovecot, mailbox: str, smtp: Smtp) -> int:
    """A ticket from the customer's mail, assigned to ada, its first response due in 30
    minutes of a calendar that counts every hour."""
    gate = mail_helpdesk(db, imap=dovecot.url(mailbox), smtp=smtp.url)
    gate.calendars.create_calendar("Always", zone="UTC", hours="mon-sun 00:00-24:00")
    gate.sla.create_policy("Standard", calendar="Always", targets={"first_response": ["30m"]})
    taken = MailChannel(gate).take_mail(
        gate.mailboxes.mail_source("Support"), customer_mail(), "test"
    )
    assert taken.ticket is not None
    gate.changes.assign(taken.ticket, "ada")
    return taken.ticket


def test_serve_warns_the_assignee_of_a_first_response_due_soon_once(
    db: peewee.Database, db_location: str, dovecot: Dovecot, mailbox: str, smtp: Smtp
) -> None:
    number = due_in_half_an_hour(db, dovecot, mailbox, smtp)
    server = ServeProcess(db_location, {"TICKETTY_MAIL_PASSWORD_SUPPORT": PASSWORD}, interval=1)
    try:
        assert warned(number, 60) == [SLA_SOON]
        server.wait_for("Support: waiting for mail in IMAP IDLE")
        time.sleep(3)  # passes more, each at one second
        assert "stopped" in server.stop()
    finally:
        server.kill()
    assert warned(number, 0) == [SLA_SOON]
    assert [(w.metric, w.stage) for w in SlaWarning.select()] == [("first_response", "soon")]


def test_serve_warns_as_long_before_as_the_settings_file_says(
    db: peewee.Database,
    db_location: str,
    dovecot: Dovecot,
    mailbox: str,
    smtp: Smtp,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    number = due_in_half_an_hour(db, dovecot, mailbox, smtp)
    config = tmp_path / "config.toml"
    config.write_text('[sla]\nwarn_before = "10m"\n')
    monkeypatch.setenv("TICKETTY_CONFIG", str(config))
    passwords = {"TICKETTY_MAIL_PASSWORD_SUPPORT": PASSWORD}
    for options, expected in (((), []), (("--before", "1h"), [SLA_SOON])):
        server = ServeProcess(db_location, passwords, interval=1, options=options)
        try:
            server.wait_for("Support: waiting for mail in IMAP IDLE")
            time.sleep(3)  # passes, each at one second
            # Due in 30 minutes: not within the file's 10, within --before's hour.
            assert warned(number, 60 if expected else 0) == expected
            assert "stopped" in server.stop()
        finally:
            server.kill()
