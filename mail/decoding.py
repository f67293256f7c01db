"""Text of a mail in whatever charset it claims: bodies, headers' encoded words and raw 8-bit
bytes, read by the declared charset when it reads cleanly, else UTF-8, else the likeliest of the
usual mislabelled charsets.

What Python's `email` package gets wrong in real mail is text in a charset other than the one
declared (8-bit Polish text labelled `us-ascii`, `windows-1250` labelled `iso-8859-2`, French
in `windows-1252` labelled `us-ascii`); `decode_text` repairs that by trying the usual charsets
and keeping the reading with the fewest characters no language would use there: symbols and
controls where letters should be, and letters that no one language of these code pages writes
together (`trčs` is French `très` read as windows-1250).
"""

from __future__ import annotations

import re
from email.header import decode_header

from wording.charsets import real_codec

FALLBACK_CHARSETS = ("windows-1250", "iso-8859-2", "windows-1252")
# Typographic symbols real text uses: euro, quotes, dashes, ellipsis, degree, section...
_FINE_SYMBOLS = set(
    "\u20ac\u201e\u201c\u201d\u201a\u2018\u2019\u2013\u2014\u2026\xab\xbb\xb0\xa7\xa9\xae\u2122\xb7\u2022\xd7\xf7\xbf\xa1"
)
# The letters beyond ASCII of the languages written in the fallback charsets' code pages.
_ALPHABETS = tuple(
    frozenset(letters)
    for letters in (
        "ąćęłńóśźż",  # Polish
        "áčďéěíňóřšťúůýž",  # Czech
        "áäčďéíĺľňóôŕšťúýž",  # Slovak
        "áéíóöőúüű",  # Hungarian
        "čšžćđ",  # Slovene, Croatian
        "ăâîșțşţ",  # Romanian
        "äöüß",  # German
        "àâæçéèêëîïôœùûüÿ",  # French
        "áéíñóúü",  # Spanish
        "áâãàçéêíóôõú",  # Portuguese
        "àèéìíîòóùú",  # Italian
        "éëïöü",  # Dutch
        "åæøäöéð",  # Nordic
    )
)
# The characters `_oddness` looks at, in runs: all above `~`; the rest of ASCII is never odd.
_ABOVE_ASCII = re.compile("[^\x00-\x7e]+")
# Raw 8-bit bytes of a header, which the parser keeps as lone surrogates.
_RAW_BYTE = re.compile("[\udc80-\udcff]")


def decode_text(data: bytes, declared: str | None) -> str:
    """`data` as text: the declared charset when it is one mail is read in
    (`mail.charsets`) and reads the bytes cleanly (and is not plain ASCII hiding 8-bit bytes),
    else UTF-8, else the best of the usual mislabelled charsets."""
    charset = real_codec(declared)
    if charset and not (charset == "ascii" and not data.isascii()):
        try:
            return data.decode(charset)
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    readings = [data.decode(c, errors="replace") for c in FALLBACK_CHARSETS]
    return min(readings, key=_oddness)


def _oddness(text: str) -> int:
    """How many characters of `text` are unlikely in prose: controls, replacement characters,
    symbols from the upper half of a code page, accented capitals inside a lower-case word
    (`łódĽ`: iso-8859-2's `ź` read as windows-1250), and the accented letters that the one
    language fitting the text best does not write. Only the characters above ASCII count, so
    only their runs are visited."""
    odd = 0
    letters: dict[str, int] = {}
    for run in _ABOVE_ASCII.finditer(text):
        at = run.start()
        previous = text[at - 1] if at else " "
        for ch in run.group():
            unusual = "\x80" <= ch <= "\x9f" or not (
                ch.isalpha() or ch.isspace() or ch in _FINE_SYMBOLS
            )
            odd += unusual or (ch.isupper() and previous.islower())
            if ch.isalpha():
                lower = ch.lower()
                letters[lower] = letters.get(lower, 0) + 1
            previous = ch
    if letters:
        odd += min(
            sum(n for letter, n in letters.items() if letter not in alphabet)
            for alphabet in _ALPHABETS
        )
    return odd


def decode_words(raw: str) -> str:
    """RFC 2047 encoded words decoded; raw 8-bit bytes (kept by the parser as surrogates)
    read as UTF-8 or the usual fallbacks."""
    raw = eight_bit(raw)
    if "=?" not in raw or not raw.isascii():
        return raw
    try:
        chunks = decode_header(raw)
    except Exception:  # a broken encoded word stays as it was written
        return raw
    return "".join(
        decode_text(chunk, charset) if isinstance(chunk, bytes) else chunk
        for chunk, charset in chunks
    )


def eight_bit(raw: str) -> str:
    """Raw 8-bit bytes of a header (kept by the parser as surrogates) read as UTF-8 or the
    usual fallbacks; nothing else decoded."""
    if raw.isascii() or not _RAW_BYTE.search(raw):
        return raw
    return decode_text(raw.encode("utf-8", "surrogateescape"), None)
