"""Large base64 bodies cut out of a message before the `email` package reads it.

Python's parser keeps a message as lines of text, then joins and decodes each part whole: a
120 MB message took over a gigabyte. So a large message is read as a skeleton instead: every
long run of base64 lines is replaced by a token line, the parser reads the small rest, and each
attachment whose whole body was a token is decoded from the original bytes in chunks when it is
stored. Only clean base64 is cut (the alphabet in lines, padding only at its very end, a
multiple of four characters): its decoding is then exactly what the parser's would be. The
parser (`mail.parse`) reads the message whole again when a token lands anywhere but as
an attachment's body.
"""

from __future__ import annotations

import binascii
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

# A message smaller than this is parsed whole, as it always was.
CUT_FROM = 4 * 2**20
# A run of base64 shorter than this stays in the skeleton.
_RUN_LEAST = 2**20
_BLOCK = 64 * 1024
_DECODE_CHUNK = 4 * 2**20  # base64 characters decoded at once
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_CLEAN = _ALPHABET + b"\r\n"


@dataclass(frozen=True)
class CutBody:
    """A base64 body left in `raw` from `start` to `end` (whole lines, the last one's line
    break included), `size` bytes once decoded."""

    raw: bytes
    start: int
    end: int
    size: int

    def chunks(self) -> Iterator[bytes]:
        """The decoded body in pieces of a few megabytes, never whole."""
        left = b""
        position = self.start
        while position < self.end:
            stop = min(self.end, position + _DECODE_CHUNK)
            text = left + self.raw[position:stop].translate(None, b"\r\n")
            whole = len(text) - len(text) % 4
            if whole:
                yield binascii.a2b_base64(text[:whole], strict_mode=True)
            left = text[whole:]
            position = stop
        if left:  # cannot be: a cut body has a multiple of four characters
            raise ValueError("a cut base64 body ended inside a quantum")


@dataclass(frozen=True)
class Skeleton:
    """The message with its large bodies replaced by the token lines in `bodies`."""

    message: bytes
    bodies: dict[str, CutBody]


def cut_large_bodies(raw: bytes) -> Skeleton | None:
    """`raw` with every run of at least a megabyte of clean base64 lines cut out, or None when
    the message is small or has no such run."""
    if len(raw) < CUT_FROM:
        return None
    nonce = secrets.token_hex(8)
    pieces: list[bytes] = []
    bodies: dict[str, CutBody] = {}
    kept_from = 0
    for start, end in _runs(raw):
        body = _body(raw, start, end)
        if body is None:
            continue
        token = f"ticketty-cut-{nonce}-{len(bodies)}"
        newline = b"\r\n" if raw[end - 2 : end] == b"\r\n" else b"\n"
        pieces += [raw[kept_from:start], token.encode(), newline]
        bodies[token] = body
        kept_from = end
    if not bodies:
        return None
    pieces.append(raw[kept_from:])
    return Skeleton(b"".join(pieces), bodies)


def _runs(raw: bytes) -> Iterator[tuple[int, int]]:
    """(start, end) of each stretch of base64 lines holding a clean block of 64 KB: found a
    block at a time (`bytes.translate` in C), its edges then walked line by line."""
    size = len(raw)
    position = 0
    while position < size:
        if raw[position : position + _BLOCK].translate(None, _CLEAN):
            position += _BLOCK
            continue
        after = position + _BLOCK
        while after < size and not raw[after : after + _BLOCK].translate(None, _CLEAN):
            after += _BLOCK
        start = _run_start(raw, position)
        end = _run_end(raw, min(after, size))
        if start < end and end - start >= _RUN_LEAST:
            yield start, end
        position = max(after, end)


def _line_at(raw: bytes, start: int) -> tuple[bytes, int]:
    """The line starting at `start` without its line break, and where the next one starts."""
    stop = raw.find(b"\n", start)
    following = len(raw) if stop < 0 else stop + 1
    return raw[start:following].rstrip(b"\r\n"), following


def _is_base64_line(line: bytes) -> bool:
    return bool(line) and not line.translate(None, _ALPHABET)


def _run_start(raw: bytes, position: int) -> int:
    """The first line of the run through `position`: back over whole base64 lines, never over
    an empty one (it ends a part's header)."""
    start = raw.rfind(b"\n", 0, position) + 1
    line, following = _line_at(raw, start)
    if not _is_base64_line(line):
        start = following
        while start < position:  # empty lines at the clean block's head
            line, following = _line_at(raw, start)
            if line:
                break
            start = following
        return start
    while start > 0:
        before = raw.rfind(b"\n", 0, start - 1) + 1
        if not _is_base64_line(_line_at(raw, before)[0]):
            break
        start = before
    return start


def _run_end(raw: bytes, position: int) -> int:
    """Where the run through `position` ends: after the last whole base64 line, which may end
    in padding (and then is the last)."""
    end = raw.rfind(b"\n", 0, position) + 1
    while end < len(raw):
        line, following = _line_at(raw, end)
        if _is_base64_line(line):
            end = following
            continue
        if _is_base64_line(line.rstrip(b"=")) and len(line) - len(line.rstrip(b"=")) <= 2:
            end = following
        break
    return end


def _body(raw: bytes, start: int, end: int) -> CutBody | None:
    """The run as a body to cut, or None when it is not clean base64 ending in a line break."""
    if raw[end - 1 : end] != b"\n":
        return None
    line_breaks = raw.count(b"\n", start, end) + raw.count(b"\r", start, end)
    characters = end - start - line_breaks
    last, _ = _line_at(raw, raw.rfind(b"\n", start, end - 1) + 1)
    padding = len(last) - len(last.rstrip(b"="))
    if characters % 4:
        return None
    return CutBody(raw, start, end, characters // 4 * 3 - padding)
