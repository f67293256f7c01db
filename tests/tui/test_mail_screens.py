"""What the app shows of mail: attachments and delivery on the ticket, the mailbox's state on
the sources screen (after a real failed send to the SMTP server), the account set and the
quarantine retried from that screen, by keyboard at 80x24."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

import peewee
import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from access import Gate
from access.catalogue import SOURCES_LIST
from access.views import INBOX_DEFAULT
from mail.channel import MailChannel
from screens.quarantine import QuarantineScreen
from screens.sources import SourcesScreen
from screens.ticket_detail import TicketDetailScreen
from store.models import MailAccount, QuarantinedMail
from tests import builders
from tests.backends import connect
from tests.mail_servers import Smtp
from tests.mail_support import SUPPORT, customer_mail, mail_helpdesk
from tests.tui_support import press, settle
from ticketty.launch import build_app
from tui.widgets import FormModal


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
    source = gate.mailboxes.mail_source("Support")
    number = MailChannel(gate).take_mail(source, mail.as_bytes(), "test").ticket
    assert number is not None
    gate.messages.reply(number, "Thank you")
    smtp.recorder.refuse = "550 5.1.1 mailbox unavailable"
    MailChannel(gate).send(source, lambda _line: None)

    app = build_app(Gate(connect(db_location), "ada"), refresh_seconds=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        assert isinstance(app.screen, TicketDetailScreen)
        shown = "\n".join(str(s.render()) for s in app.screen.query(".message").results(Static))
        assert "[attachment 1] faktura \u241b[31m.pdf (application/pdf, 8 bytes)" in shown
        assert "\x1b" not in shown
        assert "[failed: 550 5.1.1 mailbox unavailable]" in shown
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
        assert "support@shop.example" in detail
        assert "Failed  1" in detail and "To send  0" in detail
        assert "1 failed" in sources.cells(current)


async def open_sources(pilot: Pilot) -> SourcesScreen:
    await settle(pilot)
    await press(pilot, "o")
    await press(pilot, *"Sources", "enter")
    screen = pilot.app.screen
    assert isinstance(screen, SourcesScreen)
    return screen


async def test_an_email_account_is_added_and_edited_by_keyboard_never_with_a_password(
    db: peewee.Database, db_location: str
) -> None:
    gate = mail_helpdesk(db)
    app = build_app(Gate(connect(db_location), "ada"), refresh_seconds=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sources(pilot)
        await press(pilot, "n", *"Shop DE", "enter")
        await press(pilot, *"email", "enter")
        form = app.screen
        assert isinstance(form, FormModal)
        inputs = list(form.query(Input).results(Input))
        assert [i.id for i in inputs] == ["form-address", "form-imap", "form-smtp"]
        assert not any(i.password for i in inputs)
        hint = str(form.query_one(".hint", Static).render())
        assert "TICKETTY_MAIL_PASSWORD_SHOP_DE" in hint
        await pilot.press(*"kunden@shop.example", "enter")
        await pilot.press(*"imaps://kunden:geheim@mail.shop.example/INBOX", "enter")
        await press(pilot, *"smtps://kunden@mail.shop.example", "enter")
        # Refused: a password in the URL. The form is back with everything typed.
        form = app.screen
        assert isinstance(form, FormModal)
        imap = form.query_one("#form-imap", Input)
        assert imap.value == "imaps://kunden:geheim@mail.shop.example/INBOX"
        assert form.query_one("#form-address", Input).value == "kunden@shop.example"
        assert "Shop DE" not in [s.name for s in gate.sources.list_sources()]
        imap.value = ""
        imap.focus()
        await press(pilot, *"imaps://kunden@mail.shop.example/INBOX", "ctrl+s")
        sources = app.screen
        assert isinstance(sources, SourcesScreen) and sources.current is not None
        assert sources.current.name == "Shop DE"

        # Edit: the form opens with the account as it is; the SMTP server changes.
        await press(pilot, "e")
        edit_form = app.screen
        assert isinstance(edit_form, FormModal)
        assert edit_form.query_one("#form-address", Input).value == "kunden@shop.example"
        smtp = edit_form.query_one("#form-smtp", Input)
        smtp.value = ""
        smtp.focus()
        await press(pilot, *"smtp+starttls://kunden@relay.shop.example:587", "ctrl+s")
        detail = str(app.screen.query_one("#detail-text", Static).render())
        assert "relay.shop.example" in detail
    (account,) = [a for a in gate.sources.mail_accounts() if a.source == "Shop DE"]
    assert (account.address, account.imap, account.smtp) == (
        "kunden@shop.example",
        "imaps://kunden@mail.shop.example/INBOX",
        "smtp+starttls://kunden@relay.shop.example:587",
    )
    events = [e.action for e in gate.audit.list_audit(target_kind="source", limit=5)]
    assert events[:2] == ["source.mail", "source.add"]
    stored = [(a.imap_url, a.smtp_url) for a in MailAccount.select()]
    assert "geheim" not in str(stored)


async def test_quarantined_messages_are_seen_retried_and_discarded_from_the_sources_screen(
    db: peewee.Database, db_location: str
) -> None:
    gate = mail_helpdesk(db)
    source = gate.mailboxes.mail_source("Support")
    unreadable = b"Subject: no sender\r\n\r\nWho wrote this?\r\n"
    assert (
        MailChannel(gate).take_mail(source, unreadable, "imap INBOX uid 7").outcome == "quarantined"
    )
    # Kept by an older release that could not read it; today's parser can.
    fixed = QuarantinedMail.create(
        source=source.id, origin="imap INBOX uid 8", reason="old parser", raw_mail=customer_mail()
    ).id
    app = build_app(Gate(connect(db_location), "ada"), refresh_seconds=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        sources = await open_sources(pilot)
        while getattr(sources.current, "name", None) != "Support":
            await pilot.press("j")
        await press(pilot, "Q")
        screen = app.screen
        assert isinstance(screen, QuarantineScreen)
        assert [r.origin for r in screen.records] == ["imap INBOX uid 7", "imap INBOX uid 8"]
        assert "no sender" in str(screen.query_one("#detail-text", Static).render()).lower()
        await press(pilot, "r")
        assert len(screen.records) == 2  # still unreadable: it stays
        await press(pilot, "j", "r")
        assert [r.origin for r in screen.records] == ["imap INBOX uid 7"]
        await pilot.press("d", "n")  # asked first: no keeps it
        await settle(pilot)
        assert [r.origin for r in screen.records] == ["imap INBOX uid 7"]
        await press(pilot, "d", "y")
        assert screen.records == []
    assert gate.mailboxes.quarantined() == []
    assert not QuarantinedMail.select().where(QuarantinedMail.id == fixed).exists()
    assert gate.inbox.list_tickets(INBOX_DEFAULT)[0].subject == "Parcel missing"


async def test_without_sources_edit_the_sources_screen_offers_no_change(
    db: peewee.Database, db_location: str
) -> None:
    gate = mail_helpdesk(db)
    MailChannel(gate).take_mail(
        gate.mailboxes.mail_source("Support"), b"Subject: x\r\n\r\nno sender\r\n", "test"
    )
    builders.role("Viewer", [SOURCES_LIST], holders=[builders.person("vic")])
    app = build_app(Gate(connect(db_location), "vic"), refresh_seconds=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        sources = await open_sources(pilot)
        offered = {b.binding.action for b in sources.active_bindings.values() if b.enabled}
        assert "quarantine" in offered
        assert not offered & {"new", "edit_mail", "rename", "archive"}
        await press(pilot, "e")
        assert app.screen is sources
        await press(pilot, "Q")
        screen = app.screen
        assert isinstance(screen, QuarantineScreen) and len(screen.records) == 1
        offered = {b.binding.action for b in screen.active_bindings.values() if b.enabled}
        assert not offered & {"retry", "discard"}
        await press(pilot, "r", "d")
        assert app.screen is screen
    assert len(gate.mailboxes.quarantined()) == 1
