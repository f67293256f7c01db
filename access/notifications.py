"""`gate.notifications`: what happened that concerns the caller, their preferences, and the
tickets they follow.

A notification is read through the reader's scope as it is now (`readable`): a ticket they no
longer see is never listed nor counted, and one about a note never reaches someone who may not
read notes there. Notifications, follows and preferences are the caller's own and write no
audit event, as drafts do; following a ticket needs the right to open it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

import peewee

from access import mentions, notify_mail, queue_follows, scope
from access.catalogue import SOURCES_EDIT, TICKETS_LIST, TICKETS_VIEW
from access.errors import InvalidInput, NoChange, NotFound, PermissionDenied
from access.grants import Grants
from access.notification_views import (
    MOST_LISTED,
    NotificationView,
    joined,
    readable,
    views,
)
from access.notify_events import DEFAULT_MAIL, EVENTS, MAIL_CHOICES
from access.notify_settings import Settings, read_settings, write_settings
from access.request import Part, Request
from access.sources import require_on_source
from access.tickets import parse_number
from store.models import Source, Ticket
from store.notification_models import Follow, Notification, NotificationPreference
from store.rows import tuple_rows


class Summary(NamedTuple):
    """What the app's header shows: unread notifications, and the newest one's id."""

    unread: int
    newest: int


class Preference(NamedTuple):
    event: str
    in_app: bool
    mail: str  # off, away or always


def summary_for(grants: Grants) -> Summary:
    """One statement: the unread count and the newest unread id."""
    query = joined(
        Notification.select(peewee.fn.COUNT(Notification.id), peewee.fn.MAX(Notification.id))
    ).where(readable(grants) & Notification.read_at.is_null())
    ((unread, newest),) = tuple_rows(query)
    return Summary(int(unread or 0), int(newest or 0))


class Notifications(Part):
    """`gate.notifications`."""

    def list_notifications(
        self, *, unread: bool = False, after: int = 0, limit: int = MOST_LISTED
    ) -> list[NotificationView]:
        """Newest first; `unread` only those not read; `after` only those newer than an id."""
        grants = self._open().grants()
        where = readable(grants) & (Notification.id > after)
        if unread:
            where &= Notification.read_at.is_null()
        return views(where, limit)

    def summary(self) -> Summary:
        """The unread count and the newest unread notification's id, in one statement."""
        return summary_for(self._open().grants())

    def mark_read(self, ids: Iterable[int]) -> int:
        """Mark the caller's notifications `ids` read; how many were unread. An id that is
        not the caller's, or not readable now, is `NotFound`."""
        wanted = sorted({int(i) for i in ids})
        if not wanted:
            raise InvalidInput("name at least one notification")
        request = self._open()
        grants = request.grants()
        with request.writing():
            mine = {
                nid
                for (nid,) in tuple_rows(
                    joined(Notification.select(Notification.id)).where(
                        readable(grants) & Notification.id.in_(wanted)
                    )
                )
            }
            missing = [i for i in wanted if i not in mine]
            if missing:
                raise NotFound(f"no notification {', '.join(map(str, missing))}")
            return _mark(Notification.id.in_(wanted), request.clock())

    def mark_all_read(self) -> int:
        """Mark every notification of the caller read; how many were unread."""
        request = self._open()
        grants = request.grants()
        with request.writing():
            shown = joined(Notification.select(Notification.id)).where(readable(grants))
            return _mark(Notification.id.in_(shown), request.clock())

    def preferences(self) -> tuple[list[Preference], Settings]:
        """Per event, in the app and by mail, and the settings for all of them."""
        request = _agent(self._open())
        chosen = {
            event: (bool(in_app), mail)
            for event, in_app, mail in tuple_rows(
                NotificationPreference.select(
                    NotificationPreference.event,
                    NotificationPreference.in_app,
                    NotificationPreference.mail,
                ).where(NotificationPreference.person == request.person_id)
            )
        }
        prefs = [Preference(e, *chosen.get(e, (True, DEFAULT_MAIL[e]))) for e in EVENTS]
        return prefs, read_settings(request.person_id)

    def settings(self) -> Settings:
        """The caller's settings for all events (the defaults until they change one)."""
        return read_settings(self._open().person_id)

    def set_preference(
        self, event: str, *, in_app: bool | None = None, mail: str | None = None
    ) -> None:
        """Change one event's preference; None leaves that half as it is."""
        if event not in EVENTS:
            raise InvalidInput(f"unknown event {event!r}; one of {', '.join(EVENTS)}")
        if mail is not None and mail not in MAIL_CHOICES:
            raise InvalidInput(f"mail is one of {', '.join(MAIL_CHOICES)}, not {mail!r}")
        request = _agent(self._open())
        with request.writing():
            row = NotificationPreference.get_or_none(
                (NotificationPreference.person == request.person_id)
                & (NotificationPreference.event == event)
            )
            now_in_app = row.in_app if row else True
            now_mail = row.mail if row else DEFAULT_MAIL[event]
            new = (now_in_app if in_app is None else in_app, now_mail if mail is None else mail)
            if new == (now_in_app, now_mail):
                raise NoChange(f"the preference for {event} is already so")
            NotificationPreference.insert(
                person=request.person_id, event=event, in_app=new[0], mail=new[1]
            ).on_conflict(
                conflict_target=[NotificationPreference.person, NotificationPreference.event],
                preserve=[NotificationPreference.in_app, NotificationPreference.mail],
            ).execute()

    def change_settings(self, **changes: object) -> Settings:
        """Change the settings for all events (`access.notify_settings.Settings` fields)."""
        request = _agent(self._open())
        with request.writing():
            return write_settings(request.person_id, changes)

    def follow(self, number: int | str) -> None:
        """Follow ticket `number`: its changes by others notify the caller. Needs the right
        to open it."""
        number = parse_number(number)
        request = self._open()
        grants = request.grants()
        with request.writing():
            _openable(grants, number)
            added = (
                Follow.insert(person=grants.person_id, ticket=number)
                .on_conflict_ignore()
                .as_rowcount()
                .execute()
            )
            if not added:
                raise NoChange(f"you already follow #{number}")

    def unfollow(self, number: int | str) -> None:
        """Stop following ticket `number` (allowed on a ticket no longer seen)."""
        number = parse_number(number)
        request = self._open()
        with request.writing():
            gone = (
                Follow.delete()
                .where((Follow.person == request.person_id) & (Follow.ticket == number))
                .execute()
            )
            if not gone:
                raise NoChange(f"you do not follow #{number}")

    def follows(self, number: int | str) -> bool:
        """Whether the caller follows ticket `number`."""
        number = parse_number(number)
        request = self._open()
        return bool(
            Follow.select()
            .where((Follow.person == request.person_id) & (Follow.ticket == number))
            .exists()
        )

    def follow_queue(self, *, source: str | None = None, group: str | None = None) -> None:
        """Follow a source or a usergroup: its new tickets notify the caller
        (`access.queue_follows`)."""
        request = _agent(self._open())
        grants = request.grants()
        with request.writing():
            queue_follows.follow(grants, source, group)

    def unfollow_queue(self, *, source: str | None = None, group: str | None = None) -> None:
        """Stop following a source or a usergroup."""
        request = self._open()
        with request.writing():
            queue_follows.unfollow(request.person_id, source, group)

    def followed_queues(self) -> list[queue_follows.Followed]:
        """The sources and usergroups the caller follows."""
        return queue_follows.followed(self._open().person_id)

    def mention_candidates(self, number: int | str, prefix: str) -> list[str]:
        """Usernames beginning with `prefix` that the caller could mention in a note on ticket
        `number` (`access.mentions`); none to whoever may not write one there or list people."""
        number = parse_number(number)
        return mentions.candidates(self._open().grants(), number, prefix)

    def followable_queues(self) -> list[queue_follows.Followable]:
        """The sources and usergroups the caller may follow, each marked when followed."""
        return queue_follows.followable(_agent(self._open()).grants())

    def mails_due(self, source: Source) -> notify_mail.DuePass:
        """For the mail channel sending through `source` (`sources.edit` there, as for its
        replies): the notifications to mail now, each checked against its recipient's scope
        as it is now, and those to drop (`access.notify_mail`)."""
        request = self._open()
        require_on_source(request, SOURCES_EDIT, source)
        return notify_mail.due(request.clock())

    def mark_mailed(
        self, source: Source, mail: notify_mail.NotificationMail | None, dropped: list[int]
    ) -> None:
        """`mail` was handed to the server (None: nothing was); `dropped` are not mailed."""
        request = self._open()
        require_on_source(request, SOURCES_EDIT, source)
        with request.writing():
            notify_mail.mark(mail, dropped, request.clock())


def _mark(where: peewee.ColumnBase, now: datetime) -> int:
    return int(
        Notification.update(read_at=now).where(where & Notification.read_at.is_null()).execute()
    )


def _agent(request: Request) -> Request:
    """Notifications are about tickets: who may list none has nothing to set."""
    request.require(TICKETS_LIST)
    return request


def _openable(grants: Grants, number: int) -> None:
    ticket = Ticket.select().where(Ticket.number == number)
    if not ticket.where(scope.visible(grants)).exists():
        raise NotFound(f"no ticket #{number}")
    if not ticket.where(scope.may(grants, TICKETS_VIEW)).exists():
        raise PermissionDenied(f"{grants.username} may not open ticket #{number}")
