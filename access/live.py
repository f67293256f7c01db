"""Staying live: what others changed since a session last looked, asked cheaply and often.

`ChangeFeed.poll()` costs one query of the store's change signal when nothing happened (none
where the database pushes the signal and the poll waits for it); when something did, one more
read of the new audit events and one of the presence counter (`store.changes.presence_mark`),
summed up as `Changes` so each screen reads again only what concerns it. Refused attempts
(`denied.*`) change nothing and are left out, and so are the session's own changes
(`access.own_changes`), except that its own changes of grants still have what it may do read
again.
"""

from __future__ import annotations

from dataclasses import dataclass

from access.audit_actions import is_denied
from access.database import close_thread_connection
from access.own_changes import OwnChanges
from store.changes import ChangeSignal, events_after, newest_event, presence_mark, signal_for
from store.models import database_proxy

# Changes of these kinds may change what someone may see or do: a role's permissions or scope,
# who holds a role, group membership and supervision, a person's active flag, an archived source.
GRANT_KINDS = frozenset({"role", "person", "usergroup", "source"})
# The session's own changes a feed reports (`Changes.own_kinds`): what it shows is read from
# them, not from the change itself.
OWN_KINDS_TOLD = frozenset({"calendar", "policy"})


@dataclass(frozen=True)
class Changes:
    """What others changed: the tickets touched, and the kinds of everything else touched;
    `own_grants` when the session itself changed something of `GRANT_KINDS`, `own_kinds` the
    kinds of what it changed itself among `OWN_KINDS_TOLD` (its due column counts in the
    calendars it edits); `presence` when someone (the session too) opened, left or began or
    stopped writing on a ticket."""

    tickets: frozenset[int]
    kinds: frozenset[str]
    people: frozenset[int]
    own_grants: bool = False
    presence: bool = False
    own_kinds: frozenset[str] = frozenset()

    def touches(self, *kinds: str) -> bool:
        return not self.kinds.isdisjoint(kinds)

    @property
    def by_others(self) -> bool:
        return bool(self.kinds) or self.presence

    @property
    def grants_may_differ(self) -> bool:
        return self.own_grants or self.touches(*GRANT_KINDS)


class ChangeFeed:
    """One session's view of others' changes. Use it from one thread (`interrupt` excepted)."""

    def __init__(self, head: int | None = None, own: OwnChanges | None = None) -> None:
        """On the database the models run on. `head`: the newest audit event already
        accounted for (the inbox's opening read); changes after it are reported by the first
        `poll`. `own`: the session's own changes, to leave out."""
        self._signal: ChangeSignal = signal_for(database_proxy.obj)
        self._own = own or OwnChanges()
        self._own.follow()
        self.head = newest_event() if head is None else head
        self.presence = presence_mark()
        self.asked = 0  # polls: one question to the signal each
        self.read = 0  # polls that also read new audit events

    @property
    def pushed(self) -> bool:
        """Whether the database sends the change signal, so a poll can wait for it."""
        return self._signal.pushed

    def poll(self, wait: float = 0) -> Changes | None:
        """None when nothing changed; otherwise what did. `wait`: how long to wait for a
        change where the signal is pushed (no query while waiting)."""
        self.asked += 1
        if not self._signal.moved(wait):
            return None
        self.read += 1
        presence = self._presence_moved()
        events = events_after(self.head)
        if not events and not presence:
            return None
        if events:
            self.head = events[-1].id
        others, own_kinds = [], set()
        for event in events:
            if is_denied(event.action):
                continue
            if self._own.claim(event.id):
                own_kinds.add(event.target_kind)
            else:
                others.append(event)
        own_grants = not own_kinds.isdisjoint(GRANT_KINDS)
        own_told = frozenset(own_kinds & OWN_KINDS_TOLD)
        if not others and not own_grants and not presence and not own_told:
            return None
        return Changes(
            tickets=frozenset(e.ticket for e in others if e.ticket is not None),
            kinds=frozenset(e.target_kind for e in others),
            people=frozenset(
                e.target_id for e in others if e.target_kind == "person" and e.target_id
            ),
            own_grants=own_grants,
            presence=presence,
            own_kinds=own_told,
        )

    def _presence_moved(self) -> bool:
        mark = presence_mark()
        moved, self.presence = mark != self.presence, mark
        return moved

    def interrupt(self) -> None:
        """From another thread: a poll waiting for the signal returns soon, and any later poll
        waits no more."""
        self._signal.interrupt()

    def close(self) -> None:
        """From the thread that polled: the signal's connection and the thread's own close."""
        self._signal.close()
        close_thread_connection()
