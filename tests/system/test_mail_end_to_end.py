"""The whole road of a customer's e-mail, on real servers and in the app: appended to Dovecot,
fetched, seen in the inbox, answered by an agent with the keyboard, delivered by SMTP threaded,
and the customer's answer lands on the same ticket and reopens it."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid

import peewee
import pytest

from access import Gate
from screens.ticket_detail import TicketDetailScreen
from tests.backends import connect
from tests.mail_servers import Dovecot, Smtp
from tests.mail_support import SUPPORT, customer_mail, mail_helpdesk
from tests.tui_support import settle
from ticketty.launch import build_app
from ticketty.main import main
from tui.ticket_list import TicketList


@pytest.mark.usefixtures("mail_password")
async def test_a_customer_writes_an_agent_answers_the_customer_answers_back(
    db: peewee.Database,
    db_location: str,
    dovecot: Dovecot,
    mailbox: str,
    smtp: Smtp,
    capsys: pytest.CaptureFixture[str],
) -> None:
    gate = mail_helpdesk(db, imap=dovecot.url(mailbox), smtp=smtp.url)
    first_id = make_msgid(domain="example.pl")
    first = customer_mail("Dzień dobry, paczka nie dotarła.", subject="Paczka", message_id=first_id)
    dovecot.append(mailbox, first)
    assert main(["--db", str(db_location), "--user", "ada", "mail", "fetch"]) == 0
    capsys.readouterr()

    app = build_app(Gate(connect(str(db_location)), "ada"), refresh_seconds=3600)
    async with app.run_test(size=(110, 30)) as pilot:
        await settle(pilot)
        row = app.screen.query_one(TicketList).current_row()
        assert row is not None and row.subject == "Paczka" and row.source == "Support"
        number = row.number
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketDetailScreen)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*"Wysłaliśmy ją ponownie.")
        await pilot.press("ctrl+s")
        await settle(pilot)
    gate.changes.set_status(number, "pending")

    assert main(["--db", str(db_location), "--user", "ada", "mail", "send"]) == 0
    (received,) = smtp.received
    reply = received.message
    assert received.recipients == ["jan@example.pl"] and received.sender == SUPPORT
    assert reply["Subject"] == f"[#{number}] Paczka"
    assert reply["In-Reply-To"] == first_id
    assert reply.get_content().strip() == "Wysłaliśmy ją ponownie."

    answer = EmailMessage(policy=SMTP)
    answer["From"] = "Jan Kowalski <jan@example.pl>"
    answer["To"] = SUPPORT
    answer["Subject"] = f"Re: {reply['Subject']}"
    answer["Message-ID"] = make_msgid(domain="example.pl")
    answer["In-Reply-To"] = reply["Message-ID"]
    answer["References"] = f"{reply['References']} {reply['Message-ID']}"
    answer.set_content("Dziękuję, doszła!")
    dovecot.append(mailbox, answer.as_bytes())
    assert main(["--db", str(db_location), "--user", "ada", "mail", "fetch"]) == 0
    assert f"appended #{number}" in capsys.readouterr().out

    detail = gate.tickets.get_ticket(number)
    assert detail.row.status == "open"
    assert [(m.kind, m.body) for m in detail.messages] == [
        ("customer", "Dzień dobry, paczka nie dotarła."),
        ("reply", "Wysłaliśmy ją ponownie."),
        ("customer", "Dziękuję, doszła!"),
    ]
    assert detail.messages[1].delivery == "sent"
