"""The charsets of a mail's headers: the `email` package reads them unasked, so a refused one
(`wording.charsets`) is renamed before it does.

The `email` package decodes encoded words (RFC 2047) and parameters (RFC 2231) of the headers
it parses with their charset too; `unknown_charsets_named_so` renames a refused charset in a raw
header to `unknown-8bit` before it does, which the package reads as bytes of no known charset.
"""

from __future__ import annotations

import re

from wording.charsets import real_codec

# The charset of an encoded word (`=?charset*language?b?...?=`, RFC 2047 and 2231).
_ENCODED_WORD = re.compile(r"(=\?)([^?*\s]*)((?:\*[^?\s]*)?\?[bBqQ]\?)")
# The charset of an extended parameter (`filename*=charset'language'...`, RFC 2231).
_EXTENDED = re.compile(r"(\*\s*=\s*\"?)([^'\";\s=]*)(')")
UNKNOWN = "unknown-8bit"


def unknown_charsets_named_so(value: str) -> str:
    """A raw header with each refused charset of its encoded words and extended parameters
    named `unknown-8bit`; the rest as it was."""
    if "=?" not in value and "'" not in value:
        return value
    value = _ENCODED_WORD.sub(_renamed, value)
    return _EXTENDED.sub(_renamed, value) if "*" in value else value


def _renamed(found: re.Match[str]) -> str:
    before, charset, after = found.groups()
    if not charset or real_codec(charset):
        return found.group(0)
    return before + UNKNOWN + after
