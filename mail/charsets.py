"""The charsets a mail may name and be read in: real ones only.

Python's `bytes.decode` takes any codec a mail's `charset=` names, and its codecs include
transforms that are no charsets at all: `unicode_escape` and `raw_unicode_escape` run escape
processing on the sender's bytes (`\\u202e` written as six ASCII bytes becomes a right-to-left
override, and Python warns of every invalid escape), `punycode` and `idna` are for domain
names, `zlib` or `rot13` are no text encodings. A mail is read in the IANA charsets mail
really uses: the Unicode ones, ASCII, Latin-1 and the ISO 8859 family, the Windows and DOS
code pages of the WHATWG Encoding Standard, KOI8, the Chinese (GB, Big5), Japanese (Shift_JIS,
EUC, ISO-2022-JP) and Korean (EUC-KR, ISO-2022-KR, Windows 949) ones, under any alias
Python knows them by. Any other name is read as an
unknown charset: the bytes as they are, UTF-8 or the usual fallbacks (`mail.parse`).

UTF-7 (RFC 2152) is refused although it is registered: in it plain ASCII bytes stand for other
characters (`+ADw-script+AD4-` is `<script>`), which made it an XSS vector where software
decoded it unasked; the WHATWG standard, which browsers and HTML mail follow, dropped it; and
MIME's base64 and quoted-printable made it pointless in mail long ago. A UTF-7 mail is shown as
the ASCII it was sent as, which stays readable and hides nothing. HZ, the other 7-bit
escape charset, is refused for the same reason.

The `email` package decodes encoded words (RFC 2047) and parameters (RFC 2231) of the headers
it parses with their charset too; `unknown_charsets_named_so` renames a refused charset in a raw
header to `unknown-8bit` before it does, which the package reads as bytes of no known charset.
"""

from __future__ import annotations

import codecs
import functools
import re

_MAIL_CHARSETS = (
    "ascii", "utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be",
    "latin-1", "iso-8859-2", "iso-8859-3", "iso-8859-4", "iso-8859-5", "iso-8859-6",
    "iso-8859-7", "iso-8859-8", "iso-8859-9", "iso-8859-10", "iso-8859-11", "iso-8859-13",
    "iso-8859-14", "iso-8859-15", "iso-8859-16",
    "windows-1250", "windows-1251", "windows-1252", "windows-1253", "windows-1254",
    "windows-1255", "windows-1256", "windows-1257", "windows-1258", "cp874", "ibm866",
    "macintosh", "mac-cyrillic", "koi8-r", "koi8-u",
    "gb2312", "gbk", "gb18030", "big5", "big5-hkscs",
    "shift_jis", "shift_jis_2004", "shift_jisx0213", "cp932",
    "euc-jp", "euc-jis-2004", "euc-jisx0213", "euc-kr", "cp949",
    "iso-2022-jp", "iso-2022-jp-1", "iso-2022-jp-2", "iso-2022-jp-2004", "iso-2022-jp-3",
    "iso-2022-jp-ext", "iso-2022-kr",
)  # fmt: skip
# Python's own name of each, whatever alias a mail uses.
MAIL_CODECS = frozenset(codecs.lookup(name).name for name in _MAIL_CHARSETS)
# The charset of an encoded word (`=?charset*language?b?...?=`, RFC 2047 and 2231).
_ENCODED_WORD = re.compile(r"(=\?)([^?*\s]*)((?:\*[^?\s]*)?\?[bBqQ]\?)")
# The charset of an extended parameter (`filename*=charset'language'...`, RFC 2231).
_EXTENDED = re.compile(r"(\*\s*=\s*\"?)([^'\";\s=]*)(')")
UNKNOWN = "unknown-8bit"


@functools.lru_cache(maxsize=256)
def mail_codec(name: str | None) -> str | None:
    """The codec to read text a mail says is in charset `name`; None when the name is no
    charset mail is read in (not one at all, or refused)."""
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().strip('"'))
    except (LookupError, ValueError):
        return None
    return codec.name if codec.name in MAIL_CODECS else None


def unknown_charsets_named_so(value: str) -> str:
    """A raw header with each refused charset of its encoded words and extended parameters
    named `unknown-8bit`; the rest as it was."""
    if "=?" not in value and "'" not in value:
        return value
    value = _ENCODED_WORD.sub(_renamed, value)
    return _EXTENDED.sub(_renamed, value) if "*" in value else value


def _renamed(found: re.Match[str]) -> str:
    before, charset, after = found.groups()
    if not charset or mail_codec(charset):
        return found.group(0)
    return before + UNKNOWN + after
