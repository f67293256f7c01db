"""The charsets text is read in, a mail's or an attachment's: real ones only.

Python's `bytes.decode` takes any codec a mail's `charset=` names, and its codecs include
transforms that are no charsets at all: `unicode_escape` and `raw_unicode_escape` run escape
processing on the sender's bytes (`\\u202e` written as six ASCII bytes becomes a right-to-left
override, and Python warns of every invalid escape), `punycode` and `idna` are for domain
names, `zlib` or `rot13` are no text encodings. Text is read in the IANA charsets mail
really uses: the Unicode ones, ASCII, Latin-1 and the ISO 8859 family, the Windows and DOS
code pages of the WHATWG Encoding Standard, KOI8, the Chinese (GB, Big5), Japanese (Shift_JIS,
EUC, ISO-2022-JP) and Korean (EUC-KR, ISO-2022-KR, Windows 949) ones, under any alias
Python knows them by. Any other name is read as an
unknown charset: the bytes as they are, UTF-8 or the usual fallbacks (`mail.parse`,
`wording.file_text`).

UTF-7 (RFC 2152) is refused although it is registered: in it plain ASCII bytes stand for other
characters (`+ADw-script+AD4-` is `<script>`), which made it an XSS vector where software
decoded it unasked; the WHATWG standard, which browsers and HTML mail follow, dropped it; and
MIME's base64 and quoted-printable made it pointless in mail long ago. A UTF-7 mail is shown as
the ASCII it was sent as, which stays readable and hides nothing. HZ, the other 7-bit
escape charset, is refused for the same reason.
"""

from __future__ import annotations

import codecs
import functools

# Their IANA names, as mail writes them.
REAL_CHARSETS = (
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
# Python's own name of each (`codecs.lookup(name).name`, whatever alias a mail uses), written
# out: looking the names up loads every codec's module, the CJK ones with their tables, at the
# first mail read. `tests/mail/test_mail_charsets.py` holds the two lists equal.
REAL_CODECS = frozenset((
    "ascii", "utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be",
    "iso8859-1", "iso8859-2", "iso8859-3", "iso8859-4", "iso8859-5", "iso8859-6",
    "iso8859-7", "iso8859-8", "iso8859-9", "iso8859-10", "iso8859-11", "iso8859-13",
    "iso8859-14", "iso8859-15", "iso8859-16",
    "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258",
    "cp874", "cp866", "mac-roman", "mac-cyrillic", "koi8-r", "koi8-u",
    "gb2312", "gbk", "gb18030", "big5", "big5hkscs",
    "shift_jis", "shift_jis_2004", "shift_jisx0213", "cp932",
    "euc_jp", "euc_jis_2004", "euc_jisx0213", "euc_kr", "cp949",
    "iso2022_jp", "iso2022_jp_1", "iso2022_jp_2", "iso2022_jp_2004", "iso2022_jp_3",
    "iso2022_jp_ext", "iso2022_kr",
))  # fmt: skip


@functools.lru_cache(maxsize=256)
def real_codec(name: str | None) -> str | None:
    """The codec to read text said to be in charset `name`; None when the name is no charset
    text is read in (not one at all, or refused)."""
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().strip('"'))
    except (LookupError, ValueError):
        return None
    return codec.name if codec.name in REAL_CODECS else None
