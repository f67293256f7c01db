"""The parts of a search that are not words of the text: `tag:refund` keeps the tickets
carrying that tag. What remains is searched as text (`access.inbox`)."""

from __future__ import annotations

import re
from typing import NamedTuple

_TAG = re.compile(r"(?<!\S)tag:(\S+)", re.IGNORECASE)


class SearchTerms(NamedTuple):
    text: str  # the words searched in the text, `#42` or nothing
    tags: tuple[str, ...] = ()  # every one of these tags, in lower case


def split_search(search: str) -> SearchTerms:
    """`refund tag:Parcel late` is the words `refund late` and the tag `parcel`."""
    found = tuple(dict.fromkeys(name.casefold() for name in _TAG.findall(search)))
    text = " ".join(_TAG.sub(" ", search).split())
    return SearchTerms(text, found)
