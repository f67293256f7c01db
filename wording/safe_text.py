"""Ticket text made safe for a terminal in plain (non-Textual) output.

Stored data stays raw; this is applied where it meets a terminal. C0 controls other than newline
and tab, DEL and C1 become visible placeholders; bidi overrides and zero-width characters, which
make one name look like another, are shown as their code point.
"""

from __future__ import annotations

import re

from rich.text import Text

_BIDI_AND_INVISIBLE = frozenset(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), *range(0x200B, 0x2010), 0x2060, 0xFEFF]
)
# Compiled by `re` when first used (its cache keeps it): every character it matches is one
# `str.isprintable` refuses (a control or format character), so printable text never needs it.
_UNSAFE = (
    "[\x00-\x08\x0b-\x1f\x7f-\x9f" + "".join(chr(c) for c in sorted(_BIDI_AND_INVISIBLE)) + "]"
)


def _placeholder(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␛ for ESC
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def visible(text: str) -> str:
    """`text` with every control and spoofing character replaced by a visible placeholder."""
    if text.isprintable():
        return text
    return re.sub(_UNSAFE, _placeholder, text)


def one_line(text: str) -> str:
    """`visible(text)` on a single line: newlines and tabs become spaces. Printable text (no
    control, format or line-breaking character) is returned as it is: the list draws each of
    its cells through this on every frame."""
    if text.isprintable():
        return text
    return visible(text).replace("\r", " ").replace("\n", " ").replace("\t", " ")


def as_text(text: str, style: str = "") -> Text:
    """Ticket data as a Rich `Text`: sanitised, and never parsed as markup."""
    return Text(visible(text), style=style)
