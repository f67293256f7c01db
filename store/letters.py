"""Letters folded for search on SQLite as PostgreSQL's `unaccent` folds them.

FTS5's unicode61 tokenizer (remove_diacritics 2) folds case and strips accents from a base
letter, as `unaccent` does, but leaves letters that are not an accented base letter: `ł`,
`ß`, `æ`, `ø`, `œ`, `đ`, Greek vowels with tonos, Russian `ё`. These are the ones of European
languages that PostgreSQL's unaccent.rules folds and unicode61 does not, with unaccent's
replacements; the text indexed and the words searched are both folded with this one table.
"""

# ruff: noqa: RUF001 (Greek and Cyrillic letters that look Latin are meant here)
from __future__ import annotations

import re
from collections.abc import Callable

FOLDED: dict[str, str] = {
    "Æ": "AE",
    "æ": "ae",
    "Ð": "D",
    "ð": "d",
    "Đ": "D",
    "đ": "d",
    "Ħ": "H",
    "ħ": "h",
    "ı": "i",
    "Ĳ": "IJ",
    "ĳ": "ij",
    "Ŀ": "L",
    "ŀ": "l",
    "Ł": "L",
    "ł": "l",
    "Ŋ": "N",
    "ŋ": "n",
    "Ø": "O",
    "ø": "o",
    "Œ": "OE",
    "œ": "oe",
    "ß": "ss",
    "ẞ": "SS",
    "Þ": "TH",
    "þ": "th",
    "Ŧ": "T",
    "ŧ": "t",
    "Ά": "Α",
    "ά": "α",
    "Έ": "Ε",
    "έ": "ε",
    "Ή": "Η",
    "ή": "η",
    "Ί": "Ι",
    "ί": "ι",
    "Ϊ": "Ι",
    "ϊ": "ι",
    "ΐ": "ι",
    "Ό": "Ο",
    "ό": "ο",
    "Ύ": "Υ",
    "ύ": "υ",
    "Ϋ": "Υ",
    "ϋ": "υ",
    "ΰ": "υ",
    "Ώ": "Ω",
    "ώ": "ω",
    "Ё": "Е",
    "ё": "е",
}

# The letters folded: only those are looked up, not every character of a text (one pass of
# the regex engine over a text that has none). Compiled by `re` when first used (its cache
# keeps it), not as the module is imported before the app's first frame, which folds nothing.
_FOLDABLE = "[" + "".join(re.escape(letter) for letter in FOLDED) + "]"

# replace() calls nested in one subquery: SQLite's parser stack takes about 30 nested calls in
# all, so the chain is cut into subqueries each folding the previous one's result.
_CHAIN = 10


def fold(text: str) -> str:
    """`text` with the letters of FOLDED replaced (words of a search, before FTS5 sees them).
    Every letter folded is outside ASCII, so ASCII text (most of a helpdesk's in the demo) is
    returned as it is, and of other text only the letters folded are looked up."""
    return text if text.isascii() else re.sub(_FOLDABLE, _folded, text)


def _folded(letter: re.Match[str], folded: Callable[[str], str] = FOLDED.__getitem__) -> str:
    return folded(letter.group())


def fold_sql(expression: str) -> str:
    """SQLite: `expression` with the letters of FOLDED replaced, in built-in SQL only (a
    function registered on the connection would break other programs writing the file)."""
    pairs = list(FOLDED.items())
    chains = [pairs[i : i + _CHAIN] for i in range(0, len(pairs), _CHAIN)]
    query = f"SELECT {_replaced(expression, chains[0])} AS folded"
    for chain in chains[1:]:
        query = f"SELECT {_replaced('folded', chain)} AS folded FROM ({query})"
    return f"({query})"


def _replaced(expression: str, chain: list[tuple[str, str]]) -> str:
    for letter, replacement in chain:
        expression = f"replace({expression}, '{letter}', '{replacement}')"
    return expression
