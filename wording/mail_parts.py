"""The files a mail carries, listed while its bytes stream past: each part's header read, its
body only counted, so a mail of any size is listed in a bounded amount of memory (the mail
channel's parser reads a mail whole, which the viewer can afford for its first megabyte only).

A part is split from the next by its multipart parent's boundary line (RFC 2046); an attached
mail (`message/*`) is one file, not looked into, as the parser lists it. A part's size is that
of its body decoded: base64 counted by its characters, quoted-printable decoded a line at a
time, anything else by its bytes. The names are the parser's: the file's name without folders,
else `message.eml`, `delivery-status.txt` or `part.` and its subtype; a text part that is
neither an attachment nor named is the mail's text (or its other alternative), not a file."""

from __future__ import annotations

import binascii
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import default
from typing import NamedTuple

# A header block longer than this is cut (its part still counted); a line longer than this
# cannot be a boundary and is counted as body without being held.
_HEADER_MOST = 256 * 1024
_LINE_MOST = 4096
_BASE64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_NOT_BASE64 = bytes(b for b in range(256) if b not in _BASE64)
_DEFAULT_NAMES = {
    "message/rfc822": "message.eml",
    "message/delivery-status": "delivery-status.txt",
    "text/rfc822-headers": "delivery-status.txt",
}


class MailFile(NamedTuple):
    """A file of the mail: its name, its type as stated, its size decoded."""

    filename: str
    content_type: str
    size: int


@dataclass
class _Part:
    """A part being read: its headers, and for a leaf what its body has counted."""

    headers: EmailMessage
    boundary: bytes | None = None  # a multipart's
    encoding: str = ""
    size: int = 0
    base64_left: int = 0  # base64 characters counted
    line_break: int = 0  # the last line's break, not the body's when a boundary follows
    outer: bool = False  # the mail itself, never one of its files


def mail_files(pieces: Iterable[bytes]) -> tuple[MailFile, ...]:
    """The files of the mail whose bytes are `pieces`, in order."""
    return tuple(_Scanner().run(_lines(pieces)))


def _lines(pieces: Iterable[bytes]) -> Iterator[tuple[bytes, bool]]:
    """The mail's lines with their line breaks, each with whether it is whole; a line longer
    than `_LINE_MOST` comes in parts, none of them whole."""
    held = b""
    for piece in pieces:
        held += piece
        start = 0
        while True:
            end = held.find(b"\n", start)
            if end < 0:
                break
            yield held[start : end + 1], True
            start = end + 1
        held = held[start:]
        if len(held) > _LINE_MOST:
            yield held, False
            held = b""
    if held:
        yield held, True


class _Scanner:
    def __init__(self) -> None:
        self.stack: list[_Part] = []  # the multiparts around the part being read, then it
        self.header: list[bytes] | None = []  # the header block being read, if one is
        self.header_size = 0
        self.found: list[MailFile] = []
        self.started = False

    def run(self, lines: Iterator[tuple[bytes, bool]]) -> list[MailFile]:
        for line, whole in lines:
            if self.header is not None:
                self._header_line(line)
            elif not (whole and self._boundary(line)):
                self._body_line(line, whole)
        while self.stack:
            self._close(self.stack.pop())
        return self.found

    def _header_line(self, line: bytes) -> None:
        assert self.header is not None
        if line.strip(b"\r\n"):
            if self.header_size < _HEADER_MOST:
                self.header.append(line)
                self.header_size += len(line)
            return
        headers = BytesHeaderParser(policy=default).parsebytes(b"".join(self.header))
        assert isinstance(headers, EmailMessage)
        self.header, self.header_size = None, 0
        part = _Part(headers, outer=not self.started)
        self.started = True
        if headers.get_content_maintype() == "multipart":
            boundary = headers.get_boundary()
            part.boundary = boundary.encode("utf-8", "replace") if boundary else None
        else:
            part.encoding = str(headers.get("Content-Transfer-Encoding", "")).strip().lower()
        self.stack.append(part)

    def _boundary(self, line: bytes) -> bool:
        """Whether `line` is the boundary of a multipart around (it then ends the parts
        inside it, and a new part begins or that multipart ends)."""
        if not line.startswith(b"--"):
            return False
        text = line.rstrip(b" \t\r\n")
        for depth in range(len(self.stack) - 1, -1, -1):
            boundary = self.stack[depth].boundary
            if boundary is None:
                continue
            if text == b"--" + boundary or text == b"--" + boundary + b"--":
                while len(self.stack) > depth + 1:
                    self._close(self.stack.pop())
                if text.endswith(b"--") and text != b"--" + boundary:
                    self._close(self.stack.pop())
                else:
                    self.header = []
                return True
        return False

    def _body_line(self, line: bytes, whole: bool) -> None:
        if not self.stack or self.stack[-1].boundary is not None:
            return  # a multipart's preamble or epilogue
        part = self.stack[-1]
        if part.encoding == "base64":
            part.base64_left += len(line.translate(None, _NOT_BASE64))
            return
        part.size += part.line_break
        body = line.rstrip(b"\r\n") if whole else line
        part.line_break = len(line) - len(body)
        if part.encoding == "quoted-printable":
            soft = body.rstrip(b" \t").endswith(b"=")
            part.size += len(binascii.a2b_qp(body))
            if soft:
                part.line_break = 0
            return
        part.size += len(body)

    def _close(self, part: _Part) -> None:
        if part.boundary is not None or part.outer:
            return
        headers = part.headers
        main = headers.get_content_maintype()
        name = _filename(headers)
        if main == "text" and headers.get_content_disposition() != "attachment" and not name:
            return
        size = part.base64_left * 3 // 4 if part.encoding == "base64" else part.size
        kind = headers.get_content_type()
        self.found.append(MailFile(name or _default_name(headers), kind, size))


def _filename(headers: EmailMessage) -> str:
    try:
        name = headers.get_filename()
    except Exception:
        name = None
    # Bytes no charset read (kept as surrogates) shown as U+FFFD.
    name = (name or "").encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return name.replace("/", "_").replace("\\", "_").strip()


def _default_name(headers: EmailMessage) -> str:
    """The parser's name for a file that states none."""
    named = _DEFAULT_NAMES.get(headers.get_content_type())
    return named or "part." + (headers.get_content_subtype() or "bin")
