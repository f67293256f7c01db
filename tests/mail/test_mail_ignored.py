"""Automatic mail that makes no ticket is never silent: each source counts the auto-replies,
out-of-office answers and reports it did not file, and `sources mail` and the sources screen
show how many and why the last one was not filed. Fetched from the real Dovecot, on the chosen
backend."""

from __future__ import annotations

import json

import peewee
import pytest
from textual.widgets import Static

from access import Gate
from mail.channel import MailChannel
from store.models import MailId, Ticket
from tests.backends import connect
from tests.mail_servers import Dovecot
from tests.mail_support import SUPPORT, customer_mail, mail_helpdesk
from tests.tui.test_mail_screens import open_sources
from ticketty.launch import build_app
from ticketty.main import main


def run(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> tuple[int, str, str]:
    code = main(["--db", db, "--user", "ada", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.usefixtures("mail_password")
def test_ignored_automatic_mail_is_counted_per_source_and_shown_by_sources_mail(
    db: peewee.Database, db_location: str, dovecot: Dovecot, mailbox: str, capsys
) -> None:
    gate = mail_helpdesk(db, imap=dovecot.url(mailbox))
    gate.sources.add_source("Sales", "email", address="sales@shop.example")
    number = (
        MailChannel(gate)
        .take_mail(gate.mailboxes.mail_source("Support"), customer_mail(), "test")
        .ticket
    )
    assert number is not None
    gate.messages.reply(number, "Your parcel left today.")
    (ours,) = [m.mail_id for m in MailId.select().where(MailId.outgoing == True)]  # noqa: E712
    for raw in (
        customer_mail(
            "I am away until Monday.",
            subject="Out of office",
            headers={"Auto-Submitted": "auto-replied"},
        ),
        customer_mail("Weekly offers", sender="news@example.pl", headers={"Precedence": "bulk"}),
        customer_mail("Where is it?", subject="Still waiting", sender="ola@example.pl"),
        # Ticketty's own reply coming back to its mailbox is not mail from outside.
        customer_mail("Your parcel left today.", sender=SUPPORT, message_id=ours),
    ):
        dovecot.append(mailbox, raw)

    code, out, err = run(capsys, db_location, "mail", "fetch")
    assert code == 0, err
    assert sorted(t.subject for t in Ticket.select()) == ["Parcel missing", "Still waiting"]

    code, out, _ = run(capsys, db_location, "sources", "mail", "--json")
    accounts = {a["source"]: a for a in json.loads(out)}
    assert accounts["Support"]["ignored"] == 2
    assert accounts["Support"]["last_ignored"] == "auto-reply: Precedence bulk"
    assert accounts["Support"]["last_ignored_at"]
    assert accounts["Sales"]["ignored"] == 0
    code, out, _ = run(capsys, db_location, "sources", "mail")
    header, *rows = out.splitlines()
    assert header.split()[-1] == "ignored"
    support = next(row for row in rows if row.startswith("Support"))
    assert "2 (last " in support and "auto-reply: Precedence bulk)" in support
    sales = next(row for row in rows if row.startswith("Sales"))
    assert sales.split()[-1] == "0"


def test_an_automatic_message_imported_or_retried_is_counted_too(db: peewee.Database) -> None:
    gate = mail_helpdesk(db)
    source = gate.mailboxes.mail_source("Support")
    vacation = customer_mail("Away.", headers={"X-Autoreply": "yes"})
    taken = MailChannel(gate).take_mail(source, vacation, "test")
    assert (taken.outcome, taken.detail) == ("ignored", "auto-reply: X-Autoreply")
    assert MailChannel(gate).import_messages(
        source, iter([("a.mbox #1", vacation)]), lambda _: None
    ) == {"ignored": 1}
    (account,) = Gate(db, "ada").sources.mail_accounts()
    assert (account.ignored, account.last_ignored) == (2, "auto-reply: X-Autoreply")
    assert account.ignored_text().startswith("2 (last ")


async def test_the_sources_screen_shows_the_ignored_automatic_mail(
    db: peewee.Database, db_location: str
) -> None:
    gate = mail_helpdesk(db)
    vacation = customer_mail("Away.", headers={"Auto-Submitted": "auto-replied"})
    MailChannel(gate).take_mail(gate.mailboxes.mail_source("Support"), vacation, "test")
    app = build_app(Gate(connect(db_location), "ada"), refresh_seconds=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sources(pilot)
        detail = " ".join(str(app.screen.query_one("#detail-text", Static).render()).split())
    assert "Ignored 1 (last " in detail
    assert "auto-reply: Auto-Submitted auto-replied)" in detail
