"""Delivery in the app, by keyboard at 80x24: a failed reply sent again with `S` on its
ticket, and an SMTP server that refused the login named on the sources screen and on the
waiting reply (against the suite's real SMTP server)."""

from __future__ import annotations

from collections.abc import Iterator

import peewee
import pytest
from textual.widgets import Static

from access import Gate
from mail.channel import MailChannel
from mail.transport import MailServerError
from screens.sources import SourcesScreen
from screens.ticket_detail import TicketDetailScreen
from store.models import OutboxItem
from tests.backends import connect
from tests.mail_servers import Smtp, run_smtp
from tests.mail_support import customer_mail, mail_helpdesk
from tests.tui_support import press, settle
from ticketty.launch import build_app

pytestmark = [
    pytest.mark.usefixtures("mail_password"),
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS"),
]


def conversation(app_screen: TicketDetailScreen) -> str:
    return "\n".join(str(s.render()) for s in app_screen.query(".message").results(Static))


async def test_a_failed_reply_is_sent_again_with_S_on_its_ticket(
    db: peewee.Database, db_location: str, smtp: Smtp
) -> None:
    gate = mail_helpdesk(db, smtp=smtp.url)
    source = gate.mailboxes.mail_source("Support")
    number = MailChannel(gate).take_mail(source, customer_mail(), "test").ticket
    assert number is not None
    gate.messages.reply(number, "Your parcel left yesterday.")
    smtp.recorder.refuse = "550 5.1.1 mailbox unavailable"
    MailChannel(gate).send(source, lambda _line: None)
    smtp.recorder.refuse = None

    app = build_app(Gate(connect(db_location), "ada"), refresh_seconds=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        screen = app.screen
        assert isinstance(screen, TicketDetailScreen)
        assert "[failed: 550 5.1.1 mailbox unavailable]" in conversation(screen)
        await press(pilot, "S")
        assert OutboxItem.get().state == "queued"
        assert "[waiting to send]" in conversation(screen)
        assert screen.check_action("resend", ()) is False  # nothing failed any more
    assert MailChannel(gate).send(source, lambda _line: None)[0].state == "sent"
    assert len(smtp.received) == 1


@pytest.fixture
def smtp_login() -> Iterator[Smtp]:
    yield from run_smtp(login="support")


async def test_a_refused_login_is_named_on_the_sources_screen_and_the_ticket(
    db: peewee.Database, db_location: str, smtp_login: Smtp, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = mail_helpdesk(db, smtp=f"smtp://support@127.0.0.1:{smtp_login.port}")
    source = gate.mailboxes.mail_source("Support")
    number = MailChannel(gate).take_mail(source, customer_mail(), "test").ticket
    assert number is not None
    gate.messages.reply(number, "Your parcel left yesterday.")
    monkeypatch.setenv("TICKETTY_MAIL_PASSWORD_SUPPORT", "wrong-secret")
    with pytest.raises(MailServerError):
        MailChannel(gate).send(source, lambda _line: None)

    app = build_app(Gate(connect(db_location), "ada"), refresh_seconds=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        screen = app.screen
        assert isinstance(screen, TicketDetailScreen)
        shown = conversation(screen)
        assert "waiting to send (last try: SMTP login refused at " in shown
        assert "535" in shown and "wrong-secret" not in shown
        await press(pilot, "escape")
        await press(pilot, "o")
        await press(pilot, *"Sources", "enter")
        sources = app.screen
        assert isinstance(sources, SourcesScreen)
        while (current := sources.current) is not None and current.name != "Support":
            await pilot.press("j")
        assert current is not None
        await settle(pilot)
        detail = str(sources.query_one("#detail-text", Static).render())
        assert "SMTP login refused at" in detail
        assert sources.cells(current)[2] == "sending waits, 1 to send"
