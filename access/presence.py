"""Presence: who else has a ticket open or is writing on it, as Freshdesk and Zammad show.

A session says where it is when a ticket screen opens or closes and when writing starts or
stops: one row per person and ticket, its `seq` raised (`store.models.Presence`), in a
transaction that wakes the other sessions' live feeds as any commit does. While the screen
stays open a heartbeat moves `seen_at` once a minute without raising `seq` (it wakes nobody);
a row not heard of for `EXPIRES_AFTER` is no presence, so a killed session's disappears.

Reading presence goes through the reader's scope: only tickets they may open (tickets.view),
never a ticket they cannot see; "writing a note" only to people who may read notes.
"""

from __future__ import annotations

import peewee

from access import scope
from access.catalogue import TICKETS_LIST, TICKETS_VIEW, TICKETS_VIEW_NOTES
from access.drafts import may_write
from access.errors import InvalidInput, NotFound, PermissionDenied
from access.grants import Grants
from access.presence_states import EXPIRES_AFTER, LEFT, OPEN, STATES, PresenceView
from access.request import Part
from access.vocabulary import NOTE
from store.models import Person, Presence, Ticket, utcnow
from store.notification_models import Connection
from store.rows import tuple_rows

MOST_SHOWN = 500  # presence rows the inbox reads at most


def next_seq() -> peewee.SelectQuery:
    """The counter's next value; read inside a write transaction, which writers take in turn."""
    return Presence.select(peewee.fn.COALESCE(peewee.fn.MAX(Presence.seq), 0) + 1)


class PresenceDesk(Part):
    """`gate.presence`: where the caller is, and who else is where the caller may look."""

    def be_on_ticket(self, number: int, state: str) -> None:
        """The caller has ticket `number` open (`open`), is writing a `reply` or `note` on it,
        or left it (`""`). Open needs tickets.view there, writing the right to write it;
        leaving needs nothing (it only takes away what is known of the caller)."""
        if state not in STATES:
            raise InvalidInput(f"{state!r} is not a presence (open, reply, note or nothing)")
        request = self._open()
        grants = request.grants()
        now = utcnow()
        with request.writing():
            if state == LEFT:
                self._leave(grants, number)
                return
            allowed = scope.may(grants, TICKETS_VIEW)
            if state != OPEN:
                allowed = allowed & may_write(grants, state)
            row = Ticket.select(
                peewee.Value(grants.person_id),
                Ticket.number,
                peewee.Value(state),
                peewee.Value(now),
                next_seq(),
            ).where((Ticket.number == number) & allowed)
            columns = [
                Presence.person,
                Presence.ticket,
                Presence.state,
                Presence.seen_at,
                Presence.seq,
            ]
            written = (
                Presence.insert_from(row, columns)
                .on_conflict(
                    conflict_target=[Presence.person, Presence.ticket],
                    preserve=[Presence.state, Presence.seen_at, Presence.seq],
                )
                .as_rowcount()
                .execute()
            )
            if not written:
                raise self._presence_refused(grants, number)
            # The caller's other rows that say nothing any more: below the one just written,
            # so the table's highest `seq` never goes.
            Presence.delete().where(
                (Presence.person == grants.person_id)
                & (Presence.ticket != number)
                & ((Presence.state == LEFT) | (Presence.seen_at < now - EXPIRES_AFTER))
            ).execute()

    @staticmethod
    def _leave(grants: Grants, number: int) -> None:
        Presence.update(state=LEFT, seq=next_seq()).where(
            (Presence.person == grants.person_id)
            & (Presence.ticket == number)
            & (Presence.state != LEFT)
        ).execute()

    def still_on_ticket(self, number: int) -> bool:
        """The heartbeat: the caller is still on ticket `number` (one statement after the
        grants; it moves only `seen_at`, so it wakes nobody).
        False when they are not there, or may no longer open it."""
        grants = self._open().grants()
        visible = Ticket.select(Ticket.number).where(
            (Ticket.number == number) & scope.may(grants, TICKETS_VIEW)
        )
        updated = (
            Presence.update(seen_at=utcnow())
            .where(
                (Presence.person == grants.person_id)
                & (Presence.ticket == number)
                & (Presence.state != LEFT)
                & Presence.ticket.in_(visible)
            )
            .execute()
        )
        return bool(updated)

    def still_connected(self, session: str) -> None:
        """The app's heartbeat, on any screen: the caller's session `session` (a token of the
        session's own) is live (one statement after the grants). Notifications, and so mail
        meant for when they are away, are an agent's: for whoever may list no tickets it
        writes nothing."""
        request = self._open()
        if not request.grants().holds(TICKETS_LIST):
            return
        with request.writing():
            Connection.insert(
                person=request.person_id, session=session, seen_at=utcnow()
            ).on_conflict(
                conflict_target=[Connection.session], preserve=[Connection.seen_at]
            ).execute()

    def disconnected(self, session: str) -> None:
        """The caller's session `session` ends; their other sessions keep them connected."""
        request = self._open()
        with request.writing():
            Connection.delete().where(
                (Connection.person == request.person_id) & (Connection.session == session)
            ).execute()

    def others_on(self, number: int) -> list[PresenceView]:
        """Who else is on ticket `number`, if the caller may open it; nobody otherwise."""
        return self._others(self._open().grants(), Presence.ticket == number)

    def others_present(self) -> dict[int, PresenceView]:
        """Per ticket the caller may open, the most telling presence of someone else on it
        (writing before having it open)."""
        shown: dict[int, PresenceView] = {}
        for view in self._others(self._open().grants(), peewee.SQL("1 = 1"), limit=MOST_SHOWN):
            known = shown.get(view.ticket)
            if known is None or (known.state == OPEN and view.state != OPEN):
                shown[view.ticket] = view
        return shown

    @staticmethod
    def _others(
        grants: Grants, where: peewee.ColumnBase, limit: int | None = None
    ) -> list[PresenceView]:
        notes = scope.may(grants, TICKETS_VIEW_NOTES)
        # A note being written shows as an open ticket to whoever may not read notes.
        state = peewee.Case(
            None,
            [((Presence.state == NOTE) & ~peewee.fn.COALESCE(notes, False), OPEN)],
            Presence.state,
        )
        query = (
            Presence.select(
                Presence.ticket, Person.username, Person.display_name, state, Presence.seen_at
            )
            .join(Person, on=(Presence.person == Person.id))
            .switch(Presence)
            .join(Ticket, on=(Presence.ticket == Ticket.number))
            .where(
                where
                & (Presence.person != grants.person_id)
                & (Presence.state != LEFT)
                & (Presence.seen_at >= utcnow() - EXPIRES_AFTER)
                & Person.active
                & scope.may(grants, TICKETS_VIEW)
            )
            .order_by(Presence.ticket, Person.username)
            .limit(limit)
        )
        return [PresenceView(*row) for row in tuple_rows(query)]

    @staticmethod
    def _presence_refused(grants: Grants, number: int) -> Exception:
        if not Ticket.select().where((Ticket.number == number) & scope.visible(grants)).exists():
            return NotFound(f"no ticket #{number}")
        return PermissionDenied(f"{grants.username} may not be shown on ticket #{number}")
