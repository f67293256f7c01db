"""Mail taken in and replies queued to send record the gate's clock, as every change does: the
ticket, its message and their audit events at the time the clock says, the reply queued and
due then, and sent only once the clock has reached it. Against the suite's SMTP server."""

from __future__ import annotations

from datetime import timedelta

import peewee

from mail.channel import MailChannel
from store.models import AuditEvent, Message, OutboxItem, Ticket
from tests.access.test_due_times import START
from tests.mail_servers import Smtp
from tests.mail_support import customer_mail, mail_helpdesk
from tests.moving_clock import MovingClock


def test_mail_taken_in_and_the_reply_queued_are_at_the_gates_clock(
    db: peewee.Database, smtp: Smtp
) -> None:
    clock = MovingClock(START)
    gate = mail_helpdesk(db, smtp=smtp.url, clock=clock)
    source = gate.mailboxes.mail_source("Support")
    taken = MailChannel(gate).take_mail(source, customer_mail(), "test")
    number = taken.ticket
    assert number is not None
    ticket = Ticket.get_by_id(number)
    assert (ticket.created_at, ticket.updated_at) == (START, START)
    assert [m.created_at for m in Message.select().where(Message.ticket == number)] == [START]
    assert {e.at for e in AuditEvent.select().where(AuditEvent.ticket == number)} == {START}
    replied = clock.move(timedelta(minutes=30))
    gate.messages.reply(number, "It is on its way.")
    (item,) = OutboxItem.select()
    assert (item.queued_at, item.next_try_at) == (replied, replied)
    clock.set(replied - timedelta(seconds=1))
    assert not gate.mailboxes.replies_due(source)  # not yet, by the gate's clock
    clock.set(replied)
    assert gate.mailboxes.replies_due(source)
