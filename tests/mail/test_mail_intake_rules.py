"""Intake rules a stranger must not bend: threading stays in the receiving source and on the
customer's own conversation, only Ticketty's own mail is Ticketty's, only a real delivery
report of our reply is a bounce, a forged From joins no one's ticket, and a flood is held back.
The IMAP test goes through the real Dovecot the suite starts."""

from __future__ import annotations

from email.utils import make_msgid
from pathlib import Path

import peewee
import pytest

from access import Gate
from access.floods import FloodLimit
from access.follow_ups import follow_ups_of
from access.inbound import MailReading
from mail.channel import MailChannel, reading
from store.models import Message, OutboxItem, QuarantinedMail, Ticket
from tests.mail_servers import Dovecot
from tests.mail_support import SUPPORT, customer_mail, mail_helpdesk
from ticketty.main import main

JAN = "Jan Kowalski <jan@example.pl>"


@pytest.fixture
def gate(db: peewee.Database) -> Gate:
    return mail_helpdesk(db)


def take(gate: Gate, raw: bytes, source: str = "Support", read: MailReading | None = None):
    return MailChannel(gate, read).take_mail(gate.mailboxes.mail_source(source), raw, "test")


def last_reply_id() -> str:
    return OutboxItem.select().order_by(OutboxItem.id.desc()).first().mail_id


def messages_on(number: int) -> list[str]:
    return [m.body for m in Message.select().where(Message.ticket == number).order_by(Message.id)]


# ------------------------------------------------------------------- item 13: threading


def test_a_customer_answering_her_own_first_mail_stays_on_her_ticket(gate: Gate) -> None:
    first_id = make_msgid(domain="example.pl")
    first = take(gate, customer_mail("Where is it?", message_id=first_id))
    again = take(
        gate,
        customer_mail("Forgot: order 42.", subject="Re: Parcel missing", in_reply_to=first_id),
    )
    assert (again.outcome, again.ticket) == ("appended", first.ticket)
    assert Ticket.select().count() == 1
    assert messages_on(first.ticket) == ["Where is it?", "Forgot: order 42."]


def test_someone_else_answering_a_customers_mail_gets_a_ticket_of_their_own(gate: Gate) -> None:
    first_id = make_msgid(domain="example.pl")
    first = take(gate, customer_mail(message_id=first_id))
    other = take(gate, customer_mail(sender="eve@example.org", in_reply_to=first_id))
    assert other.outcome == "new" and other.ticket != first.ticket


def test_two_answers_to_a_closed_tickets_mail_make_one_follow_up(gate: Gate) -> None:
    number = take(gate, customer_mail()).ticket
    gate.messages.reply(number, "Sent again.")
    ours = last_reply_id()
    gate.changes.set_status(number, "closed")
    one = take(gate, customer_mail("It came, thanks", in_reply_to=ours))
    two = take(gate, customer_mail("But it is broken", in_reply_to=ours))
    assert (one.outcome, one.linked) == ("follow-up", number)
    assert (two.outcome, two.ticket) == ("appended", one.ticket)
    assert follow_ups_of(number) == [one.ticket]
    assert messages_on(one.ticket) == ["It came, thanks", "But it is broken"]


def test_an_answer_after_the_follow_up_was_closed_too_starts_the_next(gate: Gate) -> None:
    number = take(gate, customer_mail()).ticket
    gate.messages.reply(number, "Sent again.")
    ours = last_reply_id()
    gate.changes.set_status(number, "closed")
    first_follow_up = take(gate, customer_mail("One", in_reply_to=ours)).ticket
    gate.changes.set_status(first_follow_up, "closed")
    later = take(gate, customer_mail("Two", in_reply_to=ours))
    assert later.outcome == "follow-up" and later.linked == first_follow_up
    assert Ticket.get_by_id(number).status == "closed"


# ------------------------------------------------- item 5: tags of other sources


def _ticket_in(gate: Gate, source: str, address: str) -> int:
    gate.sources.add_source(source, "email", address=address)
    return take(gate, customer_mail(f"Written to {source}"), source).ticket


def test_a_tag_of_an_archived_sources_ticket_starts_a_linked_ticket_here(gate: Gate) -> None:
    old = _ticket_in(gate, "eBay DE", "ebay-de@shop.example")
    gate.changes.set_status(old, "pending")
    gate.sources.set_archived("eBay DE", True)
    taken = take(gate, customer_mail("About my old order", subject=f"Re: [#{old}] Parcel"))
    assert (taken.outcome, taken.linked) == ("follow-up", old)
    new = Ticket.get_by_id(taken.ticket)
    assert new.source.name == "Support" and new.status == "new"
    archived = Ticket.get_by_id(old)
    assert archived.status == "pending" and messages_on(old) == ["Written to eBay DE"]
    again = take(gate, customer_mail("And another thing", subject=f"Re: [#{old}] Parcel"))
    assert (again.outcome, again.ticket) == ("appended", taken.ticket)


def test_a_tag_of_a_closed_archived_ticket_starts_its_follow_up_here(gate: Gate) -> None:
    old = _ticket_in(gate, "eBay DE", "ebay-de@shop.example")
    gate.changes.set_status(old, "closed")
    gate.sources.set_archived("eBay DE", True)
    taken = take(gate, customer_mail("Hello again", subject=f"[#{old}]"))
    assert taken.outcome == "follow-up"
    assert Ticket.get_by_id(taken.ticket).source.name == "Support"


def test_a_tag_of_another_open_sources_ticket_does_not_move_mail_there(gate: Gate) -> None:
    old = _ticket_in(gate, "Sales", "sales@shop.example")
    taken = take(gate, customer_mail("Wrong address", subject=f"[#{old}] Parcel"))
    assert (taken.outcome, taken.linked) == ("follow-up", old)
    assert Ticket.get_by_id(taken.ticket).source.name == "Support"
    assert messages_on(old) == ["Written to Sales"]


# ------------------------------------------- item 6: only Ticketty's mail is Ticketty's


def test_a_source_address_does_not_silence_the_customer_who_owns_it(gate: Gate) -> None:
    gate.sources.add_source("Jan's desk", "email", address="jan@example.pl")
    taken = take(gate, customer_mail(sender=JAN))
    assert taken.outcome == "new"


def test_mail_from_postmaster_is_a_person_writing(gate: Gate) -> None:
    taken = take(gate, customer_mail("Your server is on a blocklist", sender="postmaster@isp.pl"))
    assert taken.outcome == "new"


def test_our_own_reply_coming_back_to_a_mailbox_is_ignored(gate: Gate) -> None:
    gate.sources.add_source("Sales", "email", address="sales@shop.example")
    number = take(gate, customer_mail(sender="Sales <sales@shop.example>")).ticket
    gate.messages.reply(number, "Answer from Support to Sales")
    ours = last_reply_id()
    echoed = customer_mail("Answer from Support to Sales", sender=SUPPORT, message_id=ours)
    taken = take(gate, echoed, "Sales")
    assert (taken.outcome, taken.detail) == ("ignored", "sent by Ticketty itself")
    forged = take(gate, customer_mail("I am Support, honest", sender=SUPPORT), "Sales")
    assert forged.outcome == "new"


# --------------------------------------------------- item 7: bounces and forged From


def delivery_report(original_id: str, recipient: str, report_type: str = "delivery-status"):
    return f"""\
From: MAILER-DAEMON@mx.shop.example (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: support@shop.example
Message-ID: {make_msgid(domain="mx.shop.example")}
MIME-Version: 1.0
Content-Type: multipart/report; report-type={report_type}; boundary="B1"

--B1
Content-Type: text/plain

Your message could not be delivered.

--B1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.shop.example

Final-Recipient: rfc822; {recipient}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 user unknown

--B1
Content-Type: text/rfc822-headers

From: Support <support@shop.example>
Message-ID: {original_id}

--B1--
""".encode()


def _replied(gate: Gate) -> tuple[int, str]:
    number = take(gate, customer_mail(sender=JAN)).ticket
    gate.messages.reply(number, "Here is your refund")
    return number, last_reply_id()


def _delivery(number: int) -> str:
    item = OutboxItem.select().join(Message).where(Message.ticket == number).get()
    return str(item.state)


def test_a_postmaster_naming_our_reply_does_not_fail_it(gate: Gate) -> None:
    number, ours = _replied(gate)
    taken = take(gate, customer_mail("Undeliverable", sender="postmaster@isp.pl", in_reply_to=ours))
    assert taken.outcome == "new" and _delivery(number) == "queued"


def test_a_report_of_another_kind_or_for_another_address_fails_nothing(gate: Gate) -> None:
    number, ours = _replied(gate)
    read_receipt = take(gate, delivery_report(ours, "jan@example.pl", "disposition-notification"))
    assert read_receipt.outcome != "bounce" and _delivery(number) == "queued"
    elsewhere = take(gate, delivery_report(ours, "someone@else.example"))
    assert elsewhere.outcome == "quarantined" and "names no reply" in elsewhere.detail
    assert _delivery(number) == "queued"
    assert QuarantinedMail.select().count() == 1


def test_a_delivery_report_of_our_reply_to_that_address_fails_it(gate: Gate) -> None:
    number, ours = _replied(gate)
    taken = take(gate, delivery_report(ours, "Jan@Example.PL"))
    assert (taken.outcome, taken.ticket) == ("bounce", number)
    assert _delivery(number) == "failed"


SERVER_FAIL = "mx.shop.example; spf=softfail smtp.mailfrom=example.pl; dmarc=fail (p=none) header.from=example.pl"  # noqa: E501
SERVER_PASS = "mx.shop.example; dkim=pass header.d=example.pl; dmarc=pass header.from=example.pl"


def _with_results(raw: bytes, *results: str) -> bytes:
    """`results` as Authentication-Results headers on top, the first topmost, as a receiving
    server prepends its own above what the sender wrote."""
    top = b"".join(f"Authentication-Results: {r}\r\n".encode() for r in results)
    return top + raw


def test_a_forged_from_makes_a_ticket_marked_not_verified(gate: Gate) -> None:
    number, ours = _replied(gate)
    forged = customer_mail("Send the refund to my new account", sender=JAN, in_reply_to=ours)
    taken = take(gate, _with_results(forged, SERVER_FAIL, SERVER_PASS))
    assert taken.outcome == "new" and taken.ticket != number
    assert "sender not verified" in taken.detail
    assert Ticket.get_by_id(taken.ticket).subject.startswith("(sender not verified) ")
    assert len(messages_on(number)) == 2  # the customer's first mail and our reply


def test_only_the_topmost_authentication_results_count(gate: Gate) -> None:
    number, ours = _replied(gate)
    answer = customer_mail("Thanks!", sender=JAN, in_reply_to=ours)
    taken = take(gate, _with_results(answer, SERVER_PASS, SERVER_FAIL))
    assert (taken.outcome, taken.ticket) == ("appended", number)


# ------------------------------------------------------------ item 8: floods


def test_a_sender_past_the_flood_limit_is_quarantined_and_others_go_on(gate: Gate) -> None:
    flood = reading(flood=FloodLimit(5, 10))
    outcomes = [
        take(gate, customer_mail(f"spam {n}", sender="flood@spam.example"), read=flood).outcome
        for n in range(8)
    ]
    assert outcomes == ["new"] * 5 + ["quarantined"] * 3
    assert take(gate, customer_mail(sender=JAN)).outcome == "new"
    reasons = {q.reason for q in QuarantinedMail.select()}
    assert reasons == {"flood: over 5 messages from one sender in 10 minutes"}


def test_a_flood_fetched_from_the_mailbox_is_held_and_the_team_sees_it(
    db: peewee.Database,
    db_location: str,
    dovecot: Dovecot,
    mailbox: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mail_helpdesk(db, imap=dovecot.url(mailbox))
    config = tmp_path / "config.toml"
    config.write_text("[mail]\nflood_messages = 4\nflood_minutes = 10\n")
    monkeypatch.setenv("TICKETTY_CONFIG", str(config))
    monkeypatch.setenv("TICKETTY_MAIL_PASSWORD_SUPPORT", "mailbox-secret")
    for n in range(7):
        dovecot.append(mailbox, customer_mail(f"buy now {n}", sender="flood@spam.example"))
    dovecot.append(mailbox, customer_mail("A real question", sender=JAN))
    assert main(["--db", db_location, "--user", "ada", "mail", "fetch"]) == 0
    out = capsys.readouterr().out
    assert out.count(": new #") == 5 and out.count("quarantined flood:") == 3
    assert main(["--db", db_location, "--user", "ada", "sources", "mail"]) == 0
    assert "3 (3 flood)" in capsys.readouterr().out
    assert main(["--db", db_location, "--user", "ada", "mail", "quarantine", "list"]) == 0
    assert capsys.readouterr().out.count("flood: over 4 messages") == 3
