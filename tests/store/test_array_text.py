"""PostgreSQL's array parameters as text (`store.postgres.array_text`): a list of one kind of
value, written over the whole list at once, is spelled as writing it value by value spells it,
whatever the text holds; and the server reads back what was sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.postgres import _each_text, array_text

# Texts with what the array's syntax must escape: quotes, backslashes, braces, commas, NUL.
_PIECES = ['"', "\\", "{", "}", ",", " ", "\0", "a", "ż", "NULL"]
_TEXTS = st.lists(st.sampled_from(_PIECES)).map("".join)
_START = datetime(2026, 12, 4, 12, 0, 0, 123456)
_TIMES = st.integers(0, 3).map(lambda n: _START + timedelta(seconds=n, microseconds=n))


@given(
    st.one_of(
        st.lists(st.integers(-(2**63), 2**63 - 1)),
        st.lists(st.one_of(st.none(), st.integers())),
        st.lists(_TEXTS),
        st.lists(st.one_of(st.none(), _TEXTS)),
        st.lists(_TIMES),
        st.lists(st.one_of(_TIMES, _TIMES.map(lambda t: t.replace(tzinfo=UTC)))),
        st.lists(st.one_of(st.booleans(), st.integers(0, 1))),
    )
)
def test_a_list_is_spelled_as_value_by_value(values: list[object]) -> None:
    assert array_text(values) == _each_text(values)


@pytest.mark.postgresql_only(reason="the server reads the array back")
@pytest.mark.parametrize(
    ("cast", "values"),
    [
        ("TEXT[]", ['a "quoted" one', "back\\slash", "{braces}, commas", "NULL", "", "żółw"]),
        ("TEXT[]", ["0" * 64, "f" * 64]),
        ("INTEGER[]", [3, None, -7, 0]),
        ("TIMESTAMP[]", [_START, _START, _START + timedelta(days=1)]),
    ],
)
def test_the_server_reads_back_what_was_sent(db, cast: str, values: list[object]) -> None:
    rows = db.execute_sql(
        f"SELECT v FROM unnest(CAST(%s AS {cast})) WITH ORDINALITY AS a(v, i) ORDER BY i",
        (values,),
    ).fetchall()
    assert [value for (value,) in rows] == values
