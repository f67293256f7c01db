"""Addresses copied on a ticket (Cc): kept from the customer's mail, added and removed by agents
with `tickets.view_contact`. Replies go to the requester with the copies in Cc, and mail from a
copied address threads onto the ticket as the requester's does; nobody else's does.

An address is kept in lower case, as the mail channel reads a sender's, and only when it is
one mailbox's plain address (no name, no space, no control character, one `@`), so nothing
kept can end a header of a reply and start another.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import peewee

from access.audit_actions import TICKET_COPIES
from access.catalogue import TICKETS_VIEW_CONTACT
from access.errors import InvalidInput, NoChange, PermissionDenied
from access.request import Part, Request
from access.tickets import for_change, parse_number, refuse, update_ticket
from store.links import TicketCopy, copies_of
from store.models import Person, Ticket

# Most copies one ticket keeps: a reply with more recipients than this is a mailing list.
MAX_COPIES = 20
_ADDRESS = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253})$"
)


def checked_address(text: str) -> str:
    """`text` as a copy's address (lower case), or one line saying why it cannot be one."""
    address = text.strip().lower()
    if len(address) > 254 or not _ADDRESS.match(address) or ".." in address:
        raise InvalidInput(f"{text!r} is not an e-mail address")
    return address


def copied_on(address: str) -> peewee.ModelSelect[TicketCopy]:
    """A subquery: the tickets `address` is copied on (intake threading)."""
    return TicketCopy.select(TicketCopy.ticket).where(TicketCopy.address == address)


def write_copies(number: int, addresses: Iterable[str]) -> list[str]:
    """Add `addresses` (checked) to ticket `number`'s copies where missing, up to
    `MAX_COPIES`; the ones added. Inside the caller's transaction."""
    present = copies_of(number)
    added: list[str] = []
    for address in addresses:
        if address in present or address in added:
            continue
        if len(present) + len(added) >= MAX_COPIES:
            break
        added.append(address)
    if added:
        TicketCopy.insert_many([{"ticket": number, "address": a} for a in added]).execute()
    return added


def keep_mail_copies(
    request: Request, number: int, copies: Sequence[str], leave_out: Iterable[str]
) -> None:
    """The Cc of the requester's mail kept on ticket `number` (intake, in its transaction):
    every well-formed address but Ticketty's own, the sender's and the requester's."""
    if not copies:
        return
    left_out = {a.lower() for a in leave_out}
    requester = Ticket.select(Person.email).join(Person, on=(Ticket.requester == Person.id))
    left_out.add(str(requester.where(Ticket.number == number).scalar() or "").lower())
    wanted = []
    for address in copies:
        try:
            checked = checked_address(address)
        except InvalidInput:
            continue
        if checked not in left_out:
            wanted.append(checked)
    before = copies_of(number)
    if write_copies(number, wanted):
        after = copies_of(number)
        request.record(TICKET_COPIES, "ticket", number, ticket=number, before=before, after=after)


class Copies(Part):
    """`gate.copies`: the addresses copied on a ticket, changed by people with
    `tickets.view_contact` on it (the addresses are contact data)."""

    def change_copies(
        self,
        number: int | str,
        *,
        add: Iterable[str] = (),
        remove: Iterable[str] = (),
        expected_version: int | None = None,
    ) -> list[str]:
        """Add and remove copied addresses on one ticket, audited; the copies afterwards."""
        number = parse_number(number)
        adding = [checked_address(a) for a in add]
        removing = [checked_address(a) for a in remove]
        if not adding and not removing:
            raise InvalidInput("name an address to add or to remove")
        request = self._open()
        try:
            with request.writing():
                grants = request.require(TICKETS_VIEW_CONTACT)
                locked = for_change(grants, number, TICKETS_VIEW_CONTACT)
                if not locked.allowed:
                    raise refuse(grants, number, TICKETS_VIEW_CONTACT)
                before = copies_of(number)
                missing = [a for a in removing if a not in before]
                if missing:
                    raise InvalidInput(f"{missing[0]} is not copied on #{number}")
                if removing:
                    TicketCopy.delete().where(
                        (TicketCopy.ticket == number) & TicketCopy.address.in_(removing)
                    ).execute()
                added = write_copies(number, [a for a in adding if a not in removing])
                if len(added) < len({a for a in adding if a not in before}):
                    raise InvalidInput(f"a ticket keeps at most {MAX_COPIES} copied addresses")
                after = copies_of(number)
                if after == before:
                    raise NoChange(f"#{number} already has those copies; nothing changed")
                update_ticket(locked.ticket, expected_version, {}, request.clock())
                request.record(
                    TICKET_COPIES, "ticket", number, ticket=number, before=before, after=after
                )
                return after
        except PermissionDenied as exc:
            request.record_denied(TICKET_COPIES, "ticket", number, str(exc))
            raise
