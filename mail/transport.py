"""The wire: IMAP (imaplib) to read a folder, SMTP (smtplib) to deliver. No database here."""

from __future__ import annotations

import imaplib
import re
import select
import smtplib
import socket
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from email.message import EmailMessage

from access.mail_accounts import ServerUrl
from mail.outbox import PermanentFailure, ServerProblem, TemporaryFailure
from store.errors import TickettyError

TIMEOUT = 30


class MailServerError(TickettyError):
    """The mail server could not be reached or refused us; the text is for a person."""


class UnreadableCaFile(TickettyError):
    """The account's CA file cannot be loaded (moved, unreadable, no certificate in it)."""


@contextmanager
def imap_folder(url: ServerUrl, password: str) -> Iterator[tuple[imaplib.IMAP4, int]]:
    """A logged-in IMAP connection with `url.folder` selected (read-write), and its
    UIDVALIDITY."""
    try:
        context = tls_context(url)
        if url.security == "tls":
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                url.host, url.port, ssl_context=context, timeout=TIMEOUT
            )
        else:
            conn = imaplib.IMAP4(url.host, url.port, timeout=TIMEOUT)
            if url.security == "starttls":
                conn.starttls(context)
        conn.login(url.user, password)
        status, _ = conn.select(_quoted(url.folder))
        if status != "OK":
            raise MailServerError(f"{url.display()}: no folder {url.folder!r}")
        _, values = conn.response("UIDVALIDITY")
        uidvalidity = int(values[0]) if values and values[0] else 0
    except ssl.SSLCertVerificationError as exc:
        raise MailServerError(f"{url.display()}: {certificate_refused(exc)}") from exc
    except UnreadableCaFile as exc:
        raise MailServerError(f"{url.display()}: {exc}") from exc
    except (OSError, imaplib.IMAP4.error, ssl.SSLError) as exc:
        raise MailServerError(f"{url.display()}: {_text(exc)}") from exc
    try:
        yield conn, uidvalidity
    finally:
        with suppress(OSError, imaplib.IMAP4.error):
            conn.logout()


def tls_context(url: ServerUrl) -> ssl.SSLContext:
    """The TLS context for `url`'s server: its certificate checked against the account's CA
    file when it has one, else against the system's certificate authorities."""
    try:
        return ssl.create_default_context(cafile=url.ca_file or None)
    except (OSError, ssl.SSLError) as exc:
        raise UnreadableCaFile(f"the CA file {url.ca_file} cannot be read: {_text(exc)}") from exc


def certificate_refused(exc: ssl.SSLCertVerificationError) -> str:
    """What was wrong with the server's certificate, and the way out for a private CA."""
    why = exc.verify_message or _text(exc)
    return (
        f"the server's certificate is not trusted ({why}); for a private certificate "
        "authority, give its certificate with `ticketty sources edit NAME --ca-file PATH`"
    )


def new_uids(conn: imaplib.IMAP4, after: int) -> list[int]:
    """UIDs above `after`, in order (`UID n:*` also answers the last message when none is
    newer, hence the filter)."""
    status, data = conn.uid("SEARCH", f"UID {after + 1}:*")
    if status != "OK":
        raise MailServerError(f"UID SEARCH failed: {_text(data)}")
    return sorted(u for u in (int(x) for x in (data[0] or b"").split()) if u > after)


def sizes(conn: imaplib.IMAP4, after: int) -> dict[int, int]:
    """RFC822.SIZE of each message above UID `after`, in one command, so that a message over
    the size limit is never downloaded."""
    status, data = conn.uid("FETCH", f"{after + 1}:*", "(RFC822.SIZE)")
    if status != "OK":
        raise MailServerError(f"UID FETCH RFC822.SIZE failed: {_text(data)}")
    found: dict[int, int] = {}
    for entry in data:
        line = entry[0] if isinstance(entry, tuple) else entry
        uid = re.search(rb"UID (\d+)", line or b"")
        size = re.search(rb"RFC822\.SIZE (\d+)", line or b"")
        if uid and size:
            found[int(uid.group(1))] = int(size.group(1))
    return found


def fetch_header(conn: imaplib.IMAP4, uid: int) -> bytes:
    """The message's header only, without setting its \\Seen flag."""
    return _peek(conn, uid, "HEADER") or b""


def fetch_raw(conn: imaplib.IMAP4, uid: int) -> bytes | None:
    """The whole message, without setting its \\Seen flag; None when it is gone."""
    return _peek(conn, uid, "")


def _peek(conn: imaplib.IMAP4, uid: int, section: str) -> bytes | None:
    status, data = conn.uid("FETCH", str(uid), f"(BODY.PEEK[{section}])")
    if status != "OK":
        raise MailServerError(f"UID FETCH {uid} failed: {_text(data)}")
    for entry in data:
        if isinstance(entry, tuple) and len(entry) == 2:
            return bytes(entry[1])
    return None


def idle(conn: imaplib.IMAP4, seconds: float, stop: socket.socket | None = None) -> bool:
    """IMAP IDLE (RFC 2177) for up to `seconds`, or until `stop` becomes readable: True when the
    server announced new mail. imaplib before Python 3.14 has no IDLE, so the two commands are
    written by hand on its connection."""
    tag = conn._new_tag().decode()
    conn.send(f"{tag} IDLE\r\n".encode())
    line = conn.readline()
    if not line.startswith(b"+"):
        raise MailServerError(f"IDLE refused: {_text(line)}")
    announced = False
    watched = [conn.sock] + ([stop] if stop is not None else [])
    readable, _, _ = select.select(watched, [], [], seconds)
    if conn.sock in readable:
        announced = b"EXISTS" in conn.readline()
    conn.send(b"DONE\r\n")
    while True:
        line = conn.readline()
        if not line:
            raise MailServerError("the server closed the connection during IDLE")
        if line.startswith(tag.encode()):
            return announced
        announced = announced or b"EXISTS" in line


def offers_idle(conn: imaplib.IMAP4) -> bool:
    return "IDLE" in conn.capabilities


class SmtpSession:
    """One connection to an SMTP server for a sending pass: opened at the first reply, logged
    in once, and used for each reply of the pass. What goes wrong with the server (no
    connection, no answer within `timeout`, TLS or login refused, the MAIL FROM address refused,
    the connection lost) is `ServerProblem`; a refusal of one reply (its recipient or its
    content) is that reply's Permanent- (5xx) or TemporaryFailure (4xx)."""

    def __init__(self, url: ServerUrl, password: str | None, timeout: float | None = None) -> None:
        self.url = url
        self.password = password
        self.timeout = timeout or TIMEOUT
        self._server: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSession:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._server is not None:
            with suppress(OSError, smtplib.SMTPException):
                self._server.quit()
            self._server.close()

    def deliver(self, mail: EmailMessage, sender: str, to: Sequence[str]) -> None:
        """Hand `mail` over for the recipients `to` (the requester, then the copies): refused
        only when the server refuses every one of them."""
        server = self._server or self._open()
        try:
            server.send_message(mail, from_addr=sender, to_addrs=list(to))
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            failure = PermanentFailure if code >= 500 else TemporaryFailure
            raise failure(f"{code} {_text(text)}") from exc
        except smtplib.SMTPSenderRefused as exc:
            raise self._problem("SMTP server {} refused the sender address", exc) from exc
        except smtplib.SMTPDataError as exc:
            failure = PermanentFailure if exc.smtp_code >= 500 else TemporaryFailure
            raise failure(f"{exc.smtp_code} {_text(exc.smtp_error)}") from exc
        except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
            raise self._problem("SMTP server {} stopped answering", exc) from exc

    def _open(self) -> smtplib.SMTP:
        url = self.url
        try:
            context = tls_context(url)
        except UnreadableCaFile as exc:
            raise self._problem("SMTP server {} cannot be checked", exc) from exc
        try:
            if url.security == "tls":
                server: smtplib.SMTP = smtplib.SMTP_SSL(
                    url.host, url.port, timeout=self.timeout, context=context
                )
            else:
                server = smtplib.SMTP(url.host, url.port, timeout=self.timeout)
        except ssl.SSLCertVerificationError as exc:
            raise self._problem("SMTP server {} not trusted", exc) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise self._problem("SMTP server {} not reachable", exc) from exc
        self._server = server
        try:
            if url.security == "starttls":
                server.starttls(context=context)
            if url.user:
                server.login(url.user, self.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise self._problem("SMTP login refused", exc) from exc
        except ssl.SSLCertVerificationError as exc:
            raise self._problem("SMTP server {} not trusted", exc) from exc
        except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
            raise self._problem("SMTP server {} refused the connection", exc) from exc
        return server

    def _problem(self, what: str, exc: Exception) -> ServerProblem:
        """`what` (its `{}` the server's host and port) with the server's answer or the
        network's error, never the account's user name or password."""
        if isinstance(exc, smtplib.SMTPResponseException):
            detail = f"{exc.smtp_code} {_text(exc.smtp_error)}"
        elif isinstance(exc, ssl.SSLCertVerificationError):
            detail = certificate_refused(exc)
        elif isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
            detail = f"no answer within {self.timeout:g} s"
        else:
            detail = _text(exc)
        for secret in (self.url.user, self.password):
            if secret:
                detail = detail.replace(secret, "…")
        return ServerProblem(what.format(f"{self.url.host}:{self.url.port}"), detail[:300])


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").strip()
    if isinstance(value, list):
        return " ".join(_text(v) for v in value)
    return str(value).strip() or type(value).__name__
