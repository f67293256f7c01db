"""What `store.word_candidates` relies on: the only letters outside ASCII that Python lower-cases
into ASCII are those it writes out for PostgreSQL, and the server's `lower()` in the "C"
collation leaves every letter outside ASCII as it is."""

from __future__ import annotations

import sys

import peewee
import pytest

from store.word_candidates import LOWER_TO_ASCII


def test_the_letters_lower_cased_into_ascii_are_all_known() -> None:
    found = {
        chr(code): chr(code).lower()
        for code in range(0x80, sys.maxunicode + 1)
        if any(ord(c) < 0x80 for c in chr(code).lower())
    }
    assert found == LOWER_TO_ASCII


@pytest.mark.postgresql_only(reason="the server's lower() in the C collation")
def test_the_server_lower_cases_ascii_letters_alone(db: peewee.Database) -> None:
    text = "AZaz09 ÀÉÎÕÜ ДЖ İ\u212a \u01c5 \u24b6 \uff21\uff22 \u03a3\u0391"
    (lowered,) = db.execute_sql('SELECT lower(%s COLLATE "C")', (text,)).fetchone()
    expected = "".join(c.lower() if c.isascii() else c for c in text)
    assert lowered == expected
