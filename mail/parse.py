"""Reading one RFC 5322 message into what intake needs; pure, no database.

Python's `email` package with `policy.default` does the MIME work; the text of bodies and
headers is read by `mail.decoding`, which repairs mislabelled charsets. Each header intake
needs is read from the message's raw headers once (`_Headers`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.policy import EmailPolicy
from email.utils import getaddresses, parseaddr
from typing import Any

from inscriptis import get_text

from access.inbound import MailPart, ParsedMail, UnreadableMail, clean_text, what_was_raised
from mail.authenticity import dmarc_failed, is_delivery_report, reported_recipients
from mail.charsets import unknown_charsets_named_so
from mail.cut import CutBody, cut_large_bodies
from mail.decoding import decode_text, decode_words, eight_bit

_MESSAGE_ID = re.compile(r"<[^<>\s]{1,498}>")
_BRACKETED = re.compile(r"<([^<>\s@]+@[^<>\s@]+)>\s*$")
_BARE = re.compile(r"[^\s<>\"'(),;:@]+@[^\s<>\"'(),;:@]+")
# Only a mail system writes as MAILER-DAEMON; postmaster@ is a person (RFC 5321, 4.5.1).
_BOUNCE_SENDERS = ("mailer-daemon@",)
_CHARSET = re.compile(r"[a-z0-9][a-z0-9._:-]{0,39}\Z")
# Senders that are machines: their mail is filed, never answered automatically.
_MACHINE_SENDER = re.compile(
    r"(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|postmaster|mailer-daemon)(?:[-+._][^@]*)?@"
)
# `X-Auto-Response-Suppress` values asking for no automatic answer (MS-OXCMAIL 2.2.3.2.20).
_SUPPRESSED = {"all", "autoreply", "oof"}
_NOT_IN_ADDRESS = re.compile("[\\s\x00-\x1f\x7f-\x9f\ud800-\udfff<>]")


class _MailHeaders(HeaderRegistry):
    """The `email` package's headers, but a charset that is none mail is read in
    (`mail.charsets`) is named `unknown-8bit` before the package decodes encoded words and
    parameters with it."""

    def __call__(self, name: str, value: str) -> BaseHeader:
        return super().__call__(name, unknown_charsets_named_so(value))


class _ReusingPolicy(EmailPolicy):
    """`policy.default` over `_MailHeaders`, but a header read twice is parsed once: walking
    a message asks each part's Content-Type a dozen times, and parsing it again each time took
    a third of the reading. Header objects are immutable, so equal raw values can share one."""

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if hasattr(value, "name"):
            return value
        return _parsed_header(self, name, value)


@functools.lru_cache(maxsize=512)
def _parsed_header(reading: EmailPolicy, name: str, value: str) -> Any:
    return EmailPolicy.header_fetch_parse(reading, name, value)


READING = _ReusingPolicy(header_factory=_MailHeaders())


class _CutBodyElsewhere(Exception):
    """A body cut out of a large message is not an attachment's whole body: the message is
    read whole instead."""


def parse_mail(raw: bytes) -> ParsedMail:
    """Read `raw`; raises `UnreadableMail` when there is nothing a ticket could be made of.

    Whatever goes wrong inside the `email` package or the decoding (a codec that is no text
    encoding, recursion through thousands of nested comments or parts, a header it chokes on)
    is this message's problem and ends as `UnreadableMail` with the reason: one message must
    never stop the mail behind it."""
    if not raw or raw.isspace():
        raise UnreadableMail("the message is empty")
    try:
        skeleton = cut_large_bodies(raw)
        if skeleton is not None:
            try:
                return _read(skeleton.message, skeleton.bodies)
            except _CutBodyElsewhere:
                pass
        return _read(raw)
    except UnreadableMail:
        raise
    except Exception as exc:
        raise UnreadableMail(f"the message cannot be read: {what_was_raised(exc)}") from exc


def _read(raw: bytes, cut: dict[str, CutBody] | None = None) -> ParsedMail:
    """`raw` read; `cut`: the bodies cut out of it by token (`mail.cut`), each of which
    must be the whole body of an attachment."""
    message = BytesParser(policy=READING).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    headers = _Headers(message)
    address, name = _sender(headers)
    if not address:
        raise UnreadableMail("the message has no sender address")
    kinds = _Kinds()
    body_part = _body_part(message, kinds)
    text = _part_text(body_part, kinds) if body_part is not None else ""
    parts = tuple(_attachments(message, body_part, cut or {}, kinds))
    if cut and len({part.cut.start for part in parts if part.cut}) != len(cut):
        raise _CutBodyElsewhere
    bounced_ids, reason = _bounce_details(message, headers, kinds)
    report = is_delivery_report(message)
    automatic = _automatic(message, headers, address, report)
    no_auto_reply = "" if automatic else _unanswerable(headers, address)
    return ParsedMail(
        message_id=_first_id(headers.raw("Message-ID")),
        in_reply_to=_ids(headers.raw("In-Reply-To")),
        references=_ids(headers.raw("References")),
        sender_address=address,
        sender_name=clean_text(name),
        subject=clean_text(headers.text("Subject").strip()),
        text=clean_text(text.strip()),
        parts=parts,
        automatic=clean_text(automatic),
        no_auto_reply=clean_text(no_auto_reply),
        is_bounce=automatic.startswith("bounce"),
        bounced_ids=bounced_ids,
        bounce_reason=clean_text(reason),
        delivery_action=_delivery_action(message, kinds),
        recipients=_addresses(headers.raw("To")),
        copies=_addresses(headers.raw("Cc")),
        delivery_report=report,
        reported_recipients=reported_recipients(message, kinds.of),
        dmarc_failed=dmarc_failed(message),
        headers=tuple(
            (name, clean_text(" ".join(value.split())))
            for name in _SHOWN_HEADERS
            if (value := headers.text(name))
        ),
    )


# The headers a person reads of a mail shown whole (`ParsedMail.headers`).
_SHOWN_HEADERS = ("From", "To", "Cc", "Date", "Subject")


def valid_address(address: str) -> str:
    """`address` lower-cased, or "" when it cannot be a mailbox's address: no `@`, or any
    space, control character or lone surrogate in it (an address is taken from the raw header,
    never decoded, so a CR/LF in it is an attempt to write headers)."""
    address = address.strip()
    if "@" not in address or _NOT_IN_ADDRESS.search(address):
        return ""
    return address.lower()


# ------------------------------------------------------------------------------ headers

_FOLDED = re.compile(r"\r?\n[ \t]")


class _Headers:
    """A message's own headers as written: the first of each name, unfolded and decoded at
    most once (intake asks for a dozen of them, some twice).

    Read from the raw headers, not through the policy's header classes: those raise on some
    malformed headers and turn bytes of an unknown charset into replacement characters."""

    def __init__(self, message: EmailMessage) -> None:
        self.message = message
        self._written: dict[str, str] = {}
        for key, value in message.raw_items():
            self._written.setdefault(key.lower(), value)
        self._raw: dict[str, str] = {}
        self._text: dict[str, str] = {}

    def raw(self, name: str) -> str:
        """The header unfolded, nothing decoded; "" when the message has none."""
        key = name.lower()
        found = self._raw.get(key)
        if found is None:
            value = self._written.get(key)
            found = self._raw[key] = "" if value is None else _unfolded(str(value))
        return found

    def text(self, name: str) -> str:
        """The header as text: unfolded, RFC 2047 words decoded, mislabelled charsets
        repaired; "" when the message has none."""
        key = name.lower()
        found = self._text.get(key)
        if found is None:
            found = self._text[key] = decode_words(self.raw(key))
        return found

    def has(self, name: str) -> bool:
        """Whether the message has the header, asked of the message as the `email` package
        reads it (where a header that cannot be read raises) when it is there."""
        return name.lower() in self._written and self.message.get(name) is not None


def _unfolded(value: str) -> str:
    return (_FOLDED.sub(" ", value) if "\n" in value else value).strip()


@functools.lru_cache(maxsize=1024)
def _addresses(raw: str) -> tuple[str, ...]:
    """The valid addresses of a raw To or Cc header, in order (most mail names the same few)."""
    return tuple(address for _, found in getaddresses([raw]) if (address := valid_address(found)))


# ------------------------------------------------------------------------------ senders


def _sender(headers: _Headers) -> tuple[str, str]:
    """The sender's address and decoded name; the name is decoded after the address is split
    off, so a comma or quote inside an encoded name cannot move the address. The address is
    never decoded (RFC 2047 allows no encoded word in it): one that decodes to
    `jan\\r\\nbcc: ...` stays the harmless text it was sent as, and one holding a space or a
    control character is no address."""
    for header in ("From", "Sender", "Return-Path"):
        raw = headers.raw(header)
        name, address = parseaddr(raw)
        if not valid_address(eight_bit(address)):
            name, address = _loose_address(raw)
        if address:
            checked = valid_address(eight_bit(address))
            if not checked:
                shown = clean_text(address)[:200]
                raise UnreadableMail(f"the {header} address {shown!r} is not valid")
            return checked, " ".join(decode_words(name).split()).strip('"')
    return "", ""


def _loose_address(raw: str) -> tuple[str, str]:
    """What real clients write and `parseaddr` refuses (`Ola [Shop] <ola@example.pl>`): the
    last `<addr>`, the text before it as the name; else a bare address anywhere."""
    bracketed = _BRACKETED.search(raw)
    if bracketed:
        return raw[: bracketed.start()], bracketed.group(1)
    bare = _BARE.search(raw)
    return ("", bare.group(0)) if bare else ("", "")


def _ids(text: str) -> tuple[str, ...]:
    return tuple(_MESSAGE_ID.findall(text or ""))


def _first_id(text: str) -> str:
    found = _ids(text)
    return found[0] if found else ""


# -------------------------------------------------------------------------- the body


class _Kinds:
    """The content type of each part of one message, asked of the `email` package once: the
    readings below ask it of each part several times, and each asking finds and parses the
    part's Content-Type header."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[Message, str]] = {}

    def of(self, part: Message) -> str:
        known = self._known.get(id(part))
        if known is None or known[0] is not part:
            known = self._known[id(part)] = (part, part.get_content_type())
        return known[1]

    def main(self, part: Message) -> str:
        return self.of(part).split("/")[0]


def _body_part(message: EmailMessage, kinds: _Kinds) -> EmailMessage | None:
    if kinds.of(message) == "multipart/report":
        return _first_text(message, kinds)
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except Exception:
        part = None
    return part if isinstance(part, EmailMessage) else _first_text(message, kinds)


def _first_text(message: EmailMessage, kinds: _Kinds) -> EmailMessage | None:
    for part in message.walk():
        if kinds.main(part) == "text" and not part.is_attachment():
            return part
    return None


def _payload(part: EmailMessage) -> bytes:
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return data
    return str(part.get_payload()).encode("utf-8", "surrogateescape")


def _part_text(part: EmailMessage, kinds: _Kinds) -> str:
    text = decode_text(_payload(part), part.get_content_charset())
    if kinds.of(part).split("/")[1] == "html":
        text = get_text(text)
    return text.replace("\r\n", "\n")


# ------------------------------------------------------------------------ attachments


def _attachments(
    message: EmailMessage, body: EmailMessage | None, cut: dict[str, CutBody], kinds: _Kinds
) -> list[MailPart]:
    """Every part but the body: files, inline images, and an attached message whole (its own
    parts stay inside it). A part whose body is the token of a `cut` body keeps it there."""
    found: list[MailPart] = []
    for part in _leaves(message, kinds):
        if part is body or part is message:
            continue
        main = kinds.main(part)
        disposition = part.get_content_disposition()
        filename = _filename(part)
        if main == "text" and disposition != "attachment" and not filename:
            continue  # the other alternative of the body, or a report's text
        cut_body = _cut_body(part, cut) if cut and main != "message" else None
        if kinds.of(part) == "message/rfc822":
            data = _embedded(part)
        elif main == "message":
            data = part.as_bytes().partition(b"\n\n")[2]
        elif cut_body is not None:
            data = b""
        else:
            data = _payload(part)
        inline = disposition == "inline" or (disposition is None and bool(part.get("Content-ID")))
        found.append(
            MailPart(
                filename=clean_text(filename) or _default_name(part),
                content_type=_with_charset(part, kinds),
                data=data,
                inline=inline and main == "image",
                cut=cut_body,
            )
        )
    return found


def _with_charset(part: EmailMessage, kinds: _Kinds) -> str:
    """The part's content type, with the charset a text file declares (`text/plain;
    charset=iso-8859-2`), which its bytes are read by when it is opened."""
    kind = clean_text(kinds.of(part))
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    if kinds.main(part) != "text" or not charset or not _CHARSET.match(charset):
        return kind
    return f"{kind}; charset={charset}"


def _cut_body(part: EmailMessage, cut: dict[str, CutBody]) -> CutBody | None:
    """The cut body whose token is this base64 part's whole body, if any."""
    if str(part.get("Content-Transfer-Encoding", "")).strip().lower() != "base64":
        return None
    payload = part.get_payload()
    return cut.get(payload.strip()) if isinstance(payload, str) else None


def _leaves(part: EmailMessage, kinds: _Kinds) -> Iterator[EmailMessage]:
    """The parts that are not containers, not descending into attached messages."""
    if kinds.main(part) == "message" or not part.is_multipart():
        yield part
        return
    for child in part.get_payload():
        if isinstance(child, EmailMessage):
            yield from _leaves(child, kinds)


def _embedded(part: EmailMessage) -> bytes:
    inner = part.get_payload()
    if isinstance(inner, list) and inner and isinstance(inner[0], EmailMessage):
        return inner[0].as_bytes()
    return _payload(part)


def _filename(part: EmailMessage) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    return eight_bit(name or "").replace("/", "_").replace("\\", "_").strip()


def _default_name(part: EmailMessage) -> str:
    kind = part.get_content_type()
    if kind == "message/rfc822":
        return "message.eml"
    if kind in ("message/delivery-status", "text/rfc822-headers"):
        return "delivery-status.txt"
    return "part." + (part.get_content_subtype() or "bin")


# --------------------------------------------------------------- automatic messages


def _automatic(message: EmailMessage, headers: _Headers, address: str, report: bool) -> str:
    if report:
        return "bounce: delivery status report"
    if address.startswith(_BOUNCE_SENDERS):
        return f"bounce: sent by {address}"
    auto = headers.text("Auto-Submitted").strip().lower()
    if auto and auto != "no":
        return f"auto-reply: Auto-Submitted {auto}"
    for name in ("X-Autoreply", "X-Autorespond"):
        if headers.has(name):
            return f"auto-reply: {name}"
    precedence = headers.text("Precedence").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"auto-reply: Precedence {precedence}"
    if headers.text("Return-Path").strip() == "<>":
        return "auto-reply: empty Return-Path"
    return ""


def _unanswerable(headers: _Headers, address: str) -> str:
    """Why a message that is filed must get no automatic reply (RFC 3834, 2): a mailing
    list's, one asking for none, or one from a machine's address; "" for a person's."""
    for name in ("List-Id", "List-Unsubscribe"):
        if headers.has(name):
            return f"mailing list: {name}"
    suppress = headers.text("X-Auto-Response-Suppress").lower()
    if _SUPPRESSED & {word.strip() for word in suppress.split(",")}:
        return f"X-Auto-Response-Suppress {suppress.strip()}"
    if _MACHINE_SENDER.match(address):
        return f"sent by {address.partition('@')[0]}@"
    return ""


def _bounce_details(
    message: EmailMessage, headers: _Headers, kinds: _Kinds
) -> tuple[tuple[str, ...], str]:
    """The Message-IDs of the returned message and the first diagnostic of the report."""
    ids: list[str] = []
    reason = ""
    for part in message.walk():
        kind = kinds.of(part)
        if kind == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], EmailMessage):
                ids += _ids(str(inner[0].get("Message-ID", "")))
        elif kind == "text/rfc822-headers":
            returned = BytesParser(policy=READING).parsebytes(_payload(part), headersonly=True)
            ids += _ids(str(returned.get("Message-ID", "")))
        elif kind == "message/delivery-status" and not reason:
            reason = _diagnostic(part)
    ids += _ids(headers.raw("In-Reply-To")) + _ids(headers.raw("References"))
    return tuple(dict.fromkeys(ids)), reason


def _status_text(part: EmailMessage) -> str:
    """A `message/delivery-status` part's fields as text (the parser splits them in blocks),
    one field a line: writing a block out again folds its long fields."""
    text = part.as_string() if not part.is_multipart() else ""
    for block in part.get_payload() if part.is_multipart() else ():
        text += "\n" + str(block)
    return re.sub(r"\r?\n[ \t]+", " ", text)


def _delivery_action(message: EmailMessage, kinds: _Kinds) -> str:
    """What a delivery status report says became of the message: "failed" when any recipient
    failed for good, else "delayed" when the reporting server still tries, else the action
    reported (delivered, relayed, expanded); "" without a report."""
    actions = [
        line.split(":", 1)[1].strip().lower()
        for part in message.walk()
        if kinds.of(part) == "message/delivery-status"
        for line in _status_text(part).splitlines()
        if line.lower().startswith("action:")
    ]
    for action in ("failed", "delayed"):
        if action in actions:
            return action
    return actions[0][:20] if actions else ""


def _diagnostic(part: EmailMessage) -> str:
    text = _status_text(part)
    for key in ("Diagnostic-Code:", "Status:"):
        for line in text.splitlines():
            if line.lower().startswith(key.lower()):
                return line.split(":", 1)[1].strip()[:300]
    return ""
