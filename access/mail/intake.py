"""The intake rulebook: one message in, whatever brought it (a file, an mbox, IMAP).

A message becomes a new ticket of its source, or lands on the ticket it answers: a Message-ID
Ticketty sent in `In-Reply-To`/`References`, else the `[#123]` tag in the subject, and only ever
on a ticket of the same requester (anyone can type a tag). Automatic mail never makes a ticket; a
bounce of a reply marks that reply failed. A message that cannot be read is kept whole in
quarantine. Each message is one transaction, together with the IMAP cursor that moved past it.

The parser (`email`, inscriptis and lxml) is imported by the calls that parse: the gate carries
this intake, and the app and the command line start without loading it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

import peewee

from access.catalogue import SOURCES_EDIT
from access.errors import InvalidInput, NotFound
from access.follow_ups import start_follow_up
from access.gate import GateBase
from access.lookup import source_named
from access.requester_messages import FINAL_STATUS, reopen_for_requester
from access.tickets import MAX_BODY, MAX_SUBJECT
from store.models import (
    Attachment,
    MailAccount,
    MailCursor,
    MailId,
    Message,
    OutboxItem,
    Person,
    QuarantinedMail,
    Source,
    Ticket,
    utcnow,
)
from store.prepared import PreparedInsert, PreparedSelect
from store.rows import tuple_rows

if TYPE_CHECKING:
    from access.mail.parse import ParsedMail

DEFAULT_ATTACHMENT_LIMIT = 25 * 2**20
_TAG = re.compile(r"\[#([0-9]{1,18})\]")
_SEEN = PreparedSelect(
    lambda source, mail_id: MailId.select(MailId.id).where(
        (MailId.source == source) & (MailId.mail_id == mail_id)
    )
)
_PERSON_BY_ADDRESS = PreparedSelect(
    lambda address: (
        Person.select(Person.id).where(peewee.fn.LOWER(Person.email) == address).order_by(Person.id)
    )
)
_NEW_TICKET = PreparedInsert(Ticket, ("subject", "source", "requester", "created_at", "updated_at"))
_NEW_MESSAGE = PreparedInsert(Message, ("ticket", "kind", "author", "body"))
_NEW_MAIL_ID = PreparedInsert(MailId, ("mail_id", "source", "ticket", "message"))
_NEW_ATTACHMENT = PreparedInsert(
    Attachment, ("message", "filename", "content_type", "size", "inline", "kept", "data")
)


class Taken(NamedTuple):
    """What became of one message: `new`, `appended`, `follow-up` (an answer to a closed
    ticket, filed as its follow-up), `ignored`, `duplicate`, `bounce` or `quarantined`, the
    ticket it went to, and a short reason."""

    outcome: str
    ticket: int | None = None
    detail: str = ""


class CursorStep(NamedTuple):
    """The IMAP position this message moves its folder's cursor to."""

    folder: str
    uidvalidity: int
    uid: int


@dataclass
class _Remembered:
    """What one write transaction of many messages reads once instead of per message."""

    own_addresses: set[str]
    requesters: dict[str, int] = field(default_factory=dict)


class MailIntake(GateBase):
    """Takes messages in for the e-mail sources; the person running it needs `sources.edit`."""

    attachment_limit = DEFAULT_ATTACHMENT_LIMIT
    _remembered: _Remembered | None = None

    @contextmanager
    def remembering(self) -> Iterator[None]:
        """Inside one write transaction taking many messages: Ticketty's own addresses are read
        once and each requester's address is looked up once (the transaction's write lock keeps
        both as read). Leave it with the transaction."""
        self._remembered = _Remembered(_own_addresses())
        try:
            yield
        finally:
            self._remembered = None

    def mail_source(self, name: str) -> Source:
        """An open e-mail source by name, for intake and delivery."""
        self.require(SOURCES_EDIT)
        source = source_named(name)
        if source.kind != "email":
            raise InvalidInput(f"{name} is a {source.kind} source, not an e-mail one")
        if source.archived:
            raise InvalidInput(f"{name} is archived; restore it to take mail in")
        return source

    def take_mail(
        self, source: Source, raw: bytes, origin: str, cursor: CursorStep | None = None
    ) -> Taken:
        """One message in its own transaction, with the IMAP cursor step that took it."""
        with self.writing():
            return self.take_in_transaction(source, raw, origin, cursor)

    def take_in_transaction(
        self, source: Source, raw: bytes, origin: str, cursor: CursorStep | None = None
    ) -> Taken:
        """One message, inside the caller's write transaction and without a savepoint of its
        own: FTS5 writes its pending index out as a new segment at every savepoint, so a
        savepoint per message made a segment per message, and merging those grew dearer as
        the index grew (bench/NOTES.md)."""
        from access.mail.parse import UnreadableMail, parse_mail

        try:
            parsed = parse_mail(raw)
        except UnreadableMail as exc:
            taken = self._quarantine(source, raw, origin, str(exc))
        else:
            taken = self._file(source, parsed)
        if cursor is not None:
            _advance(source, cursor)
        return taken

    def retry_quarantined(self, quarantine_id: int) -> Taken:
        """Take a quarantined message in again (after a fix); it leaves quarantine unless it
        fails again, then keeps its place with the new reason."""
        from access.mail.parse import UnreadableMail, parse_mail

        self.require(SOURCES_EDIT)
        with self.writing():
            held = _held(quarantine_id)
            try:
                parsed = parse_mail(bytes(held.raw_mail))
            except UnreadableMail as exc:
                QuarantinedMail.update(reason=str(exc)).where(
                    QuarantinedMail.id == held.id
                ).execute()
                return Taken("quarantined", None, str(exc))
            taken = self._file(Source.get_by_id(held.source_id), parsed)
            QuarantinedMail.delete().where(QuarantinedMail.id == held.id).execute()
            self.record("mail.release", "quarantine", held.id, after=taken.outcome)
            return taken

    def discard_quarantined(self, quarantine_id: int) -> None:
        """Delete a quarantined message for good: spam, or mail no fix will make readable. The
        audit event keeps where it came from and why it was held, not the mail."""
        self.require(SOURCES_EDIT)
        with self.writing():
            held = _held(quarantine_id)
            QuarantinedMail.delete().where(QuarantinedMail.id == held.id).execute()
            self.record(
                "mail.discard",
                "quarantine",
                held.id,
                before={"origin": held.origin, "reason": held.reason},
            )

    # ------------------------------------------------------------------ the rulebook

    def _file(self, source: Source, mail: ParsedMail) -> Taken:
        remembered = self._remembered
        own = remembered.own_addresses if remembered else _own_addresses()
        if mail.sender_address in own:
            return Taken("ignored", None, "sent from Ticketty's own address")
        if mail.is_bounce:
            return self._bounce(source, mail)
        if mail.automatic:
            return Taken("ignored", None, mail.automatic)
        if mail.message_id and _seen(source, mail.message_id):
            return Taken("duplicate", None, f"{mail.message_id} was taken in before")
        person_id = self._requester(mail)
        ticket = _answered_ticket(source, mail, person_id)
        if ticket is None:
            return Taken("new", self._new_ticket(source, mail, person_id), mail.sender_address)
        if ticket.status == FINAL_STATUS:
            follow_up = start_follow_up(self, ticket, by="mail")
            message_id = self._message(follow_up.number, source, mail, person_id)
            self.record(
                "ticket.customer", "message", message_id, ticket=follow_up.number, after="by mail"
            )
            detail = f"{mail.sender_address}, follow-up of #{ticket.number}"
            return Taken("follow-up", follow_up.number, detail)
        self._append(ticket, source, mail, person_id)
        return Taken("appended", ticket.number, mail.sender_address)

    def _requester(self, mail: ParsedMail) -> int:
        """The person with this address, or a new requester (no roles: they cannot log in)."""
        remembered = self._remembered
        if remembered is None:
            return self._find_or_add_requester(mail)
        known = remembered.requesters.get(mail.sender_address)
        if known is None:
            known = remembered.requesters[mail.sender_address] = self._find_or_add_requester(mail)
        return known

    def _find_or_add_requester(self, mail: ParsedMail) -> int:
        found = _PERSON_BY_ADDRESS.first(mail.sender_address)
        if found is not None:
            return int(found[0])
        name = (mail.sender_name or mail.sender_address)[:200]
        person = Person.create(
            username=_free_username(mail.sender_address),
            display_name=name,
            email=mail.sender_address,
        )
        self.record("person.add", "person", person.id, after={"by": "mail", "email": person.email})
        return person.id

    def _new_ticket(self, source: Source, mail: ParsedMail, person_id: int) -> int:
        now = utcnow()
        subject = (mail.subject or "(no subject)")[:MAX_SUBJECT]
        number = _NEW_TICKET.run(
            subject=subject,
            source=source.id,
            requester=person_id,
            created_at=now,
            updated_at=now,
        )
        self._message(number, source, mail, person_id)
        audit_after = {"subject": subject, "source": source.name, "by": "mail"}
        self.record("ticket.create", "ticket", number, ticket=number, after=audit_after)
        return number

    def _append(self, ticket: Ticket, source: Source, mail: ParsedMail, person_id: int) -> None:
        changes: dict[peewee.Field, object] = {
            Ticket.updated_at: utcnow(),
            Ticket.version: Ticket.version + 1,
        }
        reopen_for_requester(self, ticket, changes)
        Ticket.update(changes).where(Ticket.number == ticket.number).execute()
        message_id = self._message(ticket.number, source, mail, person_id)
        self.record("ticket.customer", "message", message_id, ticket=ticket.number, after="by mail")

    def _message(self, number: int, source: Source, mail: ParsedMail, person_id: int) -> int:
        body = mail.text or "(the message has no text)"
        if len(body) > MAX_BODY:
            body = body[:MAX_BODY] + "\n[… the rest of the message is cut off]"
        message_id = _NEW_MESSAGE.run(ticket=number, kind="customer", author=person_id, body=body)
        if mail.message_id:
            _NEW_MAIL_ID.run(
                mail_id=mail.message_id, source=source.id, ticket=number, message=message_id
            )
        for part in mail.parts:
            kept = len(part.data) <= self.attachment_limit
            _NEW_ATTACHMENT.run(
                message=message_id,
                filename=part.filename[:500],
                content_type=part.content_type[:200],
                size=len(part.data),
                inline=part.inline,
                kept=kept,
                data=part.data if kept else b"",
            )
        return message_id

    def _bounce(self, source: Source, mail: ParsedMail) -> Taken:
        """A returned reply: mark its delivery failed, so the agent sees it on the ticket."""
        if not mail.bounced_ids:
            return Taken("ignored", None, mail.automatic)
        item = (
            OutboxItem.select()
            .where((OutboxItem.source == source.id) & OutboxItem.mail_id.in_(mail.bounced_ids))
            .first()
        )
        if item is None:
            return Taken("ignored", None, mail.automatic)
        if mail.delivery_action == "delayed":
            return self._delayed(item, mail)
        if mail.delivery_action not in ("", "failed"):
            return Taken("ignored", None, f"delivery report: {mail.delivery_action}")
        reason = f"bounced: {mail.bounce_reason or mail.automatic}"[:500]
        OutboxItem.update(state="failed", last_error=reason).where(
            OutboxItem.id == item.id
        ).execute()
        number = Message.get_by_id(item.message_id).ticket_id
        self.record("mail.bounce", "outbox", item.id, ticket=number, after=reason)
        return Taken("bounce", number, reason)

    def _delayed(self, item: OutboxItem, mail: ParsedMail) -> Taken:
        """A report that the receiving server still tries (Postfix does for days): the reply
        shows as delayed, not failed; a later report of failure fails it."""
        number = Message.get_by_id(item.message_id).ticket_id
        reason = (mail.bounce_reason or "the receiving server is still trying")[:500]
        updated = (
            OutboxItem.update(state="delayed", last_error=reason)
            .where((OutboxItem.id == item.id) & OutboxItem.state.in_(("sent", "delayed")))
            .execute()
        )
        if updated:
            self.record("mail.delayed", "outbox", item.id, ticket=number, after=reason)
        return Taken("bounce", number, f"delayed: {reason}")

    def _quarantine(self, source: Source, raw: bytes, origin: str, reason: str) -> Taken:
        held = QuarantinedMail.create(
            source=source.id, origin=origin[:500], reason=reason, raw_mail=raw
        )
        self.record(
            "mail.quarantine", "quarantine", held.id, after={"origin": origin, "why": reason}
        )
        return Taken("quarantined", None, reason)


def _own_addresses() -> set[str]:
    return {a.lower() for (a,) in tuple_rows(MailAccount.select(MailAccount.address))}


def _seen(source: Source, message_id: str) -> bool:
    return _SEEN.first(source.id, message_id) is not None


def _answered_ticket(source: Source, mail: ParsedMail, person_id: int) -> Ticket | None:
    """The ticket this message answers, if its requester is the sender: the first one named
    that is not closed, else the first closed one (the answer starts its follow-up)."""
    candidates: list[int] = []
    ids = [*mail.in_reply_to, *reversed(mail.references)]
    if ids:
        rows = tuple_rows(
            MailId.select(MailId.ticket, MailId.mail_id).where(
                (MailId.source == source.id)
                & (MailId.outgoing == True)  # noqa: E712
                & MailId.mail_id.in_(ids)
            )
        )
        by_id = {message_id: ticket for ticket, message_id in rows}
        candidates += [by_id[i] for i in ids if i in by_id]
    candidates += [int(n) for n in _TAG.findall(mail.subject)]
    closed = None
    for number in candidates:
        ticket = Ticket.get_or_none((Ticket.number == number) & (Ticket.requester == person_id))
        if ticket is not None and ticket.status != FINAL_STATUS:
            return ticket
        if ticket is not None and closed is None:
            closed = ticket
    return closed


def _advance(source: Source, step: CursorStep) -> None:
    updated = (
        MailCursor.update(uidvalidity=step.uidvalidity, last_uid=step.uid)
        .where((MailCursor.source == source.id) & (MailCursor.folder == step.folder))
        .execute()
    )
    if not updated:
        MailCursor.create(
            source=source.id, folder=step.folder, uidvalidity=step.uidvalidity, last_uid=step.uid
        )


def _free_username(address: str) -> str:
    """A username in the usual shape (`access.validation`) from the address's local part,
    numbered when taken."""
    local = re.sub(r"[^a-z0-9._-]+", "-", address.partition("@")[0].lower()).strip("-._")
    base = (local if local[:1].isalpha() else f"c{local}")[:28].rstrip("-._") or "customer"
    taken = {
        name
        for (name,) in tuple_rows(
            Person.select(Person.username).where(Person.username.startswith(base))
        )
    }
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _held(quarantine_id: int) -> QuarantinedMail:
    held: QuarantinedMail | None = QuarantinedMail.get_or_none(QuarantinedMail.id == quarantine_id)
    if held is None:
        raise NotFound(f"no quarantined message {quarantine_id}")
    return held
