"""The mail channel over the gate: fetching from IMAP, delivering over SMTP, taking messages
from the server or from files, as the person running it (who needs `sources.edit` on the
source). Every read and write goes through the gate's checked operations; the wire, the parser
and the config's mail limits are the channel's, handed to the gate with each message
(`MailReading`); an attachment is kept within the gate's own file limit, as every file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from access.errors import InvalidInput
from access.floods import FloodLimit
from access.inbound import (
    DEFAULT_MESSAGE_LIMIT,
    MailReading,
    ParsedMail,
)
from access.intake import CursorStep, Oversized, Taken
from access.mail_accounts import SecretMissing, ServerUrl
from access.mailboxes import take_line
from access.outbox import Delivery
from mail.outbox import PermanentFailure, ServerProblem, TemporaryFailure, sender_name
from store.models import Source

if TYPE_CHECKING:
    from access import Gate
    from settings.config import Config
    from settings.layers import Settings

Report = Callable[[str], None]
# A first fetch of a mailbox holding more messages than this asks whether to take them.
FIRST_FETCH_MOST = 100
# The most replies of one source a sending pass delivers; the next pass takes the rest.
SEND_BATCH = 100


def reading(
    message_limit: int = DEFAULT_MESSAGE_LIMIT,
    flood: FloodLimit | None = None,
) -> MailReading:
    """The channel's reader with these limits. The parser is imported by the first message
    read: the app and the command line start without it."""

    def read(raw: bytes) -> ParsedMail:
        from mail.parse import parse_mail

        return parse_mail(raw)

    return MailReading(read, message_limit, flood or FloodLimit())


def reading_of(config: Config | Settings) -> MailReading:
    """The reader with the message and flood limits of the config file (or of
    the settings built from it)."""
    return reading(
        config.message_limit_bytes,
        FloodLimit(config.flood_messages, config.flood_minutes),
    )


class MailChannel:
    """Mail in and out for `gate`'s person, read with `read` (the default limits unless
    given)."""

    def __init__(self, gate: Gate, read: MailReading | None = None, notify_from: str = "") -> None:
        """`notify_from`: the system address notifications are mailed from (none: they are
        not mailed)."""
        self.gate = gate
        self.reading = read or reading()
        self.notify_from = notify_from

    @property
    def message_limit(self) -> int:
        return self.reading.message_limit

    def take_mail(
        self, source: Source, raw: bytes | Oversized, origin: str, cursor: CursorStep | None = None
    ) -> Taken:
        """One message from the mail server, in its own transaction with the cursor step."""
        return self.gate.mailboxes.take_mail(source, raw, origin, self.reading, cursor)

    def import_messages(
        self, source: Source, messages: Iterator[tuple[str, bytes | Oversized]], report: Report
    ) -> dict[str, int]:
        """Messages from files (`mail.files`), committed in batches."""
        return self.gate.mailboxes.import_messages(source, messages, report, self.reading)

    def retry_quarantined(self, quarantine_id: int) -> Taken:
        """A quarantined message taken in again, read as now."""
        return self.gate.mailboxes.retry_quarantined(quarantine_id, self.reading)

    def fetch(self, source: Source, report: Report, first: str = "") -> int:
        """One pass over the source's IMAP folder; returns how many messages were taken.
        Each message is taken with the cursor in one transaction, so a killed fetch takes
        nothing twice and loses nothing. A send-only source (no IMAP server) has nothing to
        fetch: 0, and its replies are still sent.

        The first fetch of a folder (no cursor yet) asks for a choice when the mailbox holds
        more than `FIRST_FETCH_MOST` messages: `first="all"` takes them, `first="now"` leaves
        them and takes mail from now on; without one nothing is taken and the refusal says
        how to choose."""
        from mail.transport import (
            MailServerError,
            fetch_header,
            fetch_raw,
            imap_folder,
            new_uids,
            sizes,
        )

        gate = self.gate
        count = 0
        try:
            login = gate.mailboxes.imap_login(source)
            if login is None:
                return 0
            url, password = login
            with imap_folder(url, password) as (conn, uidvalidity):
                last = gate.mailboxes.mail_cursor(source, url.folder, uidvalidity)
                after = last or 0
                uids = new_uids(conn, after)
                if last is None and first != "all" and (first or len(uids) > FIRST_FETCH_MOST):
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
                    report(take_line(source, f"{url.folder} uid {uid}", taken))
                    count += 1
        except (MailServerError, SecretMissing, InvalidInput) as exc:
            gate.mailboxes.note_fetch(source, str(exc))
            raise
        gate.mailboxes.note_fetch(source, "")
        return count

    def _first_fetch(self, source: Source, start: CursorStep, uids: list[int], first: str) -> None:
        """Start the folder's cursor after its last message (`first="now"`), else refuse."""
        if first != "now":
            raise InvalidInput(
                f"{source.name}: the mailbox holds {len(uids)} messages from before; take them "
                f"all with `ticketty mail fetch --source {source.name} --all`, or only mail "
                "from now on with `--since-now`"
            )
        self.gate.mailboxes.start_mail_cursor(source, start._replace(uid=max(uids, default=0)))

    def send(self, source: Source, report: Report, timeout: float | None = None) -> list[Delivery]:
        """Deliver the replies due on this source over one SMTP connection; each is claimed
        before it goes (never by two senders) and marked only after the server took it. A
        server that cannot be used ends the pass at the first try: the replies stay queued
        with no try counted, the account says why, and `MailServerError` is raised.
        `timeout`: seconds each SMTP step may take (the transport's default otherwise)."""
        from mail.compose import compose
        from mail.transport import MailServerError, SmtpSession

        gate = self.gate
        results: list[Delivery] = []
        if self.notify_from:
            self._notifications(source, report, timeout)
        if not gate.mailboxes.replies_due(source):
            return results
        sender = sender_name()
        try:
            url, password = self._smtp_login(source)
            with SmtpSession(url, password, timeout) as session:
                for _ in range(SEND_BATCH):
                    reply = gate.mailboxes.claim_reply(source, sender)
                    if reply is None:
                        break
                    item = reply.item
                    try:
                        session.deliver(
                            compose(reply), reply.from_address, [item.recipient, *reply.copies]
                        )
                    except ServerProblem:
                        gate.mailboxes.release_reply(source, item, sender)
                        raise
                    except (PermanentFailure, TemporaryFailure) as exc:
                        error = str(exc) or type(exc).__name__
                        permanent = isinstance(exc, PermanentFailure)
                        delivery = gate.mailboxes.mark_delivery(source, item, error, permanent)
                    else:
                        delivery = gate.mailboxes.mark_delivery(source, item)
                    report(gate.mailboxes.delivery_line(source, delivery))
                    results.append(delivery)
        except ServerProblem as exc:
            said = f"{exc.what} at {self.gate.clock():%H:%M}: {exc.detail}"
            gate.mailboxes.note_send(source, said)
            raise MailServerError(said) from exc
        gate.mailboxes.note_send(source, "")
        return results

    def _notifications(self, source: Source, report: Report, timeout: float | None) -> None:
        """The notifications due, mailed through this source's server (`mail.notify_send`);
        a server that cannot be used is said, and the replies are tried all the same."""
        from mail.notify_send import send_notifications

        try:
            mailed = send_notifications(self.gate, source, self.notify_from, timeout)
        except ServerProblem as exc:
            report(f"{source.name}: notifications wait: {exc.what}: {exc.detail}")
            return
        if mailed:
            report(f"{source.name}: {mailed} notification mails sent")

    def _smtp_login(self, source: Source) -> tuple[ServerUrl, str | None]:
        try:
            return self.gate.mailboxes.smtp_login(source)
        except InvalidInput as exc:
            raise ServerProblem("SMTP not set up", str(exc)) from exc
        except SecretMissing as exc:
            raise ServerProblem("SMTP password missing", str(exc)) from exc
