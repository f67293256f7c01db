"""An attachment as a person reads it in a terminal: whether it is text, its bytes decoded with
its charset (or, without one, the charset its bytes show), and what a cut leaves out. The text
stays raw here; the viewer shows it through `safe_text`."""

from __future__ import annotations

import codecs
from pathlib import PurePosixPath
from typing import NamedTuple

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
    (codecs.BOM_UTF8, "utf-8-sig"),
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
    """The charset a content type's `charset` parameter names, if it is one of the real ones
    (`rot13`, `base64` or `unicode_escape` are Python codecs, no charsets)."""
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return real_codec(value)
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
            return codecs.getincrementaldecoder(candidate)().decode(data, final=not cut), candidate
        except UnicodeDecodeError:
            continue
    text = codecs.getincrementaldecoder(_FALLBACK)(errors="replace").decode(data, final=not cut)
    return text, _FALLBACK


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
