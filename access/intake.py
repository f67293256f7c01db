"""The intake rulebook: one message in, whatever brought it (a file, an mbox, IMAP).

A message becomes a new ticket of its source, or lands on the ticket it answers: a Message-ID
of the ticket's conversation in `In-Reply-To`/`References` (Ticketty's replies and the
customer's own earlier mail), else the `[#123]` tag in the subject, and only ever on a ticket of
the same requester (anyone can type a tag). Mail never lands in another source or an archived
one: naming such a ticket starts a new ticket in the receiving source linked to it, as an
answer to a closed ticket starts its follow-up (and a second answer joins that follow-up).
When the receiving server says DMARC failed, the From is not believed: the message makes a new
ticket marked "sender not verified" instead of joining anyone's conversation.

Automatic mail never makes a ticket; a delivery report naming a reply of ours and the address it
went to marks that reply failed (`mail.authenticity` says what counts as proof). Mail is
Ticketty's own only when it carries a Message-ID Ticketty sent from that address. Past a
sender's flood limit, and for a delivery report naming nothing of ours, the message is held in
quarantine; so is a message that cannot be read. Nothing from outside is dropped unseen. Each
message is one transaction, together with the IMAP cursor that moved past it.

The gate reads no mail: each call is handed the channel's reader and the config's limits
(`MailReading`), and fetching, files and the parser are the mail channel's (`mail/`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import NamedTuple

import peewee

from access import notify_events, outbox, scope
from access.audit_actions import (
    MAIL_BOUNCE,
    MAIL_DELAYED,
    MAIL_QUARANTINE,
    TICKET_CREATE,
)
from access.catalogue import TICKETS_VIEW_CONTACT
from access.copies import keep_mail_copies
from access.due_times import keep_due_times
from access.filing import (
    MAX_BODY,
    customer_wrote,
    file_ticket,
    follow_up_by_customer,
    new_message,
    reopened_by_customer,
)
from access.floods import FloodLimit, flood_reason
from access.inbound import MailReading, ParsedMail, UnreadableMail, clean_text, what_was_raised
from access.intake_filing import NEW_MAIL_ID, Remembered, keep_attachments
from access.mail_threads import (
    answered_ticket,
    bounced_reply,
    continued,
    named_tickets,
    own_addresses,
    sent_by_ticketty,
    taken_before,
)
from access.request import Request
from access.requester_messages import FINAL_STATUS
from access.requesters import (
    add_requester,
    requester_by_address,
    username_base,
)
from access.vocabulary import DELAYED, FAILED, MAX_SUBJECT, SENT
from store.errors import TickettyError
from store.models import (
    MailAccount,
    MailCursor,
    MailFailure,
    Message,
    OutboxItem,
    QuarantinedMail,
    Source,
    Ticket,
    database_proxy,
)
from store.pipelined import pipelined, pipelines
from store.rows import tuple_rows

# A message whose filing failed this often is quarantined.
FILING_TRIES = 2
# Where statements are sent ahead (PostgreSQL, `store.pipelined`), a batch is read and filed
# this many messages at a time, the next part read while the server writes the part before
# (`Intake.take_many`); elsewhere, with no server to wait for, a batch is one part.
READ_PART = 50


UNVERIFIED = "(sender not verified) "
SENT_BY_TICKETTY = "sent by Ticketty itself"
FILED = ("new", "appended", "follow-up")


class Taken(NamedTuple):
    """What became of one message: `new`, `appended`, `follow-up` (a new ticket linked to the
    closed, archived or other source's ticket it answers), `ignored`, `duplicate`, `bounce` or
    `quarantined`, the ticket it went to, a short reason, the sender's address and the ticket
    the follow-up links. As the gate returns it, numbers and the address are those the person
    may see, and a message filed on a ticket they cannot see is only `filed`."""

    outcome: str
    ticket: int | None = None
    detail: str = ""
    address: str = ""
    linked: int | None = None

    def describe(self) -> str:
        """`new #12 jan@example.pl`, `follow-up #14 jan@example.pl, follow-up of #9`, ..."""
        text = self.outcome + (f" #{self.ticket}" if self.ticket else "")
        text += f" {self.address}" if self.address else ""
        text += f", follow-up of #{self.linked}" if self.linked else ""
        return f"{text} {self.detail}".rstrip()


class HeldBack(TickettyError):
    """The rulebook keeps this message in quarantine; the text says why. Raised before the
    message wrote anything."""


class Oversized(NamedTuple):
    """A message over the size limit, not read: its header (all that is kept of it in
    quarantine) and its whole size in bytes."""

    header: bytes
    size: int


class CursorStep(NamedTuple):
    """The IMAP position this message moves its folder's cursor to."""

    folder: str
    uidvalidity: int
    uid: int


class Intake:
    """The rulebook at work for one request of `gate.mailboxes` (`access.mailboxes`), whose
    public methods checked the person's `sources.edit` on the source before they build it; it
    writes in the request's transactions, with the request's audit events."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self._remembered: Remembered | None = None

    @contextmanager
    def remembering(
        self,
        reading: MailReading,
        flood: FloodLimit | None = None,
        within: peewee.ColumnBase = scope.TRUE,
    ) -> Iterator[None]:
        """Inside one write transaction taking many messages: Ticketty's own addresses are read
        once and each requester's address is looked up once (the transaction's write lock keeps
        both as read). `flood`: the limit to hold senders to (none for files a person chose to
        import); `within`: the tickets messages may thread onto (a scope). Leave it with the
        transaction: the due times of the tickets the messages made are kept as it is left, all
        in one step (`keep_due_times`) instead of one per ticket."""
        self._remembered = remembered = Remembered(own_addresses(), reading, flood, within)
        try:
            yield
            remembered.write_held()
            keep_due_times(self.request, remembered.new_tickets)
        finally:
            self._remembered = None

    def take_one(
        self,
        source: Source,
        raw: bytes | Oversized,
        origin: str,
        reading: MailReading,
        cursor: CursorStep | None,
        flood: FloodLimit | None,
        within: peewee.ColumnBase = scope.TRUE,
    ) -> Taken:
        """One message in its own transaction.

        A message that cannot be read, or that the rulebook holds back, is quarantined by
        `take_in_transaction`. One whose filing fails (anything raised while writing it) is
        counted in `MailFailure` and tried once more; at its second failure, in this call or an
        earlier one, it is quarantined with the reason and the cursor moves past it, so that no
        message stops the mail behind it or loops. A failure that also stops the quarantine
        (the database itself) is raised."""
        from hashlib import sha256

        if isinstance(raw, Oversized) or len(raw) > reading.message_limit:
            with self.request.writing():
                return self.take_in_transaction(source, raw, origin, reading, cursor)
        digest = ""
        for _ in range(FILING_TRIES):
            try:
                with self.request.writing(), self.remembering(reading, flood, within):
                    taken = self.take_in_transaction(source, raw, origin, reading, cursor)
                    if digest:
                        _forget_failures(source, digest)
                    return taken
            except Exception as exc:
                digest = digest or sha256(raw).hexdigest()
                failures, reason = _count_failure(self, source, digest, exc)
                if failures >= FILING_TRIES:
                    break
        with self.request.writing():
            taken = self.quarantine(source, raw, origin, reason)
            _forget_failures(source, digest)
            if cursor is not None:
                advance_cursor(source, cursor)
        return taken

    def take_many(
        self,
        source: Source,
        batch: list[tuple[str, bytes | Oversized]],
        reading: MailReading,
        index_so_far: Callable[[], None],
    ) -> list[Taken]:
        """Inside `remembering`: the messages of `batch` (origin, raw) `READ_PART` at a time,
        each part read, then what it needs of the database read at once
        (`Remembered.look_ahead`), then each message taken in turn as `take_in_transaction`
        takes it (the tickets it wrote on read anew when named again); then the part's rows
        held back, its Message-IDs and its new tickets' documents (`index_so_far`) are
        written, sent while the next part is read (`pipelined`)."""
        size = READ_PART if pipelines(database_proxy) else len(batch)
        parts = [batch[start : start + size] for start in range(0, len(batch), size)]
        remembered = self._remembered
        assert remembered is not None
        taken: list[Taken] = []
        read = [_read_ahead(raw, reading) for _origin, raw in parts[0]]
        for at, part in enumerate(parts):
            remembered.look_ahead(source, [m for m in read if isinstance(m, ParsedMail)])
            for (origin, raw), mail in zip(part, read, strict=True):
                taken.append(self.take_in_transaction(source, raw, origin, reading, None, mail))
                remembered.named.written((taken[-1].ticket, taken[-1].linked))
            with pipelined(database_proxy):
                remembered.write_mail_ids()
                index_so_far()
                following = parts[at + 1] if at + 1 < len(parts) else []
                read = [_read_ahead(raw, reading) for _origin, raw in following]
        return taken

    def take_in_transaction(
        self,
        source: Source,
        raw: bytes | Oversized,
        origin: str,
        reading: MailReading,
        cursor: CursorStep | None = None,
        read: ParsedMail | UnreadableMail | None = None,
    ) -> Taken:
        """One message, inside the caller's write transaction and without a savepoint of its
        own: FTS5 writes its pending index out as a new segment at every savepoint, so a
        savepoint per message made a segment per message, and merging those grew dearer as
        the index grew (bench/NOTES.md). `read`: the message as `reading` read it already."""
        limit = reading.message_limit
        if isinstance(raw, Oversized):
            reason = too_large(raw.size, limit)
            taken = self.quarantine(source, raw.header, origin, reason, False)
        elif len(raw) > limit:
            taken = self.quarantine(source, raw, origin, too_large(len(raw), limit))
        else:
            try:
                parsed = reading.read(raw) if read is None else read
                if isinstance(parsed, UnreadableMail):
                    raise parsed
                taken = count_ignored(source, self.file(source, parsed), self.request.clock())
            except (UnreadableMail, HeldBack) as exc:
                taken = self.quarantine(source, raw, origin, str(exc))
        if cursor is not None:
            advance_cursor(source, cursor)
        return taken

    # ------------------------------------------------------------------ the rulebook

    def file(self, source: Source, mail: ParsedMail) -> Taken:
        """Inside `remembering`: the rulebook on one message read."""
        remembered = self._remembered
        assert remembered is not None
        if mail.sender_address in remembered.own_addresses and sent_by_ticketty(mail):
            return Taken("ignored", None, SENT_BY_TICKETTY)
        if mail.is_bounce:
            remembered.write_held()
            return self._bounce(source, mail)
        if mail.automatic:
            return Taken("ignored", None, mail.automatic)
        if mail.message_id and self._taken_before(source, mail.message_id):
            return Taken("duplicate", None, f"{mail.message_id} was taken in before")
        if remembered.flood:
            remembered.write_held()
        flood = remembered.flood and flood_reason(
            mail.sender_address, remembered.flood, self.request.clock()
        )
        if flood:
            raise HeldBack(flood)
        person_id = self._requester(mail)
        address = mail.sender_address
        if mail.dmarc_failed:
            number = self._new_ticket(source, mail, person_id, UNVERIFIED)
            return Taken("new", number, "sender not verified: DMARC failed", address)
        named = named_tickets(source, mail, remembered.threads)
        held = remembered.held_requesters(named)
        answered = answered_ticket(
            source, mail, person_id, remembered.named, named, held, remembered.write_held
        )
        if answered is not None:
            remembered.write_held()
        if answered is None:
            number = self._new_ticket(source, mail, person_id)
            if mail.copies:
                remembered.write_held()
            keep_mail_copies(
                self.request, number, mail.copies, {*remembered.own_addresses, address}
            )
            return Taken("new", number, "", address)
        self.request.write_held()  # `continued` reads the follow-ups from the audit log
        ticket = continued(answered, source, person_id, remembered.within)
        if ticket.source_id == source.id and ticket.status != FINAL_STATUS:
            self._append(ticket, source, mail, person_id)
            if ticket.requester_id == person_id:
                kept_out = {*remembered.own_addresses, address}
                keep_mail_copies(self.request, ticket.number, mail.copies, kept_out)
            return Taken("appended", ticket.number, "", address)
        follow_up, message_id = follow_up_by_customer(
            self.request, ticket, person_id, _body(mail), by="mail", into=source.id
        )
        if remembered.threads is not None:
            remembered.threads.made(follow_up.number)
        self._mail_of_message(follow_up.number, message_id, source, mail)
        return Taken("follow-up", follow_up.number, "", address, ticket.number)

    def as_seen(self, taken: Iterable[Taken]) -> list[Taken]:
        """`taken` as the person may see it: ticket numbers they may see, the sender's address
        with `tickets.view_contact` on that ticket; a message filed on a ticket they cannot
        see is `filed`, without telling new from appended."""
        grants = self.request.grants()
        taken = list(taken)
        numbers = {n for t in taken for n in (t.ticket, t.linked) if n}
        seen = _numbers_where(numbers, scope.visible(grants))
        contact = _numbers_where(seen, scope.may(grants, TICKETS_VIEW_CONTACT))
        shown = []
        for t in taken:
            if t.ticket is not None and t.ticket not in seen:
                outcome = "filed" if t.outcome in FILED else t.outcome
                t = Taken(outcome, None, t.detail if outcome == t.outcome else "")
            shown.append(
                t._replace(
                    address=t.address if t.ticket in contact else "",
                    linked=t.linked if t.linked in seen else None,
                )
            )
        return shown

    def _taken_before(self, source: Source, message_id: str) -> bool:
        remembered = self._remembered
        if remembered is None or remembered.seen_ids is None:
            return taken_before(source, message_id)
        return message_id in remembered.seen_ids

    def _requester(self, mail: ParsedMail) -> int:
        """The person with this address, or a new requester (`access.requesters`)."""
        address = mail.sender_address
        name = mail.sender_name or address
        remembered = self._remembered
        if remembered is None:
            return requester_by_address(self.request, address, name, by="mail")
        known = remembered.requesters.get(address.lower())
        if known is None:
            free, held = remembered.free_usernames, remembered.held
            new = address.lower() in remembered.no_person
            if held is not None and not (new and username_base(address) in free):
                held.write()  # a person or a username looked up
            if new:
                known = add_requester(self.request, address, name, "mail", free, held)
            else:
                known = requester_by_address(self.request, address, name, by="mail")
            remembered.requesters[address.lower()] = known
        return known

    def _new_ticket(self, source: Source, mail: ParsedMail, person_id: int, mark: str = "") -> int:
        subject = (mark + (mail.subject or "(no subject)"))[:MAX_SUBJECT]
        now = self.request.clock()
        held = self._remembered.held if self._remembered else None
        number = file_ticket(subject, source.id, person_id, now=now, held=held)
        message_id = new_message(number, person_id, _body(mail), now=now, held=held)
        self._mail_of_message(number, message_id, source, mail)
        audit_after = {"subject": subject, "source": source.name, "by": "mail"}
        self.request.record(TICKET_CREATE, "ticket", number, ticket=number, after=audit_after)
        if self._remembered is not None:
            self._remembered.made(number)
        else:
            keep_due_times(self.request, [number])
        followers, known = None, self._remembered.followers if self._remembered else None
        if known is not None:
            if source.id not in known:
                known[source.id] = notify_events.source_followers(source.id)
            followers = known[source.id]
            if followers and held is not None:
                held.write()  # their notifications name the ticket
        notify_events.ticket_filed(person_id, number, source.id, None, False, now, followers)
        return number

    def _append(self, ticket: Ticket, source: Source, mail: ParsedMail, person_id: int) -> None:
        changes = reopened_by_customer(self.request, ticket)
        Ticket.update(changes).where(Ticket.number == ticket.number).execute()
        body = _body(mail)
        message_id = new_message(ticket.number, person_id, body, now=self.request.clock())
        self._mail_of_message(ticket.number, message_id, source, mail)
        customer_wrote(self.request, ticket.number, message_id, body, "mail")

    def _mail_of_message(
        self, number: int, message_id: int, source: Source, mail: ParsedMail
    ) -> None:
        """What a customer's message keeps of its mail: its Message-ID (for threading) and its
        attachments (`keep_attachments`). Inside `take_many`, the rows are held back."""
        remembered = self._remembered
        held = remembered.held if remembered is not None else None
        if mail.no_auto_reply:  # kept for the rules: no automatic reply answers it
            if held is not None:
                held.write()
            Message.update(automatic=mail.no_auto_reply[:300]).where(
                Message.id == message_id
            ).execute()
        if mail.message_id:
            row = {"mail_id": mail.message_id, "source": source.id, "ticket": number}
            if remembered is not None and remembered.seen_ids is not None:  # `take_many`
                remembered.seen_ids.add(mail.message_id)
                remembered.mail_ids.append({**row, "message": message_id})
                if remembered.threads is not None:
                    remembered.threads.kept(mail.message_id, number)
            else:
                NEW_MAIL_ID.run(**row, message=message_id)
        keep_attachments(message_id, mail.parts, self.request.session.file_limit, held)

    def _bounce(self, source: Source, mail: ParsedMail) -> Taken:
        """A returned reply: mark its delivery failed, so the agent sees it on the ticket."""
        item = bounced_reply(source, mail)
        if item is None:
            if mail.delivery_report:
                raise HeldBack("a delivery report that names no reply Ticketty sent from here")
            return Taken("ignored", None, mail.automatic)
        if mail.delivery_action == "delayed":
            return self._delayed(item, mail)
        if mail.delivery_action not in ("", "failed"):
            return Taken("ignored", None, f"delivery report: {mail.delivery_action}")
        returned = f"bounced: {mail.bounce_reason or mail.automatic}"
        reason = outbox.without_addresses(returned)[:500]
        OutboxItem.update(state=FAILED, last_error=reason).where(OutboxItem.id == item.id).execute()
        number = Message.get_by_id(item.message_id).ticket_id
        self.request.record(MAIL_BOUNCE, "outbox", item.id, ticket=number, after=reason)
        return Taken("bounce", number, reason)

    def _delayed(self, item: OutboxItem, mail: ParsedMail) -> Taken:
        """A report that the receiving server still tries (Postfix does for days): the reply
        shows as delayed, not failed; a later report of failure fails it."""
        number = Message.get_by_id(item.message_id).ticket_id
        reason = outbox.without_addresses(
            mail.bounce_reason or "the receiving server is still trying"
        )[:500]
        updated = (
            OutboxItem.update(state=DELAYED, last_error=reason)
            .where((OutboxItem.id == item.id) & OutboxItem.state.in_((SENT, DELAYED)))
            .execute()
        )
        if updated:
            self.request.record(MAIL_DELAYED, "outbox", item.id, ticket=number, after=reason)
        return Taken("bounce", number, f"delayed: {reason}")

    def quarantine(
        self, source: Source, raw: bytes, origin: str, reason: str, complete: bool = True
    ) -> Taken:
        """Keep `raw` (only the header when not `complete`) with the reason why."""
        origin, reason = clean_text(origin)[:500], clean_text(reason)
        if not complete:
            reason += "; only its header is kept"
        held = QuarantinedMail.create(
            source=source.id,
            origin=origin,
            reason=reason,
            raw_mail=raw,
            complete=complete,
            received_at=self.request.clock(),
        )
        self.request.record(
            MAIL_QUARANTINE, "quarantine", held.id, after={"origin": origin, "why": reason}
        )
        return Taken("quarantined", None, reason)


def _count_failure(intake: Intake, source: Source, digest: str, exc: Exception) -> tuple[int, str]:
    """Count one failed filing of the message with this digest, in a transaction of its own;
    returns how often it has failed and the reason to keep."""
    with intake.request.writing():
        now = intake.request.clock()
        found = MailFailure.get_or_none(
            (MailFailure.source == source.id) & (MailFailure.digest == digest)
        )
        if found is None:
            found = MailFailure.create(source=source.id, digest=digest, updated_at=now)
        failures = found.failures + 1
        reason = f"filing the message failed {failures} times: {what_was_raised(exc)}"
        MailFailure.update(failures=failures, last_error=reason, updated_at=now).where(
            MailFailure.id == found.id
        ).execute()
    return failures, reason


def _read_ahead(raw: bytes | Oversized, reading: MailReading) -> ParsedMail | UnreadableMail | None:
    """`raw` read as `take_in_transaction` reads it: the message, or why it cannot be read;
    None for a message over the size limit, which is not read."""
    if isinstance(raw, Oversized) or len(raw) > reading.message_limit:
        return None
    try:
        return reading.read(raw)
    except UnreadableMail as exc:
        return exc


def _body(mail: ParsedMail) -> str:
    body = mail.text or "(the message has no text)"
    if len(body) > MAX_BODY:
        body = body[:MAX_BODY] + "\n[… the rest of the message is cut off]"
    return body


def too_large(size: int, limit: int) -> str:
    return (
        f"the message is {size / 2**20:,.1f} MB, over the limit of "
        f"{limit / 2**20:,.1f} MB (message_limit_mb in the config file)"
    )


def count_ignored(source: Source, taken: Taken, now: datetime) -> Taken:
    """Count automatic mail from outside that was not filed on its source's account (shown by
    `sources mail`); Ticketty's own mail coming back is not counted."""
    if taken.outcome == "ignored" and taken.detail != SENT_BY_TICKETTY:
        MailAccount.update(
            ignored=MailAccount.ignored + 1,
            last_ignored=taken.detail[:300],
            last_ignored_at=now,
        ).where(MailAccount.source == source.id).execute()
    return taken


def _forget_failures(source: Source, digest: str) -> None:
    MailFailure.delete().where(
        (MailFailure.source == source.id) & (MailFailure.digest == digest)
    ).execute()


def _numbers_where(numbers: Iterable[int], predicate: peewee.ColumnBase) -> set[int]:
    """Those of the ticket `numbers` that meet `predicate` (a scope)."""
    wanted = set(numbers)
    if not wanted or predicate is scope.TRUE:
        return wanted
    rows = Ticket.select(Ticket.number).where(Ticket.number.in_(sorted(wanted)) & predicate)
    return {n for (n,) in tuple_rows(rows)}


def advance_cursor(source: Source, step: CursorStep) -> None:
    updated = (
        MailCursor.update(uidvalidity=step.uidvalidity, last_uid=step.uid)
        .where((MailCursor.source == source.id) & (MailCursor.folder == step.folder))
        .execute()
    )
    if not updated:
        MailCursor.create(
            source=source.id, folder=step.folder, uidvalidity=step.uidvalidity, last_uid=step.uid
        )
