"""What the app shows of mail: attachments and delivery on the ticket, the mailbox's state on
the sources screen (after a real failed send to the SMTP server)."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

import peewee
import pytest
from textual.widgets import Static

from access import Gate
from screens.sources import SourcesScreen
from screens.ticket_detail import TicketDetailScreen
from store.db import connect
from tests.mail_servers import Smtp
from tests.mail_support import SUPPORT, mail_helpdesk
from tests.tui_support import settle
from ticketty.launch import build_app


@pytest.mark.usefixtures("mail_password")
async def test_ticket_lists_attachments_and_the_failed_delivery_and_sources_the_state(
    db: peewee.Database, db_location: str, smtp: Smtp
) -> None:
    gate = mail_helpdesk(db, smtp=smtp.url)
    mail = EmailMessage(policy=SMTP)
    mail["From"] = "Jan <jan@example.pl>"
    mail["To"] = SUPPORT
    mail["Subject"] = "Invoice [bold]please[/bold]"
    mail.set_content("Attached.")
    mail.add_attachment(b"%PDF-1.4", "application", "pdf", filename="faktura \x1b[31m.pdf")
    source = gate.mail_source("Support")
    number = gate.take_mail(source, mail.as_bytes(), "test").ticket
    gate.reply(number, "Thank you")
    smtp.recorder.refuse = "550 5.1.1 mailbox unavailable"
    gate.send(source, lambda _line: None)

    app = build_app(Gate(connect(db_location), "ada"), refresh_seconds=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketDetailScreen)
        shown = "\n".join(str(s.render()) for s in app.screen.query(".message").results(Static))
        assert "[attachment 1] faktura \u241b[31m.pdf (application/pdf, 8 bytes)" in shown
        assert "\x1b" not in shown
        assert "[failed: 550 5.1.1 mailbox unavailable]" in shown
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        await pilot.press(*"Sources", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SourcesScreen)
        while app.screen.current.name != "Support":
            await pilot.press("j")
        await settle(pilot)
        detail = str(app.screen.query_one("#detail-text", Static).render())
        assert "support@shop.example" in detail
        assert "Failed  1" in detail and "To send  0" in detail
        assert "1 failed" in app.screen.cells(app.screen.current)
