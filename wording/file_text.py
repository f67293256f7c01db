"""An attachment as a person reads it in a terminal: whether it is text, its bytes decoded with
its charset (or, without one, the charset its bytes show), and what a cut leaves out. The text
stays raw here; the viewer shows it through `safe_text`. A file attached from the app or the
command line (`attached_file`) has its charset found once, when attached, and kept in its
content type (`text/plain; charset=windows-1252`), as a mail's part declares its own."""

from __future__ import annotations

import codecs
import mimetypes
from pathlib import PurePosixPath
from typing import NamedTuple

from access.views import NewFile
from wording.charsets import real_codec
from wording.units import file_size

# The bytes of a text attachment read to show it, and the lines of them shown at most.
SHOWN_BYTES = 64 * 1024
SHOWN_LINES = 2000

_TEXT_TYPES = frozenset(
    {
        "application/json",
        "application/xml",
        "application/csv",
        "application/x-patch",
        "application/x-diff",
        "application/x-sh",
        "application/x-yaml",
        "application/yaml",
        "application/javascript",
        "application/sql",
        "message/rfc822",
        "message/delivery-status",
        "message/disposition-notification",
    }
)
_TEXT_NAMES = frozenset(
    {".txt", ".log", ".csv", ".json", ".xml", ".patch", ".diff", ".eml", ".md", ".yaml", ".yml"}
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Without a charset, bytes that are not UTF-8 are read as the commonest mislabelled one.
_FALLBACK = "cp1252"


def media_type(content_type: str) -> str:
    """`text/plain` of `Text/Plain; charset="utf-8"`."""
    return content_type.split(";", 1)[0].strip().lower()


def declared_charset(content_type: str) -> str | None:
    """The codec of the charset a content type's `charset` parameter names, if it is one of
    the real ones (`rot13`, `base64` or `unicode_escape` are Python codecs, no charsets)."""
    name = charset_name(content_type)
    return None if name is None else real_codec(name)


def charset_name(content_type: str) -> str | None:
    """The charset a content type's `charset` parameter names as it names it (`windows-1252`),
    if it is one of the real ones; for a mail's part to declare it again."""
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            value = value.strip().strip('"')
            return value if real_codec(value) else None
    return None


def is_text(content_type: str, filename: str) -> bool:
    """Whether the file is shown as text: text/*, JSON, CSV, XML, patches and mail (their
    `+json`/`+xml` kinds too); a file of no particular type by the end of its name."""
    kind = media_type(content_type)
    if kind.startswith("text/") or kind in _TEXT_TYPES or kind.endswith(("+json", "+xml")):
        return True
    return kind in ("", "application/octet-stream") and (
        PurePosixPath(filename.lower()).suffix in _TEXT_NAMES
    )


def decoded(data: bytes, content_type: str = "", *, cut: bool = False) -> str:
    """`data` as text: by the charset the content type declares when it reads the bytes, else
    a byte-order mark's, else UTF-8, else windows-1252. `cut`: the bytes are the start of a
    longer file, so a character cut in two at their end is left out, not shown as broken."""
    return _decoded(data, content_type, cut)[0]


def _decoded(data: bytes, content_type: str, cut: bool) -> tuple[str, str]:
    """The text and the charset that read it."""
    declared = declared_charset(content_type)
    found = next((codec for bom, codec in _BOMS if data.startswith(bom)), None)
    for candidate in (declared, found, "utf-8"):
        if candidate is None:
            continue
        try:
            text = codecs.getincrementaldecoder(candidate)().decode(data, final=not cut)
        except UnicodeDecodeError:
            continue
        return text.removeprefix("\ufeff"), candidate  # a mark, not text
    text = codecs.getincrementaldecoder(_FALLBACK)(errors="replace").decode(data, final=not cut)
    return text, _FALLBACK


def found_charset(data: bytes) -> str:
    """The charset a text file's bytes show, named as a content type names it (and as
    `real_codec` reads it): a byte-order mark's, else UTF-8 when they read as it, else
    windows-1252 (`_FALLBACK`)."""
    found = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    if found is None:
        try:
            data.decode("utf-8")
            found = "utf-8"
        except UnicodeDecodeError:
            found = "windows-1252"
    return found


def attached_file(filename: str, data: bytes) -> NewFile:
    """A file a person attaches, named `filename` (a path's last part), as the gate takes it:
    its content type by its name, with the charset its bytes show when it is text (found
    once, here, and read by whoever opens it)."""
    guessed = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if is_text(guessed, filename) and guessed == "application/octet-stream":
        guessed = "text/plain"
    if media_type(guessed).startswith("text/") and not looks_binary(data):
        guessed = f"{guessed}; charset={found_charset(data)}"
    return NewFile(filename, guessed, data)


def looks_binary(data: bytes) -> bool:
    """NUL bytes outside UTF-16/32 (a byte-order mark) mean the file is not text, whatever
    its type says."""
    return b"\x00" in data and not any(data.startswith(bom) for bom, _ in _BOMS)


class Shown(NamedTuple):
    """What a viewer shows of a text file: its text, and a line saying what was left out
    ("" when it is all there)."""

    text: str
    left_out: str


def shown_text(data: bytes, content_type: str, size: int) -> Shown:
    """The start of a text file of `size` bytes, of which `data` are the first ones read
    (`SHOWN_BYTES` at most): at most `SHOWN_LINES` lines, and a line saying how much is not
    shown when that is not all of it."""
    cut = size > len(data)
    text, encoding = _decoded(data, content_type, cut)
    lines = text.split("\n")
    if len(lines) > SHOWN_LINES:
        text = "\n".join(lines[:SHOWN_LINES])
        cut = True
    if not cut:
        return Shown(text, "")
    shown = min(len(data), len(text.encode(encoding, errors="replace")))
    lines_shown = min(len(lines), SHOWN_LINES)
    return Shown(
        text,
        f"Only the first {file_size(shown)} ({lines_shown:,} lines) of {file_size(size)} "
        f"shown: {file_size(size - shown)} left out. w saves the whole file.",
    )


def binary_line(filename: str, content_type: str, size: int) -> str:
    """One line saying what a file not shown as text is."""
    kind = media_type(content_type) or "a file of no stated type"
    return f"{filename} is {kind}, {file_size(size)}: not shown as text. w saves it."
