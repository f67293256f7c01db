"""A multi-row insert's SQL is put together from Peewee's SQL for one row and for two
(`store.prepared`); it must be exactly the SQL Peewee builds for that many rows, on each
backend, with and without RETURNING and ON CONFLICT."""

from __future__ import annotations

import peewee
import pytest

from store.models import AuditEvent, MailId, Message
from store.prepared import MOST_PREPARED_ROWS, PreparedInsert, _rows_shape


@pytest.mark.parametrize("rows", [1, 2, 3, 7, MOST_PREPARED_ROWS])
@pytest.mark.parametrize("returning", [(), ("id",), ("id", "ticket")])
def test_many_rows_sql_is_peewees(
    db: peewee.Database, rows: int, returning: tuple[str, ...]
) -> None:
    inserts = [
        PreparedInsert(Message, ("ticket", "kind", "author", "body", "created_at")),
        PreparedInsert(MailId, ("mail_id", "source", "ticket", "message"), ignore_conflicts=True),
        PreparedInsert(AuditEvent, ("at", "actor", "prev_hash", "hash", "action")),
    ]
    for insert in inserts:
        if not set(returning) <= set(insert.model._meta.fields):
            continue
        one, two = (insert._built(n, returning) for n in (1, 2))
        assert _rows_shape(one, two) is not None  # put together, not built
        assert insert._sql(db, rows, returning=returning) == insert._built(rows, returning)
