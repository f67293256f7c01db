"""Mail as the gate's intake takes it: read by the mail channel (`mail.parse`), with the
limits of the config file. The gate reads no mail itself; the channel hands it the reader.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from access.floods import FloodLimit
from store.errors import TickettyError

# A larger message is quarantined by its size, unread: Python's parser holds several copies.
DEFAULT_MESSAGE_LIMIT = 50 * 2**20
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class UnreadableMail(TickettyError):
    """The message cannot be read at all; the text says why (kept in quarantine)."""


class CutBody(Protocol):
    """A large attachment's body still in the raw message (`mail.cut`), decoded as stored."""

    @property
    def size(self) -> int: ...

    @property
    def start(self) -> int: ...

    def chunks(self) -> Iterator[bytes]: ...


@dataclass(frozen=True)
class MailPart:
    filename: str
    content_type: str
    data: bytes
    inline: bool
    # A large body still in the raw message, decoded in chunks as it is stored (`data` empty).
    cut: CutBody | None = None

    @property
    def size(self) -> int:
        return self.cut.size if self.cut is not None else len(self.data)


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    sender_address: str
    sender_name: str
    subject: str
    text: str
    parts: tuple[MailPart, ...] = ()
    # Why the message is an automatic one ("auto-reply: ...", "bounce: ..."), else "".
    automatic: str = ""
    # Why no automatic reply may answer the message, which is filed all the same (a list's
    # mail, a machine's sender, `X-Auto-Response-Suppress`: RFC 3834), else "".
    no_auto_reply: str = ""
    is_bounce: bool = False
    # For a bounce: the Message-IDs of the returned message, and the reason given.
    bounced_ids: tuple[str, ...] = ()
    bounce_reason: str = ""
    # A delivery status report's (RFC 3464) `Action`: "failed", "delayed", "delivered",
    # "relayed" or "expanded"; "" when the message carries no such report.
    delivery_action: str = ""
    recipients: tuple[str, ...] = field(default=())
    # The addresses in Cc, each a mailbox's plain address in lower case.
    copies: tuple[str, ...] = ()
    # A delivery status report (`mail.authenticity`), and the recipients it names.
    delivery_report: bool = False
    reported_recipients: tuple[str, ...] = ()
    # The receiving server's topmost Authentication-Results says DMARC failed.
    dmarc_failed: bool = False
    # From, To, Cc, Date and Subject as written (decoded, one line each), those there: what a
    # person reads of a mail shown whole (an attached one in the viewer).
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class MailReading:
    """What intake needs from the channel: its reader (`read` raises `UnreadableMail`) and the
    mail limits of the config file. Passed to each intake call; the size limit of an
    attachment kept is the gate's, as of every file given to it (`access.file_limit`)."""

    read: Callable[[bytes], ParsedMail]
    message_limit: int = DEFAULT_MESSAGE_LIMIT
    flood: FloodLimit = field(default_factory=FloodLimit)


def clean_text(text: str) -> str:
    """Text as both database backends store it alike: NUL (which PostgreSQL's text cannot hold)
    and lone surrogates (bytes no charset read) become U+FFFD. Every string taken from mail
    passes here; other controls stay, for the screens to show as placeholders."""
    return _UNSTORABLE.sub("\ufffd", text)


def what_was_raised(exc: BaseException) -> str:
    """One line for a person: the exception's kind and its message, shortened, clean text."""
    said = " ".join(str(exc).split())[:200]
    return clean_text(type(exc).__name__ + (f": {said}" if said else ""))
