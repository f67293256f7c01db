"""PostgreSQL's array parameters as text (`store.postgres.array_text`): a list of one kind of
value, written over the whole list at once, is spelled as writing it value by value spells it,
whatever the text holds; and the server reads back what was sent. A statement's arrays cast to
their columns' types (`store.postgres.CastArrays`) are bound in binary, and read back the same."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.postgres import CastArrays, _each_text, array_text

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


_CAST = [
    ("TEXT[]", ['a "quoted" one', "back\\slash", "{braces}, commas", "NULL", "", "żółw", None]),
    ("INTEGER[]", [3, None, -7, 0]),
    ("BIGINT[]", [2**40, 1]),
    ("INTEGER[]", [None, None]),
    ("TIMESTAMP[]", [_START, None, _START + timedelta(days=1)]),
    ("BOOLEAN[]", [True, None, False]),
    ("DATE[]", [date(2026, 12, 4)]),
    ("BYTEA[]", [bytes(range(256)), b"", b'"{,}\\NULL', None]),
]


@pytest.mark.postgresql_only(reason="the server reads the arrays back")
@pytest.mark.parametrize(("cast", "values"), _CAST)
def test_cast_arrays_are_bound_in_binary_and_read_back(db, cast: str, values: list) -> None:
    """Each kind of value a bulk write sends goes as a binary parameter (no array text for the
    server to read) and comes back as it was."""
    from psycopg import Binary, ClientCursor, Cursor

    sent = [Binary(v) if isinstance(v, bytes) else v for v in values]  # as a blob field wraps
    for arrays in (CastArrays([sent]), [sent]):
        cursor = db.execute_sql(
            f"SELECT v FROM unnest(CAST(%s AS {cast})) WITH ORDINALITY AS a(v, i) ORDER BY i",
            arrays,
        )
        got = [bytes(v) if isinstance(v, memoryview) else v for (v,) in cursor.fetchall()]
        assert got == values
        assert type(cursor) is (Cursor if type(arrays) is CastArrays else ClientCursor)


@pytest.mark.postgresql_only(reason="the server reads the arrays back")
def test_times_with_a_zone_read_the_same_in_binary_as_in_text(db) -> None:
    """A time with a zone cast to a time without one is moved to the session's zone, from
    binary as from text; a list of values of two kinds goes as text."""
    from psycopg import ClientCursor, Cursor

    aware = [_START.replace(tzinfo=UTC), _START.replace(tzinfo=UTC) + timedelta(hours=1)]
    sql = "SELECT v FROM unnest(CAST(%s AS TIMESTAMP[])) WITH ORDINALITY AS a(v, i) ORDER BY i"
    with db.atomic():
        db.execute_sql("SET LOCAL TIME ZONE 'Asia/Tokyo'")
        binary = db.execute_sql(sql, CastArrays([aware]))
        assert type(binary) is Cursor
        assert binary.fetchall() == db.execute_sql(sql, [aware]).fetchall()
        mixed = db.execute_sql(sql, CastArrays([[_START, "2026-12-04 12:00:00"]]))
        assert type(mixed) is ClientCursor
        assert [v for (v,) in mixed.fetchall()] == [_START, _START.replace(microsecond=0)]
