"""The parts of a search that are not words of the text: `tag:refund` keeps the tickets
carrying that tag, `field:"Order number"=123` (or `field:Product=kettle`) those whose custom
field is exactly so. What remains is searched as text (`access.inbox`)."""

from __future__ import annotations

import re
from typing import NamedTuple

_TAG = r"(?i)(?<!\S)tag:(\S+)"
_FIELD = r'(?i)(?<!\S)field:(?:"([^"]+)"|([^\s="]+))=(?:"([^"]*)"|(\S*))'


class SearchTerms(NamedTuple):
    text: str  # the words searched in the text, `#42` or nothing
    tags: tuple[str, ...] = ()  # every one of these tags, in lower case
    fields: tuple[tuple[str, str], ...] = ()  # (field, value): each field exactly so


def split_search(search: str) -> SearchTerms:
    """`refund tag:Parcel late` is the words `refund late` and the tag `parcel`."""
    if ":" not in search:  # no tag or field term: the patterns (compiled at first use) unneeded
        return SearchTerms(" ".join(search.split()))
    fields = tuple(
        (quoted_name or name, quoted_value or value)
        for quoted_name, name, quoted_value, value in re.findall(_FIELD, search)
    )
    search = re.sub(_FIELD, " ", search)
    found = tuple(dict.fromkeys(name.casefold() for name in re.findall(_TAG, search)))
    text = " ".join(re.sub(_TAG, " ", search).split())
    return SearchTerms(text, found, fields)
