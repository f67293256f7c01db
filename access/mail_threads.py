"""Which ticket a message answers, and whether it is one of Ticketty's own: the reads of the
intake rulebook (`access.intake`), inside its write transaction."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import peewee

from access.copies import copied_on
from access.follow_ups import follow_ups_of
from access.inbound import ParsedMail
from access.links import final_tickets
from access.requester_messages import FINAL_STATUS
from store.among import among
from store.links import TicketCopy
from store.models import MailAccount, MailId, OutboxItem, Source, Ticket
from store.prepared import MOST_PREPARED_ROWS, PreparedSelect
from store.rows import tuple_rows

TAG = re.compile(r"\[#([0-9]{1,18})\]")
SEEN = PreparedSelect(
    lambda source, mail_id: MailId.select(MailId.id).where(
        (MailId.source == source) & (MailId.mail_id == mail_id)
    )
)

# The tickets of a source's conversations that Message-IDs (the arguments after the source) name.
_NAMED = PreparedSelect(
    lambda source, *mail_ids: MailId.select(MailId.ticket, MailId.mail_id).where(
        (MailId.source == source) & among(MailId.mail_id, mail_ids)
    )
)


def own_addresses() -> set[str]:
    return {a.lower() for (a,) in tuple_rows(MailAccount.select(MailAccount.address))}


def sent_by_ticketty(mail: ParsedMail) -> bool:
    """The message carries a Message-ID Ticketty sent from the address it comes from (a reply
    of one source delivered to another source's mailbox, or a copy of our own mail)."""
    if not mail.message_id:
        return False
    return (
        MailId.select(MailId.id)
        .join(MailAccount, on=(MailAccount.source == MailId.source))
        .where(
            (MailId.mail_id == mail.message_id)
            & (MailId.outgoing == True)  # noqa: E712
            & (peewee.fn.LOWER(MailAccount.address) == mail.sender_address)
        )
        .exists()
    )


def bounced_reply(source: Source, mail: ParsedMail) -> OutboxItem | None:
    """The reply of this source a delivery report returns: the report must name the reply's
    Message-ID and the address it was sent to. Anything else is not a bounce of ours."""
    if not (mail.delivery_report and mail.bounced_ids and mail.reported_recipients):
        return None
    item: OutboxItem | None = (
        OutboxItem.select()
        .where(
            (OutboxItem.source == source.id)
            & OutboxItem.mail_id.in_(mail.bounced_ids)
            & peewee.fn.LOWER(OutboxItem.recipient).in_(mail.reported_recipients)
        )
        .first()
    )
    return item


def taken_before(source: Source, message_id: str) -> bool:
    return SEEN.first(source.id, message_id) is not None


class NamedTickets:
    """The read of the tickets a message names that its sender may write on (as requester, or
    as an address copied on them) within a scope fixed for a whole import: the statement's SQL,
    the scope's included, is built once for each count of tickets named, not per message.

    A part of a batch has the tickets its messages name read at once (`read_ahead`), with the
    addresses copied on them; the batch's write lock keeps them as read but for what the batch
    itself writes, so a ticket a message lands on or makes is read again when named after
    that (`written`)."""

    def __init__(self, within: peewee.ColumnBase) -> None:
        self.within = within
        self._sql: dict[int, tuple[str, list[Any]]] = {}
        self._known: set[int] = set()  # numbers read ahead (found or not) and not written since
        self._ahead: dict[int, Ticket] = {}
        self._copied: dict[int, set[str]] = {}

    def read_ahead(self, numbers: Iterable[int]) -> None:
        """The tickets among `numbers` within the scope, and the addresses copied on them, read
        now for the `writable` calls that follow."""
        wanted = sorted(set(numbers))
        self._known, self._ahead, self._copied = set(wanted), {}, {}
        for start in range(0, len(wanted), MOST_PREPARED_ROWS):
            chunk = wanted[start : start + MOST_PREPARED_ROWS]
            found = Ticket.select().where(among(Ticket.number, chunk) & self.within)
            self._ahead.update((ticket.number, ticket) for ticket in found)
        copies = TicketCopy.select(TicketCopy.ticket, TicketCopy.address)
        found_numbers = sorted(self._ahead)
        for start in range(0, len(found_numbers), MOST_PREPARED_ROWS):
            chunk = found_numbers[start : start + MOST_PREPARED_ROWS]
            for number, address in tuple_rows(copies.where(among(TicketCopy.ticket, chunk))):
                self._copied.setdefault(number, set()).add(address)

    def written(self, numbers: Iterable[int | None]) -> None:
        """Tickets the batch wrote or made: read anew when named again."""
        self._known.difference_update(numbers)

    def writable(self, numbers: list[int], person_id: int, address: str) -> dict[int, Ticket]:
        """Of `numbers`, the tickets `person_id` (writing from `address`) may write on, by
        number."""
        wanted = sorted(set(numbers))
        if not wanted:
            return {}
        if self._known.issuperset(wanted):
            found = (self._ahead.get(n) for n in wanted)
            return {
                ticket.number: ticket
                for ticket in found
                if ticket is not None
                and (
                    ticket.requester_id == person_id
                    or address in self._copied.get(ticket.number, ())
                )
            }
        sql, fixed = self._built(len(wanted))
        params = [*wanted, person_id, address, *fixed]
        return {ticket.number: ticket for ticket in Ticket.raw(sql, *params)}

    def _built(self, count: int) -> tuple[str, list[Any]]:
        """The SQL for `count` tickets and the scope's own parameters, which follow the
        numbers, the person and the address; checked against a query built with other values."""
        if count not in self._sql:
            numbers = list(range(-count, 0))
            writer = (Ticket.requester == -count - 1) | Ticket.number.in_(copied_on("?@"))
            query = Ticket.select().where(Ticket.number.in_(numbers) & writer & self.within)
            sql, params = query.sql()
            if list(params[: count + 2]) != [*numbers, -count - 1, "?@"]:
                raise ValueError(f"the query's parameters {params!r} are not in order")
            self._sql[count] = sql, list(params[count + 2 :])
        return self._sql[count]


@dataclass
class ThreadsAhead:
    """The conversations a batch's messages name, read before the batch is filed
    (`threads_ahead`), so that finding the ticket each message answers reads at most the
    tickets themselves: this source's tickets by Message-ID, with those the batch keeps added
    as it keeps them (`kept`), and where each ticket named belongs (`final_tickets`). The
    batch's write lock keeps both as read: meanwhile only its own filing adds Message-IDs,
    and nothing merges a ticket; a ticket it makes has merged into none (`made`)."""

    by_id: dict[str, int]
    final: dict[int, int]

    def kept(self, mail_id: str, ticket: int) -> None:
        self.by_id[mail_id] = ticket

    def made(self, ticket: int) -> None:
        self.final[ticket] = ticket

    def finals(self, numbers: list[int]) -> dict[int, int]:
        """Where mail naming each of `numbers` belongs; read for those not known yet (a ticket
        before the batch that only a Message-ID the batch kept names)."""
        unknown = [n for n in numbers if n not in self.final]
        if unknown:
            self.final.update(final_tickets(unknown))
        return self.final


def threads_ahead(source: Source, mails: Iterable[ParsedMail]) -> ThreadsAhead:
    """`ThreadsAhead` for a batch of `mails` of `source`: the Message-IDs they carry (in
    `by_id` when taken in before) and name, and the tickets those and their `[#123]` tags
    name, read a few hundred at a time."""
    carried = {mail.message_id for mail in mails if mail.message_id}
    ids = sorted(carried.union(*((*mail.in_reply_to, *mail.references) for mail in mails)))
    by_id: dict[str, int] = {}
    for start in range(0, len(ids), MOST_PREPARED_ROWS):
        chunk = ids[start : start + MOST_PREPARED_ROWS]
        by_id.update((mail_id, ticket) for ticket, mail_id in _NAMED.rows(source.id, *chunk))
    tagged = {int(n) for mail in mails for n in TAG.findall(mail.subject)}
    numbers = sorted({*by_id.values(), *tagged})
    final: dict[int, int] = {}
    for start in range(0, len(numbers), MOST_PREPARED_ROWS):
        final.update(final_tickets(numbers[start : start + MOST_PREPARED_ROWS]))
    return ThreadsAhead(by_id, final)


def named_tickets(source: Source, mail: ParsedMail, ahead: ThreadsAhead | None) -> list[int]:
    """The tickets `mail` names, in order: by a Message-ID of this source's conversations
    (ours or the customer's own earlier mail; In-Reply-To, then References newest first), then
    by `[#123]` tags; a merged ticket's mail goes to the ticket it was merged into. Read from
    `ahead` in a batch read ahead, else from the database."""
    candidates: list[int] = []
    ids = [*mail.in_reply_to, *reversed(mail.references)]
    if ids:
        if ahead is not None:
            by_id = ahead.by_id
        else:
            by_id = {message_id: ticket for ticket, message_id in _NAMED.rows(source.id, *ids)}
        candidates += [by_id[i] for i in ids if i in by_id]
    candidates += [int(n) for n in TAG.findall(mail.subject)]
    if not candidates:
        return []
    final = final_tickets(candidates) if ahead is None else ahead.finals(candidates)
    return [final[n] for n in candidates]


def answered_ticket(
    source: Source,
    mail: ParsedMail,
    person_id: int,
    named: NamedTickets,
    candidates: list[int],
    held: Mapping[int, int],
    write_held: Callable[[], None],
) -> Ticket | None:
    """The requester's ticket this message answers among those it names (`named_tickets`):
    the first one open in this source, else the first at all; besides the requester, an
    address copied on a ticket may answer it. `held`: the requesters of candidates not
    written yet (`Remembered.held_requesters`), each open in this source and copied to
    nobody: one is read, after `write_held`, only when its requester wrote."""
    if not candidates:
        return None
    address = mail.sender_address
    written = [n for n in candidates if n not in held]
    tickets = named.writable(written, person_id, address) if written else {}
    first = None
    for number in candidates:
        if number in held:
            if held[number] != person_id:
                continue
            write_held()
            tickets.update(named.writable([number], person_id, address))
        ticket = tickets.get(number)
        if ticket is None:
            continue
        if ticket.source_id == source.id and ticket.status != FINAL_STATUS:
            return ticket
        first = first or ticket
    return first


def continued(ticket: Ticket, source: Source, person_id: int, within: peewee.ColumnBase) -> Ticket:
    """Where the conversation of `ticket` went on: an answer to a closed ticket, or to one of
    another source, goes onto the newest follow-up already started from it in this source (and
    from that one's, in turn), so that two answers make one follow-up, not two."""
    if ticket.source_id == source.id and ticket.status != FINAL_STATUS:
        return ticket
    walked = {ticket.number}
    while True:
        ups = follow_ups_of(ticket.number)
        later = (
            Ticket.select()
            .where(
                Ticket.number.in_(ups)
                & (Ticket.source == source.id)
                & (Ticket.requester == person_id)
                & within
            )
            .order_by(Ticket.number.desc())
            .first()
            if ups
            else None
        )
        if later is None or later.number in walked:
            return ticket
        walked.add(later.number)
        ticket = later
