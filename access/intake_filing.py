"""What the intake (`access.intake`) remembers through a write transaction of many messages
(`Remembered`) and the rows it writes for a message besides its ticket's and its own: its
Message-ID, its attachments; and the holder of a batch's new rows (`filing_held`), which on
PostgreSQL writes a batch's new requesters, tickets, messages and attachments a table at a time
(`store.held_rows`) instead of a statement per row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import peewee

from access import scope
from access.filing import NEW_MESSAGE, NEW_TICKET
from access.floods import FloodLimit
from access.inbound import MailPart, MailReading, ParsedMail
from access.mail_threads import NamedTickets, ThreadsAhead, named_tickets, threads_ahead
from access.requesters import NEW_REQUESTER, free_usernames, people_by_address
from store.dialect import is_sqlite, write_in_chunks
from store.held_rows import HeldRows
from store.models import Attachment, MailId, Source, database_proxy
from store.pipelined import pipelined
from store.prepared import MOST_PREPARED_ROWS, PreparedInsert

NEW_MAIL_ID = PreparedInsert(MailId, ("mail_id", "source", "ticket", "message"))
NEW_ATTACHMENT = PreparedInsert(
    Attachment, ("message", "filename", "content_type", "size", "inline", "kept", "data")
)


def filing_held() -> HeldRows | None:
    """A holder of the rows that filing a batch's messages makes, each table after those its
    rows name; None on SQLite, where each row is inserted as it comes."""
    if is_sqlite(database_proxy.obj):
        return None
    return HeldRows([NEW_REQUESTER, NEW_TICKET, NEW_MESSAGE, NEW_ATTACHMENT])


def write_mail_ids(rows: list[dict[str, object]]) -> None:
    """Message-ID rows (`MailId`), a few hundred per insert, each sent while the one before
    it runs (`pipelined`)."""
    with pipelined(database_proxy):
        for start in range(0, len(rows), MOST_PREPARED_ROWS):
            NEW_MAIL_ID.run_many(rows[start : start + MOST_PREPARED_ROWS])


def keep_attachments(
    message_id: int, parts: Sequence[MailPart], limit: int, held: HeldRows | None
) -> None:
    """The attachments of a customer's message, those over `limit` (the gate's size limit of
    every file, `access.file_limit`) listed without their data; held back in `held` (but for
    one written in chunks, which writes what is held first)."""
    for part in parts:
        kept = part.size <= limit
        values = {
            "message": message_id,
            "filename": part.filename[:500],
            "content_type": part.content_type[:200],
            "size": part.size,
            "inline": part.inline,
            "kept": kept,
            "data": part.data if kept else b"",
        }
        if held is None:
            attachment_id = NEW_ATTACHMENT.run(**values)
        else:
            attachment_id = held.insert(NEW_ATTACHMENT, **values)
        if kept and part.cut is not None:
            if held is not None:
                held.write()
            write_in_chunks(Attachment.data, attachment_id, part.size, part.cut.chunks())


@dataclass
class Remembered:
    """What one write transaction of many messages reads once instead of per message, and
    whether it holds senders to the flood limit."""

    own_addresses: set[str]
    reading: MailReading
    flood: FloodLimit | None
    within: peewee.ColumnBase = field(default_factory=lambda: scope.TRUE)
    requesters: dict[str, int] = field(default_factory=dict)
    named: NamedTickets = field(init=False)
    new_tickets: list[int] = field(default_factory=list)  # their due times kept at the end
    # Read ahead for a batch (`Intake.take_many`): its Message-IDs taken before (and since;
    # None: not read ahead), addresses no person has, usernames free, the source's followers.
    seen_ids: set[str] | None = None
    no_person: set[str] = field(default_factory=set)
    free_usernames: set[str] = field(default_factory=set)
    followers: dict[int, list[tuple[int]]] = field(default_factory=dict)
    # The Message-ID rows the batch's messages keep, written together (`write_mail_ids`).
    mail_ids: list[dict[str, object]] = field(default_factory=list)
    # The conversations the batch names, read ahead and kept up to date as it is filed.
    threads: ThreadsAhead | None = None
    # A batch's new rows held back (`store.held_rows`): written before anything reads them.
    held: HeldRows | None = None

    def look_ahead(self, source: Source, mails: list[ParsedMail]) -> None:
        """For the messages `mails` about to be taken (a part of a batch, `Intake.take_many`):
        which Message-IDs were taken before, which senders no person has and which usernames
        those would get are free, which tickets their Message-IDs and tags name, each in one
        statement or a few (not per message); what they write is added. The rows held for the
        part before are written by now; the holder goes on with their keys."""
        self.threads = threads_ahead(source, mails)
        self.named.read_ahead(n for m in mails for n in named_tickets(source, m, self.threads))
        taken = {m.message_id for m in mails if m.message_id in self.threads.by_id}
        self.seen_ids = taken | (self.seen_ids or set())
        addresses = {m.sender_address.lower() for m in mails} - set(self.requesters)
        found, self.no_person = people_by_address(addresses)
        self.requesters.update(found)
        self.free_usernames = free_usernames(self.no_person)
        if self.held is None:
            self.held = filing_held()

    def made(self, number: int) -> None:
        """A ticket the batch made: its due times kept at the end, mail naming it reaches it."""
        self.new_tickets.append(number)
        if self.threads is not None:
            self.threads.made(number)

    def write_held(self) -> None:
        """The rows held so far, written (before a read or write that may touch them)."""
        if self.held is not None:
            self.held.write()

    def held_requesters(self, numbers: list[int]) -> dict[int, int]:
        """Of tickets `numbers` (about to be read), those still held (made by this batch, in
        its source, open, and copied to nobody: a ticket's held rows are written before its
        copies are kept), with their requesters: which of them a sender may write on is
        known without writing them. Where the scope the messages thread within must decide,
        the rows held are written instead (if one of `numbers` is among them), and none is
        given."""
        held = self.held
        if held is None or not any(held.holds(NEW_TICKET, n) for n in numbers):
            return {}
        if self.within is not scope.TRUE:
            held.write()
            return {}
        rows = {n: held.held_row(NEW_TICKET, n) for n in numbers}
        return {n: int(row["requester"]) for n, row in rows.items() if row is not None}

    def write_mail_ids(self) -> None:
        """At a part's end (`Intake.take_many`): the Message-ID rows kept so far, written, and
        the rows they name before them; the next part's keys go on from these (nothing but
        the held rows inserts into their tables meanwhile: whatever else would, writes them
        first)."""
        if self.held is not None:
            self.held.write(going_on=True)
        rows, self.mail_ids = self.mail_ids, []
        write_mail_ids(rows)

    def __post_init__(self) -> None:
        self.named = NamedTickets(self.within)
