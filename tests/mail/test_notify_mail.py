"""Notifications by mail, through the real SMTP server of the suite: an agent who is not
connected gets the assignment by mail from the system address, once; one who has a ticket open
in the app does not (their preference being "away"), but does with "always"; a digest folds
several into one mail; a note's text never reaches, by mail, someone who may not read notes,
and a ticket that left the recipient's scope is never mailed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import peewee
import pytest

from access import Gate
from access.catalogue import TICKETS_LIST, TICKETS_VIEW
from access.demo import _AGENT_TICKETS
from access.notify_mail import MOST_PER_PASS, due
from mail.channel import MailChannel
from mail.notify_send import send_notifications
from store.models import Person, Role, RoleSource, Source
from store.notification_models import Notification
from tests import builders
from tests.mail_servers import Smtp
from tests.mail_support import customer_mail, mail_helpdesk

pytestmark = pytest.mark.usefixtures("mail_password")

SYSTEM = "ticketty@shop.example"


@pytest.fixture
def number(db: peewee.Database, smtp: Smtp) -> int:
    """ada (admin) with the source Support sending through the suite's SMTP server; ola an
    agent; vic a viewer, who may not read notes; a customer's ticket by mail, its number."""
    ada = mail_helpdesk(db, smtp=smtp.url)
    builders.role("Agent", _AGENT_TICKETS, holders=[builders.person("ola")])
    builders.role("Viewer", [TICKETS_LIST, TICKETS_VIEW], holders=[builders.person("vic")])
    source = ada.mailboxes.mail_source("Support")
    taken = MailChannel(ada).take_mail(source, customer_mail("Where is it?"), "test")
    assert taken.ticket is not None
    return taken.ticket


def sent(db: peewee.Database) -> int:
    ada = Gate(db, "ada")
    return send_notifications(ada, ada.mailboxes.mail_source("Support"), SYSTEM)


def test_an_assignment_is_mailed_once_from_the_system_address(
    db: peewee.Database, number: int, smtp: Smtp
) -> None:
    Gate(db, "ada").changes.assign(number, "ola")
    assert sent(db) == 1
    (received,) = smtp.received
    mail = received.message
    assert mail["From"] == f"Ticketty <{SYSTEM}>" and mail["To"] == "Ola <ola@x.example>"
    assert mail["Subject"] == f"[Ticketty] ada assigned #{number} to you: Parcel missing"
    assert mail["Auto-Submitted"] == "auto-generated"  # no autoresponder answers it
    assert sent(db) == 0 and len(smtp.received) == 1  # marked sent: never twice


def test_presence_holds_away_mail_but_not_always(
    db: peewee.Database, number: int, smtp: Smtp
) -> None:
    ada, ola = Gate(db, "ada"), Gate(db, "ola")
    ola.presence.be_on_ticket(number, "open")
    ada.changes.assign(number, "ola")
    assert sent(db) == 0 and smtp.received == []
    assert Notification.get().mail_state == ""  # seen in the app: not mailed later either
    ola.notifications.set_preference("assigned", mail="always")
    ada.changes.assign(number, None)
    ada.changes.assign(number, "ola")
    assert sent(db) == 1 and len(smtp.received) == 1


def test_a_digest_folds_several_into_one_mail(db: peewee.Database, number: int, smtp: Smtp) -> None:
    ada, ola = Gate(db, "ada"), Gate(db, "ola")
    ola.notifications.change_settings(digest_minutes=30)
    ola.notifications.follow(number)
    ola.notifications.set_preference("followed", mail="always")
    ada.changes.assign(number, "ola")
    ada.changes.set_priority(number, "urgent")
    assert sent(db) == 1
    (received,) = smtp.received
    assert received.message["Subject"] == "[Ticketty] 2 notifications"
    ada.changes.set_priority(number, "high")
    assert sent(db) == 0 and len(smtp.received) == 1  # the next digest waits its 30 minutes


def test_no_note_text_nor_hidden_ticket_is_mailed(
    db: peewee.Database, number: int, smtp: Smtp
) -> None:
    ada = Gate(db, "ada")
    for name in ("vic", "ola"):
        gate = Gate(db, name)
        gate.notifications.follow(number)
        gate.notifications.set_preference("followed", mail="always")
    ada.messages.note(number, "internal: the refund is approved")
    assert sent(db) == 1  # to ola; vic may not read notes
    (received,) = smtp.received
    assert received.message["To"] == "Ola <ola@x.example>"
    assert "the refund is approved" in received.message.get_content()
    # The agents' role now covers another source only: ola no longer sees the ticket.
    agent = Role.get(Role.name == "Agent")
    Role.update(all_sources=False).where(Role.id == agent.id).execute()
    RoleSource.insert(role=agent.id, source=Source.create(name="Other").id).execute()
    ada.changes.set_priority(number, "urgent")
    assert sent(db) == 1  # to vic, who sees it and reads no note in it
    assert len(smtp.received) == 2 and smtp.received[1].message["To"] == "Vic <vic@x.example>"
    assert Notification.select().where(Notification.mail_state.in_(("always", "away"))).count() == 0


def test_the_channels_send_pass_mails_them_with_the_replies(
    db: peewee.Database, number: int, smtp: Smtp
) -> None:
    ada = Gate(db, "ada")
    ada.changes.assign(number, "ola")
    ada.messages.reply(number, "It left today.")
    said: list[str] = []
    MailChannel(ada, notify_from=SYSTEM).send(ada.mailboxes.mail_source("Support"), said.append)
    assert said[0] == "Support: 1 notification mails sent"
    assert sorted(str(r.message["To"]) for r in smtp.received) == [
        "Jan Kowalski <jan@example.pl>",
        "Ola <ola@x.example>",
    ]


def _quiet_now_in(zone: str) -> str:
    """Quiet hours from an hour before to an hour after now, on `zone`'s clock."""
    local = datetime.now(UTC).astimezone(ZoneInfo(zone))
    start, end = local - timedelta(hours=1), local + timedelta(hours=1)
    return f"{start:%H:%M}-{end:%H:%M}"


def test_quiet_hours_hold_mail_until_they_end_in_the_persons_zone(
    db: peewee.Database, number: int, smtp: Smtp
) -> None:
    ada, ola = Gate(db, "ada"), Gate(db, "ola")
    start, end = _quiet_now_in("Pacific/Kiritimati").split("-")
    ola.notifications.change_settings(quiet_from=start, quiet_until=end, zone="Pacific/Kiritimati")
    ada.changes.assign(number, "ola")
    assert sent(db) == 0 and smtp.received == []
    assert Notification.get().mail_state == "away"  # held, still due
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=2)
    assert [len(m.notifications) for m in due(later).mails] == [1]  # due once they end
    # The same hours on a clock fourteen hours behind are not now: the mail goes.
    ola.notifications.change_settings(zone="UTC")
    assert sent(db) == 1
    (received,) = smtp.received
    assert (
        received.message["Subject"] == f"[Ticketty] ada assigned #{number} to you: Parcel missing"
    )


def test_connected_means_a_live_session_on_any_screen(
    db: peewee.Database, number: int, smtp: Smtp
) -> None:
    ada, ola = Gate(db, "ada"), Gate(db, "ola")
    ola.presence.still_connected("first")  # the app's heartbeat, no ticket open
    ola.presence.still_connected("second")  # a second session of ola's
    ada.changes.assign(number, "ola")
    assert sent(db) == 0 and smtp.received == []  # seen in the app
    ola.presence.disconnected("first")  # one session ends, the other is still live
    ada.changes.assign(number, None)
    ada.changes.assign(number, "ola")
    assert sent(db) == 0 and smtp.received == []
    ola.presence.disconnected("second")
    ada.changes.assign(number, None)
    ada.changes.assign(number, "ola")
    assert sent(db) == 1 and len(smtp.received) == 1


def test_mail_held_by_quiet_hours_never_fills_a_pass(
    db: peewee.Database, number: int, smtp: Smtp
) -> None:
    ada, ola = Gate(db, "ada"), Gate(db, "ola")
    start, end = _quiet_now_in("UTC").split("-")
    ola.notifications.change_settings(quiet_from=start, quiet_until=end)
    ola_id = Person.get(Person.username == "ola").id
    held = [
        {"person": ola_id, "ticket": number, "event": "followed", "mail_state": "away"}
        for _ in range(MOST_PER_PASS + 10)
    ]
    Notification.insert_many(held).execute()  # more held for ola than a pass looks at
    builders.role("Agent two", _AGENT_TICKETS, holders=[builders.person("tom")])
    ada.changes.assign(number, "tom")
    assert sent(db) == 1
    (received,) = smtp.received
    assert received.message["To"] == "Tom <tom@x.example>"
