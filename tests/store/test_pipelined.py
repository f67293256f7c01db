"""Writes sent without waiting for each one's result (`store.pipelined`): a cursor's rows are
there when read after the block, and a statement that fails inside it raises Peewee's error
by the block's end, leaving the transaction to roll back as if it had run alone."""

from __future__ import annotations

import peewee
import pytest

from store.pipelined import pipelined, pipelines
from store.prepared import PreparedInsert
from store.rows import tuple_rows
from store.tag_models import Tag

NEW_TAG = PreparedInsert(Tag, ("name",))


def test_rows_returned_in_the_block_are_read_after_it(db: peewee.Database) -> None:
    with db.atomic() as run:
        with pipelined(db):
            sent = [
                NEW_TAG.sent_returning([{"name": f"p{n}-{k}"} for k in range(3)]) for n in range(4)
            ]
            NEW_TAG.run_many([{"name": "last"}])
        ids = [int(found) for cursor in sent for (found,) in cursor.fetchall()]
        names = dict(tuple_rows(Tag.select(Tag.id, Tag.name).where(Tag.name != "last")))
        assert sorted(names[i] for i in ids) == sorted(
            f"p{n}-{k}" for n in range(4) for k in range(3)
        )
        assert Tag.select().where(Tag.name == "last").count() == 1
        run.rollback()


def test_a_write_failing_in_the_block_raises_peewees_error_and_rolls_back(
    db: peewee.Database,
) -> None:
    with db.atomic() as run:
        Tag.create(name="taken")
        with pytest.raises(peewee.IntegrityError), db.atomic(), pipelined(db):
            NEW_TAG.run_many([{"name": "first"}])
            NEW_TAG.run_many([{"name": "taken"}])  # a duplicate name
            NEW_TAG.run_many([{"name": "after"}])
        names = [name for (name,) in tuple_rows(Tag.select(Tag.name).order_by(Tag.name))]
        assert "taken" in names and "first" not in names and "after" not in names
        Tag.create(name="later")  # the transaction goes on
        run.rollback()


def test_a_block_inside_another_waits_for_nothing(db: peewee.Database) -> None:
    """On PostgreSQL the inner block's end neither waits nor raises: the outer one's does (a
    batch's rows written inside the block that also reads the next mail)."""
    reached = []
    with db.atomic() as run:
        Tag.create(name="taken")
        with pytest.raises(peewee.IntegrityError), db.atomic(), pipelined(db):
            with pipelined(db):
                NEW_TAG.run_many([{"name": "taken"}])
            reached.append("after the inner block")
        assert reached == (["after the inner block"] if pipelines(db) else [])
        run.rollback()
