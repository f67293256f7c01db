"""Notifications by mail, the gate's part (`gate.notifications.mails_due`, `mark_mailed`); the
mail channel composes and sends them (`mail.notify_send`) over the SMTP server of a source, as
it sends replies.

Each is checked when it is mailed, not when it was made: against the recipient's scope then (a
ticket they no longer see, or a note they may not read, is dropped, never mailed), and, for a
preference of "away", against their presence (someone with the app open now sees it there).
During a person's quiet hours their mail waits, still due, and goes on the first pass after
they end. A person with a digest gets what is due in one mail at most every so many minutes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from access.grants import read_grants
from access.notification_views import NotificationView, readable, views
from access.notify_events import MAIL_ALWAYS, MAIL_AWAY
from access.notify_settings import read_settings, settings_of
from access.presence_states import EXPIRES_AFTER, LEFT
from access.vocabulary import SENT
from store.models import Person, Presence
from store.notification_models import Connection, Notification, NotificationSettings
from store.rows import tuple_rows

MOST_PER_PASS = 500  # notifications looked at per pass


class NotificationMail(NamedTuple):
    """One mail to one person: one notification, or a digest of several (newest first)."""

    person: int
    address: str
    name: str
    notifications: tuple[NotificationView, ...]


class DuePass(NamedTuple):
    """What a pass of the sender mails, and the notifications it drops unmailed."""

    mails: list[NotificationMail]
    dropped: list[int]


def _connected(people: list[int], now: datetime) -> set[int]:
    """Those of `people` with a live app session now, on any screen (its heartbeat,
    `gate.presence.still_connected`), or a ticket open (`access.presence`)."""
    sessions = Connection.select(Connection.person).where(
        Connection.person.in_(people) & (Connection.seen_at >= now - EXPIRES_AFTER)
    )
    on_tickets = Presence.select(Presence.person).where(
        Presence.person.in_(people)
        & (Presence.state != LEFT)
        & (Presence.seen_at >= now - EXPIRES_AFTER)
    )
    return {person for (person,) in tuple_rows(sessions | on_tickets)}


def _held_back(now: datetime) -> tuple[list[int], set[int]]:
    """Of the people with quiet hours or a digest (one statement): those whose mail waits
    now, in their quiet hours or before their next digest, and those who get a digest. A pass
    leaves the first out, so that mail held back never fills a pass and delays everyone
    else's."""
    chosen = NotificationSettings.select().where(
        (NotificationSettings.quiet_from != NotificationSettings.quiet_until)
        | (NotificationSettings.digest_minutes > 0)
    )
    waiting: list[int] = []
    digests: set[int] = set()
    for row in chosen:
        settings = settings_of(row)
        last = row.last_digest_at
        digest_waits = bool(settings.digest_minutes) and (
            last is not None and now - last < timedelta(minutes=settings.digest_minutes)
        )
        if settings.quiet_now(now) or digest_waits:
            waiting.append(row.person_id)
        elif settings.digest_minutes:
            digests.add(row.person_id)
    return waiting, digests


def due(now: datetime) -> DuePass:
    """The mails due now, and the notifications to drop (out of scope, read, or for someone
    connected who asked for mail only when away). Reads only."""
    mailed = Notification.mail_state.in_((MAIL_AWAY, MAIL_ALWAYS))
    waiting, digests = _held_back(now)
    if waiting:
        mailed &= Notification.person.not_in(waiting)
    rows = list(
        tuple_rows(
            Notification.select(
                Notification.id,
                Notification.person,
                Notification.mail_state,
                Notification.read_at.is_null(False),
                Person.email,
                Person.display_name,
                Person.active,
            )
            .join(Person, on=(Notification.person == Person.id))
            .where(mailed)
            .order_by(Notification.id)
            .limit(MOST_PER_PASS)
        )
    )
    people = sorted({row[1] for row in rows})
    connected = _connected(people, now)
    dropped: list[int] = []
    wanted: dict[int, list[int]] = {}
    contact: dict[int, tuple[str, str]] = {}
    for nid, person, when, read, email, name, active in rows:
        if not active or not email or read or (when == MAIL_AWAY and person in connected):
            dropped.append(nid)
        else:
            wanted.setdefault(person, []).append(nid)
            contact[person] = (email, name)
    mails: list[NotificationMail] = []
    for person, ids in wanted.items():
        grants = read_grants(Person.id == person)
        shown = (
            []
            if grants is None
            else views(readable(grants, in_app=False) & Notification.id.in_(ids))
        )
        dropped += sorted(set(ids) - {view.id for view in shown})
        if not shown:
            continue
        email, name = contact[person]
        if person in digests:
            mails.append(NotificationMail(person, email, name, tuple(shown)))
        else:
            mails += [NotificationMail(person, email, name, (view,)) for view in shown]
    return DuePass(mails, dropped)


def mark(mail: NotificationMail | None, dropped: list[int], now: datetime) -> None:
    """Inside a write transaction: `mail` was handed to the server; `dropped` are not mailed.
    A digest's time is kept for the next."""
    if dropped:
        Notification.update(mail_state="").where(Notification.id.in_(dropped)).execute()
    if mail is None:
        return
    ids = [view.id for view in mail.notifications]
    Notification.update(mail_state=SENT).where(Notification.id.in_(ids)).execute()
    if len(ids) > 1 or read_settings(mail.person).digest_minutes:
        NotificationSettings.update(last_digest_at=now).where(
            NotificationSettings.person == mail.person
        ).execute()
