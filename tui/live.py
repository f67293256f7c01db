"""Staying live: one thread per session asks the change feed once per refresh interval (on
PostgreSQL it waits for the server's notification instead, and reads at once when one comes,
then no sooner than an interval later) and, when others changed something, tells the app what,
with the person's permissions read again when they may differ. The event loop does no database
work for it.

The app then sends `OthersChanged` to every screen in its stack; each reads again only what
concerns it (the ticket screen its ticket, the usergroups screen groups and fields, ...).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.message import Message

from access import Gate, UnknownPerson
from access.database import DATABASE_FAILURES
from access.live import ChangeFeed, Changes

if TYPE_CHECKING:
    from access.notifications import Summary


class LiveChange(Message):
    """To the app: others changed something. `permissions` is set when grants were read again."""

    def __init__(self, changes: Changes, permissions: frozenset[str] | None) -> None:
        super().__init__()
        self.changes = changes
        self.permissions = permissions


class NotificationsCounted(Message):
    """To the app: the person's unread notifications, read as the session starts and again
    with each change by others to tickets (a notification comes with one)."""

    def __init__(self, summary: Summary) -> None:
        super().__init__()
        self.summary = summary


class SessionEnded(Message):
    """To the app: the person was deactivated (or removed) while connected."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class OthersChanged(Message, bubble=False):
    """To each screen: what changed, and whether what the person may do changed with it."""

    def __init__(self, changes: Changes, permissions_changed: bool) -> None:
        super().__init__()
        self.changes = changes
        self.permissions_changed = permissions_changed


class Watcher:
    """The loop of the session's watching thread; `stop()` ends it soon (a statement under
    way finishes first)."""

    def __init__(self, app: App[Any], gate: Gate, head: int, interval: float) -> None:
        self.app = app
        self.gate = gate
        self.head = head
        self.interval = interval
        self._stop = threading.Event()
        self.feed: ChangeFeed | None = None  # while it runs: its counts are the idle cost

    def stop(self) -> None:
        self._stop.set()
        if self.feed is not None:
            self.feed.interrupt()

    def run(self) -> None:
        self.feed = feed = ChangeFeed(self.head, self.gate.own_changes)
        pause = self.interval
        try:
            self._count_notifications()
            while not self._stop.wait(pause):
                pause = self.interval  # after a read: a burst of changes is read as one
                try:
                    changes = feed.poll(wait=self.interval)
                    if changes is None:
                        if feed.pushed:
                            pause = 0  # the poll itself waited an interval for a change
                        continue
                    permissions = None
                    if changes.grants_may_differ:
                        permissions = self.gate.me.capabilities()
                except UnknownPerson as exc:
                    self.app.post_message(SessionEnded(str(exc)))
                    return
                except DATABASE_FAILURES:
                    continue  # a busy or failing disk: asked again next interval
                self.app.post_message(LiveChange(changes, permissions))
                if changes.tickets or changes.grants_may_differ:
                    self._count_notifications()
        finally:
            feed.close()

    def _count_notifications(self) -> None:
        """Read the unread count (one statement) and tell the app; a failure waits for the
        next change."""
        try:
            summary = self.gate.notifications.summary()
        except UnknownPerson as exc:
            self.app.post_message(SessionEnded(str(exc)))
            return
        except DATABASE_FAILURES:
            return
        self.app.post_message(NotificationsCounted(summary))
