"""E-mail sources through the gate: their accounts, one fetch pass, one send pass, quarantine.

Everything here needs `sources.edit` on a scope that covers the source worked on (a mailbox is
its source's: whoever is handed a source's row still needs the right on it), or `sources.list`
(reading the state); `ticketty serve` runs as a person holding `sources.edit`. The wire
(imaplib, smtplib, ssl) and the composing of replies are imported by the passes that use them:
the gate carries this desk, and the app and the command line start without them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import peewee

from access import audit, scope
from access.catalogue import SOURCES_EDIT, SOURCES_LIST
from access.errors import InvalidInput
from access.mail import outbox
from access.mail.accounts import SecretMissing, ServerUrl, account_url, password_to_send
from access.mail.intake import CursorStep, MailIntake, Oversized, Taken
from access.sources import covers_source, require_on_source
from access.views import QuarantineView
from store.models import (
    MailAccount,
    MailCursor,
    OutboxItem,
    QuarantinedMail,
    Source,
    utcnow,
)
from store.rows import tuple_rows

Report = Callable[[str], None]
IMPORT_BATCH = 500
# A first fetch of a mailbox holding more messages than this asks whether to take them.
FIRST_FETCH_MOST = 100
# A batch also ends at this many bytes of mail, so that messages with large attachments are
# not held a few hundred at a time: an import's memory stays flat whatever the mail.
IMPORT_BATCH_BYTES = 16 * 2**20
# The most replies of one source a sending pass delivers; the next pass takes the rest.
SEND_BATCH = 100


class MailDesk(MailIntake):
    def open_mail_sources(self, name: str | None = None) -> list[Source]:
        """The e-mail sources to work on: `name`, or every open one with an account."""
        if name is not None:
            return [self.mail_source(name)]
        grants = self._require(SOURCES_EDIT)
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
        require_on_source(self, SOURCES_EDIT, source)
        return bool(self._account(source).imap_url)

    def fetch(self, source: Source, report: Report, first: str = "") -> int:
        """One pass over the source's IMAP folder; returns how many messages were taken.
        Each message is taken with the cursor in one transaction, so a killed fetch takes
        nothing twice and loses nothing. A send-only source (no IMAP server) has nothing to
        fetch: 0, and its replies are still sent.

        The first fetch of a folder (no cursor yet) asks for a choice when the mailbox holds
        more than `FIRST_FETCH_MOST` messages: `first="all"` takes them, `first="now"` leaves
        them and takes mail from now on; without one nothing is taken and the refusal says
        how to choose."""
        from access.mail.transport import (
            MailServerError,
            fetch_header,
            fetch_raw,
            imap_folder,
            new_uids,
            sizes,
        )

        require_on_source(self, SOURCES_EDIT, source)
        account = self._account(source)
        if not account.imap_url:
            return 0
        url = account_url(account, "imap")
        count = 0
        try:
            password = password_to_send(source.name, account, "imap")
            with imap_folder(url, password) as (conn, uidvalidity):
                cursor = MailCursor.get_or_none(
                    (MailCursor.source == source.id) & (MailCursor.folder == url.folder)
                )
                after = cursor.last_uid if cursor and cursor.uidvalidity == uidvalidity else 0
                uids = new_uids(conn, after)
                if cursor is None and first != "all" and (first or len(uids) > FIRST_FETCH_MOST):
                    self._first_fetch(source, CursorStep(url.folder, uidvalidity, 0), uids, first)
                    report(f"{source.name}: {url.folder}: {len(uids)} earlier messages left; "
                           "mail from now on will be taken")  # fmt: skip
                    uids = []
                size_of = sizes(conn, after) if uids else {}
                for uid in uids:
                    step = CursorStep(url.folder, uidvalidity, uid)
                    raw: bytes | Oversized | None
                    if size_of.get(uid, 0) > self.message_limit:
                        raw = Oversized(fetch_header(conn, uid), size_of[uid])
                    else:
                        raw = fetch_raw(conn, uid)
                    if raw is None:
                        continue
                    taken = self.take_mail(source, raw, f"imap {url.folder} uid {uid}", step)
                    report(_line(source, f"{url.folder} uid {uid}", taken))
                    count += 1
        except (MailServerError, SecretMissing, InvalidInput) as exc:
            self._note_fetch(source, str(exc))
            raise
        self._note_fetch(source, "")
        return count

    def _first_fetch(self, source: Source, start: CursorStep, uids: list[int], first: str) -> None:
        """Start the folder's cursor after its last message (`first="now"`), else refuse."""
        if first != "now":
            raise InvalidInput(
                f"{source.name}: the mailbox holds {len(uids)} messages from before; take them "
                f"all with `ticketty mail fetch --source {source.name} --all`, or only mail "
                "from now on with `--since-now`"
            )
        with self._writing():
            self._start_cursor(source, start._replace(uid=max(uids, default=0)))

    def import_messages(
        self, source: Source, messages: Iterator[tuple[str, bytes | Oversized]], report: Report
    ) -> dict[str, int]:
        """Take messages from files; returns how many had each outcome. They are committed in
        batches (`import_batches`), a batch whole or not at all: an import stopped midway and
        run again skips what it took by Message-ID."""
        grants = require_on_source(self, SOURCES_EDIT, source)
        # Files come from the person: they thread only onto tickets the person may see.
        visible = scope.visible(grants)
        counts: dict[str, int] = {}
        for batch in import_batches(messages, IMPORT_BATCH, IMPORT_BATCH_BYTES):
            try:
                taken = self._import_batch(source, batch, visible)
            except Exception:
                # One message failed while being filed and the batch rolled back: each is
                # taken on its own, where a failing one is tried again, then quarantined.
                taken = [
                    self._take_one(source, raw, origin, None, None, visible)
                    for origin, raw in batch
                ]
            for (origin, _raw), shown in zip(batch, self._as_seen(taken), strict=True):
                counts[shown.outcome] = counts.get(shown.outcome, 0) + 1
                report(_line(source, origin, shown))
        return counts

    def _import_batch(
        self,
        source: Source,
        batch: list[tuple[str, bytes | Oversized]],
        within: peewee.ColumnBase,
    ) -> list[Taken]:
        with self._writing(), audit.chain_head_held(), self._remembering(within=within):
            return [self._take_in_transaction(source, raw, origin) for origin, raw in batch]

    def _note_fetch(self, source: Source, error: str) -> None:
        with self._writing():
            MailAccount.update(last_fetch_at=utcnow(), last_error=error[:500]).where(
                MailAccount.source == source.id
            ).execute()

    @staticmethod
    def _account(source: Source) -> MailAccount:
        account = MailAccount.get_or_none(MailAccount.source == source.id)
        if account is None:
            raise InvalidInput(f"{source.name} has no mail account; set one with sources edit")
        return account

    def imap_login(self, source: Source) -> tuple[ServerUrl, str] | None:
        """The source's IMAP server and password, or None when it has no IMAP server."""
        require_on_source(self, SOURCES_EDIT, source)
        account = self._account(source)
        if not account.imap_url:
            return None
        return account_url(account, "imap"), password_to_send(source.name, account, "imap")

    # ------------------------------------------------------------------- delivery

    def send(
        self, source: Source, report: Report, timeout: float | None = None
    ) -> list[outbox.Delivery]:
        """Deliver the replies due on this source over one SMTP connection; each is claimed
        before it goes (`outbox.claim`: never by two senders) and marked only after the server
        took it. A server that cannot be used ends the pass at the first try: the replies stay
        queued with no try counted, the account says why, and `MailServerError` is raised.
        `timeout`: seconds each SMTP step may take (the transport's default otherwise)."""
        from access.mail.compose import compose
        from access.mail.transport import MailServerError, SmtpSession

        require_on_source(self, SOURCES_EDIT, source)
        account = self._account(source)
        results: list[outbox.Delivery] = []
        if not outbox.any_due(source.id):
            return results
        sender = outbox.sender_name()
        try:
            url, password = self._smtp_login(source, account)
            with SmtpSession(url, password, timeout) as session:
                for _ in range(SEND_BATCH):
                    item = outbox.claim(source.id, sender)
                    if item is None:
                        break
                    try:
                        session.deliver(compose(item), account.address, item.recipient)
                    except outbox.ServerProblem:
                        outbox.release(item, sender)
                        raise
                    except (outbox.PermanentFailure, outbox.TemporaryFailure) as exc:
                        changes = outbox.outcome_of_failure(item, exc)
                    else:
                        changes = outbox.outcome_of_success(item)
                    delivery = self._mark(source, item, changes)
                    report(self._delivery_line(source, delivery))
                    results.append(delivery)
        except outbox.ServerProblem as exc:
            said = f"{exc.what} at {utcnow():%H:%M}: {exc.detail}"
            self._note_send(source, said)
            raise MailServerError(said) from exc
        if account.send_error:
            self._note_send(source, "")
        return results

    @staticmethod
    def _smtp_login(source: Source, account: MailAccount) -> tuple[ServerUrl, str | None]:
        """The SMTP server and the password to send it (only to the server it was set for)."""
        if not account.smtp_url:
            raise outbox.ServerProblem(
                "SMTP not set up", f"{source.name} has no SMTP server; add one with sources edit"
            )
        url = account_url(account, "smtp")
        try:
            return url, password_to_send(source.name, account, "smtp") if url.user else None
        except SecretMissing as exc:
            raise outbox.ServerProblem("SMTP password missing", str(exc)) from exc

    def _mark(self, source: Source, item: OutboxItem, changes: dict) -> outbox.Delivery:
        """The outcome of one try, with its audit event, in one transaction."""
        number = item.message.ticket_id
        state = changes.get("state", "queued")
        with self._writing():
            OutboxItem.update(changes).where(OutboxItem.id == item.id).execute()
            self._record(
                f"mail.{state}", "outbox", item.id, ticket=number, after=changes["last_error"]
            )
        return outbox.Delivery(item.id, number, item.recipient, state, changes["last_error"])

    def _note_send(self, source: Source, error: str) -> None:
        with self._writing():
            MailAccount.update(send_error=error[:500]).where(
                MailAccount.source == source.id
            ).execute()

    def _delivery_line(self, source: Source, delivery: outbox.Delivery) -> str:
        """The report of one delivery as the person may read it: the ticket's number if they
        see it, the address with `tickets.view_contact` on it."""
        (shown,) = self._as_seen([Taken(delivery.state, delivery.ticket, "", delivery.recipient)])
        on = f"#{shown.ticket}" if shown.ticket else "a ticket you cannot see"
        to = f" to {shown.address}" if shown.address else ""
        detail = f" ({delivery.detail})" if delivery.detail else ""
        return f"{source.name}: reply on {on}{to}: {delivery.state}{detail}"

    # ----------------------------------------------------------------- quarantine

    def quarantined(self, source: str | None = None) -> list[QuarantineView]:
        """The messages in quarantine, of one source by name or of all."""
        self._require(SOURCES_LIST)
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
        return [QuarantineView(*row) for row in tuple_rows(rows)]


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


def _line(source: Source, origin: str, taken: Taken) -> str:
    return f"{source.name}: {origin}: {taken.describe()}"
