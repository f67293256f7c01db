"""E-mail sources through the gate (`gate.mailboxes`): their accounts, their IMAP cursors,
taking messages in, the bookkeeping of delivery, quarantine. No network: the mail channel
(`mail/`) fetches and delivers, and calls these as the person running it.

Everything here needs `sources.edit` on a scope that covers the source worked on (a mailbox is
its source's: whoever is handed a source's row still needs the right on it), or `sources.list`
(reading the state); `ticketty serve` runs as a person holding `sources.edit`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import peewee

from access import outbox, rule_events, scope
from access.audit_actions import MAIL_DISCARD, MAIL_RELEASE
from access.catalogue import SOURCES_EDIT, SOURCES_LIST
from access.errors import InvalidInput, NotFound
from access.inbound import MailReading, UnreadableMail
from access.intake import (
    CursorStep,
    HeldBack,
    Intake,
    Oversized,
    Taken,
    advance_cursor,
    count_ignored,
    too_large,
)
from access.lookup import source_named
from access.mail_accounts import ServerUrl, account_url, password_to_send
from access.request import Part, Request
from access.sources import covers_source, require_on_source, source_filter
from access.views import QuarantineView
from store import dialect
from store.models import (
    MailAccount,
    MailCursor,
    OutboxItem,
    QuarantinedMail,
    Source,
    database_proxy,
)
from store.rows import tuple_rows

Report = Callable[[str], None]
IMPORT_BATCH = 500
# A batch also ends at this many bytes of mail, so that messages with large attachments are
# not held a few hundred at a time: an import's memory stays flat whatever the mail.
IMPORT_BATCH_BYTES = 16 * 2**20


class Mailboxes(Part):
    """`gate.mailboxes`: the mail channel's checked work on the database."""

    def mail_source(self, name: str) -> Source:
        """An open e-mail source by name, for intake and delivery."""
        return _mail_source(self._open(), name)

    def open_mail_sources(self, name: str | None = None) -> list[Source]:
        """The e-mail sources to work on: `name`, or every open one with an account."""
        request = self._open()
        if name is not None:
            return [_mail_source(request, name)]
        grants = request.require(SOURCES_EDIT)
        return [
            source
            for source in Source.select()
            .join(MailAccount, on=(MailAccount.source == Source.id))
            .where((Source.kind == "email") & (Source.archived == False))  # noqa: E712
            .order_by(Source.name)
            if covers_source(grants, SOURCES_EDIT, source.id)
        ]

    # --------------------------------------------------------------------- intake

    def fetches(self, source: Source) -> bool:
        """Whether the source has an IMAP server to fetch from (else it is send-only)."""
        request = self._open()
        require_on_source(request, SOURCES_EDIT, source)
        return bool(self._account(source).imap_url)

    def imap_login(self, source: Source) -> tuple[ServerUrl, str] | None:
        """The source's IMAP server and password, or None when it has no IMAP server."""
        request = self._open()
        require_on_source(request, SOURCES_EDIT, source)
        account = self._account(source)
        if not account.imap_url:
            return None
        return account_url(account, "imap"), password_to_send(source.name, account, "imap")

    def mail_cursor(self, source: Source, folder: str, uidvalidity: int) -> int | None:
        """The last UID taken from the source's `folder`: 0 when the folder's UIDs began anew
        (another `uidvalidity`), None when it was never fetched."""
        request = self._open()
        require_on_source(request, SOURCES_EDIT, source)
        cursor = MailCursor.get_or_none(
            (MailCursor.source == source.id) & (MailCursor.folder == folder)
        )
        if cursor is None:
            return None
        return int(cursor.last_uid) if cursor.uidvalidity == uidvalidity else 0

    def start_mail_cursor(self, source: Source, start: CursorStep) -> None:
        """A first fetch that leaves the mail already there: the folder is read from after
        `start` on."""
        request = self._open()
        require_on_source(request, SOURCES_EDIT, source)
        with request.writing():
            advance_cursor(source, start)

    def note_fetch(self, source: Source, error: str) -> None:
        """The time of the source's last fetch, and how it failed ("" when it did not)."""
        request = self._open()
        require_on_source(request, SOURCES_EDIT, source)
        with request.writing():
            MailAccount.update(last_fetch_at=request.clock(), last_error=error[:500]).where(
                MailAccount.source == source.id
            ).execute()

    def import_messages(
        self,
        source: Source,
        messages: Iterator[tuple[str, bytes | Oversized]],
        report: Report,
        reading: MailReading,
    ) -> dict[str, int]:
        """Take messages from files, read by `reading`; returns how many had each outcome.
        They are committed in batches (`import_batches`), a batch whole or not at all: an
        import stopped midway and run again skips what it took by Message-ID."""
        request = self._open()
        grants = require_on_source(request, SOURCES_EDIT, source)
        intake = Intake(request)
        # Files come from the person: they thread only onto tickets the person may see.
        visible = scope.visible(grants)
        counts: dict[str, int] = {}
        for batch in import_batches(messages, IMPORT_BATCH, IMPORT_BATCH_BYTES):
            try:
                taken = _import_batch(intake, source, batch, reading, visible)
                filed_together = True
            except Exception:
                # One message failed while being filed and the batch rolled back: each is
                # taken on its own, where a failing one is tried again, then quarantined.
                taken = [
                    intake.take_one(source, raw, origin, reading, None, None, visible)
                    for origin, raw in batch
                ]
                filed_together = False
            rule_events.mail_taken(request.session.clock, taken, batch=filed_together)
            for (origin, _raw), shown in zip(batch, intake.as_seen(taken), strict=True):
                counts[shown.outcome] = counts.get(shown.outcome, 0) + 1
                report(take_line(source, origin, shown))
        return counts

    def take_mail(
        self,
        source: Source,
        raw: bytes | Oversized,
        origin: str,
        reading: MailReading,
        cursor: CursorStep | None = None,
    ) -> Taken:
        """One message from the mail server in its own transaction, with the IMAP cursor step
        that took it, read by `reading`; senders are held to its flood limit
        (`Intake.take_one`)."""
        request = self._open()
        require_on_source(request, SOURCES_EDIT, source)
        intake = Intake(request)
        taken = intake.take_one(source, raw, origin, reading, cursor, reading.flood)
        rule_events.mail_taken(request.session.clock, [taken])
        return intake.as_seen([taken])[0]

    @staticmethod
    def _account(source: Source) -> MailAccount:
        account = MailAccount.get_or_none(MailAccount.source == source.id)
        if account is None:
            raise InvalidInput(f"{source.name} has no mail account; set one with sources edit")
        return account

    # ------------------------------------------------------------------- delivery

    def smtp_login(self, source: Source) -> tuple[ServerUrl, str | None]:
        """The SMTP server and the password to send it (only to the server it was set for,
        and none when the URL names no user). `InvalidInput` without a server; `SecretMissing`
        without the password."""
        request = self._open()
        require_on_source(request, SOURCES_EDIT, source)
        account = self._account(source)
        if not account.smtp_url:
            raise InvalidInput(f"{source.name} has no SMTP server; add one with sources edit")
        url = account_url(account, "smtp")
        return url, password_to_send(source.name, account, "smtp") if url.user else None

    def replies_due(self, source: Source) -> bool:
        """Whether a reply of the source waits to be sent now (one indexed read, no lock)."""
        request = self._open()
        require_on_source(request, SOURCES_EDIT, source)
        self._account(source)
        return outbox.any_due(source.id, request.clock())

    def claim_reply(self, source: Source, sender: str) -> outbox.ReplyToSend | None:
        """The next reply due on the source, claimed by `sender` (`outbox.claim`: never by two
        senders), as the channel composes it; None when none is left."""
        request = self._open()
        require_on_source(request, SOURCES_EDIT, source)
        item = outbox.claim(source.id, sender, request.clock())
        return None if item is None else outbox.reply_to_send(item)

    def release_reply(self, source: Source, item: OutboxItem, sender: str) -> None:
        """Let `sender`'s claim on a reply go without a try (the server could not be used)."""
        request = self._open()
        require_on_source(request, SOURCES_EDIT, source)
        outbox.release(item, sender)

    def mark_delivery(
        self, source: Source, item: OutboxItem, error: str | None = None, permanent: bool = False
    ) -> outbox.Delivery:
        """The outcome of one try, with its audit event, in one transaction: sent (`error`
        None), else to be tried again or (`permanent`, or too many tries) failed."""
        request = self._open()
        require_on_source(request, SOURCES_EDIT, source)
        if error is None:
            changes = outbox.outcome_of_success(item, request.clock())
        else:
            changes = outbox.outcome_of_failure(item, error, permanent, request.clock())
        number = item.message.ticket_id
        state = changes.get("state", "queued")
        with request.writing():
            OutboxItem.update(changes).where(OutboxItem.id == item.id).execute()
            request.record(
                f"mail.{state}", "outbox", item.id, ticket=number, after=changes["last_error"]
            )
        return outbox.Delivery(item.id, number, item.recipient, state, changes["last_error"])

    def note_send(self, source: Source, error: str) -> None:
        """Why the source's SMTP server could not be used ("" once it could again)."""
        request = self._open()
        require_on_source(request, SOURCES_EDIT, source)
        if error or self._account(source).send_error:
            with request.writing():
                MailAccount.update(send_error=error[:500]).where(
                    MailAccount.source == source.id
                ).execute()

    def delivery_line(self, source: Source, delivery: outbox.Delivery) -> str:
        """The report of one delivery as the person may read it: the ticket's number if they
        see it, the address with `tickets.view_contact` on it."""
        request = self._open()
        require_on_source(request, SOURCES_EDIT, source)
        (shown,) = Intake(request).as_seen(
            [Taken(delivery.state, delivery.ticket, "", delivery.recipient)]
        )
        on = f"#{shown.ticket}" if shown.ticket else "a ticket you cannot see"
        to = f" to {shown.address}" if shown.address else ""
        detail = f" ({delivery.detail})" if delivery.detail else ""
        return f"{source.name}: reply on {on}{to}: {delivery.state}{detail}"

    # ----------------------------------------------------------------- quarantine

    def quarantined(self, source: str | None = None) -> list[QuarantineView]:
        """The messages in quarantine, of one source by name or of all the sources
        `sources.list` covers."""
        request = self._open()
        request.require(SOURCES_LIST)
        in_scope = source_filter(request.grants(), SOURCES_LIST)
        rows = (
            QuarantinedMail.select(
                QuarantinedMail.id,
                Source.name,
                QuarantinedMail.origin,
                QuarantinedMail.reason,
                peewee.fn.LENGTH(QuarantinedMail.raw_mail),
                QuarantinedMail.received_at,
            )
            .join(Source)
            .order_by(QuarantinedMail.id)
        )
        if source is not None:
            rows = rows.where(Source.name == source)
        if in_scope is not None:
            rows = rows.where(in_scope)
        return [QuarantineView(*row) for row in tuple_rows(rows)]

    def retry_quarantined(self, quarantine_id: int, reading: MailReading) -> Taken:
        """Take a quarantined message in again (after a fix), read by `reading`; it leaves
        quarantine unless it fails again, then keeps its place with the new reason."""
        request = self._open()
        request.require(SOURCES_EDIT)
        intake = Intake(request)
        with request.writing(), intake.remembering(reading):
            held = held_mail(quarantine_id)
            source = Source.get_by_id(held.source_id)
            require_on_source(request, SOURCES_EDIT, source)
            if source.archived:
                raise InvalidInput(f"{source.name} is archived; restore it to take mail in")
            if not held.complete:
                raise InvalidInput(
                    f"quarantined message {quarantine_id} was over the size limit and only its "
                    "header was kept; raise message_limit_mb and take it from its mailbox again"
                )
            raw = bytes(held.raw_mail)
            if len(raw) > reading.message_limit:
                return Taken("quarantined", None, too_large(len(raw), reading.message_limit))
            try:
                taken = count_ignored(
                    source, intake.file(source, reading.read(raw)), request.clock()
                )
            except (UnreadableMail, HeldBack) as exc:
                QuarantinedMail.update(reason=str(exc)).where(
                    QuarantinedMail.id == held.id
                ).execute()
                return Taken("quarantined", None, str(exc))
            QuarantinedMail.delete().where(QuarantinedMail.id == held.id).execute()
            request.record(MAIL_RELEASE, "quarantine", held.id, after=taken.outcome)
        return intake.as_seen([taken])[0]

    def discard_quarantined(self, quarantine_id: int) -> None:
        """Delete a quarantined message for good: spam, or mail no fix will make readable. The
        audit event keeps where it came from and why it was held, not the mail."""
        request = self._open()
        request.require(SOURCES_EDIT)
        with request.writing():
            held = held_mail(quarantine_id)
            require_on_source(request, SOURCES_EDIT, Source.get_by_id(held.source_id))
            QuarantinedMail.delete().where(QuarantinedMail.id == held.id).execute()
            request.record(
                MAIL_DISCARD,
                "quarantine",
                held.id,
                before={"origin": held.origin, "reason": held.reason},
            )


def _import_batch(
    intake: Intake,
    source: Source,
    batch: list[tuple[str, bytes | Oversized]],
    reading: MailReading,
    within: peewee.ColumnBase,
) -> list[Taken]:
    with (
        intake.request.writing(),
        dialect.search_indexed_once(database_proxy) as index_so_far,
        intake.request.chain_head_held(),
        intake.request.events_held(),
        intake.remembering(reading, within=within),
    ):
        return intake.take_many(source, batch, reading, index_so_far)


def _mail_source(request: Request, name: str) -> Source:
    """An open e-mail source by name, with `sources.edit` on it."""
    request.require(SOURCES_EDIT)
    source = source_named(name)
    if source.kind != "email":
        raise InvalidInput(f"{name} is a {source.kind} source, not an e-mail one")
    if source.archived:
        raise InvalidInput(f"{name} is archived; restore it to take mail in")
    require_on_source(request, SOURCES_EDIT, source)
    return source


def import_batches(
    messages: Iterable[tuple[str, bytes | Oversized]], most: int, most_bytes: int
) -> Iterator[list[tuple[str, bytes | Oversized]]]:
    """`messages` in lists of at most `most` messages and, unless one message alone is larger,
    `most_bytes` bytes of mail (a message over the size limit counts as its header)."""
    batch: list[tuple[str, bytes | Oversized]] = []
    size = 0
    for origin, raw in messages:
        held = len(raw.header if isinstance(raw, Oversized) else raw)
        if batch and (len(batch) == most or size + held > most_bytes):
            yield batch
            batch, size = [], 0
        batch.append((origin, raw))
        size += held
    if batch:
        yield batch


def take_line(source: Source, origin: str, taken: Taken) -> str:
    """The report of one message taken in."""
    return f"{source.name}: {origin}: {taken.describe()}"


def held_mail(quarantine_id: int) -> QuarantinedMail:
    held: QuarantinedMail | None = QuarantinedMail.get_or_none(QuarantinedMail.id == quarantine_id)
    if held is None:
        raise NotFound(f"no quarantined message {quarantine_id}")
    return held
