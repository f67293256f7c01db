"""`ticketty serve` makes the service-level warnings at each pass (`gate.sla.warn_due`): a
ticket whose first response falls due within the hour is warned of to its assignee while
serve runs, once however many passes. serve runs a given number of passes and stops
(`--passes`), so a test waits for its end. Against Dovecot and the suite's SMTP server."""

from __future__ import annotations

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

PASSWORDS = {"TICKETTY_MAIL_PASSWORD_SUPPORT": PASSWORD}
# serve runs this many passes and stops (`--passes`), the passes this far apart.
PASSES = 3
INTERVAL = 0.2


def warned(number: int) -> list[str]:
    """The service-level notifications about ticket `number`."""
    return [
        n.event
        for n in Notification.select().where(
            (Notification.ticket == number) & (Notification.event == SLA_SOON)
        )
    ]


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
    passes = ("--passes", str(PASSES))
    server = ServeProcess(db_location, PASSWORDS, interval=INTERVAL, options=passes)
    try:
        assert "stopped" in server.ended()
    finally:
        server.kill()
    assert warned(number) == [SLA_SOON]  # PASSES passes, one warning
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
    for options, expected in (((), []), (("--before", "1h"), [SLA_SOON])):
        passes = ("--passes", str(PASSES), *options)
        server = ServeProcess(db_location, PASSWORDS, interval=INTERVAL, options=passes)
        try:
            assert "stopped" in server.ended()
        finally:
            server.kill()
        # Due in 30 minutes: not within the file's 10, within --before's hour.
        assert warned(number) == expected
