"""Reading notifications through the reader's scope: the one condition (`readable`) and the
one query (`views`) that the app, the command line and the mail all read them with."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import peewee

from access import scope
from access.catalogue import TICKETS_VIEW_NOTES
from access.grants import Grants
from access.vocabulary import NOTE
from store.models import Message, Person, Ticket
from store.notification_models import Notification
from store.rows import tuple_rows

MOST_LISTED = 200
EXCERPT = 160  # characters of the message a notification shows


class NotificationView(NamedTuple):
    id: int
    ticket: int
    subject: str
    event: str
    actor: str | None  # who made the change, by username
    created_at: datetime
    read: bool
    excerpt: str  # the start of the message it is about, when there is one
    rule: str = ""  # the rule whose `notify:` made it


_Actor = Person.alias("actor")


def readable(grants: Grants, *, in_app: bool = True) -> peewee.ColumnBase:
    """The person's notifications (shown in the app, with `in_app`) whose ticket they see
    now; one about a note only where they may read notes. Query through `joined`."""
    notes = scope.may(grants, TICKETS_VIEW_NOTES)
    about_no_note = Notification.message.is_null() | (Message.kind != NOTE)
    shown = Notification.in_app if in_app else scope.TRUE
    return (
        (Notification.person == grants.person_id)
        & shown
        & scope.visible(grants)
        & (about_no_note | notes)
    )


def joined(query: peewee.ModelSelect[Notification]) -> peewee.ModelSelect[Notification]:
    return query.join(Ticket, on=(Notification.ticket == Ticket.number)).join(
        Message, peewee.JOIN.LEFT_OUTER, on=(Notification.message == Message.id)
    )


def views(where: peewee.ColumnBase, limit: int = MOST_LISTED) -> list[NotificationView]:
    """The notifications `where` says (a `readable` condition), newest first."""
    query = (
        joined(
            Notification.select(
                Notification.id,
                Notification.ticket,
                Ticket.subject,
                Notification.event,
                _Actor.username,
                Notification.created_at,
                Notification.read_at.is_null(False),
                peewee.fn.COALESCE(peewee.fn.SUBSTR(Message.body, 1, EXCERPT), ""),
                Notification.rule,
            )
        )
        .switch(Notification)
        .join(_Actor, peewee.JOIN.LEFT_OUTER, on=(Notification.actor == _Actor.id))
        .where(where)
        .order_by(Notification.id.desc())
        .limit(max(1, min(limit, MOST_LISTED)))
    )
    return [
        NotificationView(nid, number, subject, event, actor, at, bool(read), excerpt, rule)
        for nid, number, subject, event, actor, at, read, excerpt, rule in tuple_rows(query)
    ]
