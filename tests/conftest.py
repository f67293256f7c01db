"""Shared fixtures: real SQLite files under tmp_path, never in-memory databases (each worker
thread would see its own empty one)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import peewee
import pytest

from access import Gate
from store.db import connect


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "ticketty.db"


@pytest.fixture
def db(db_path: Path) -> Iterator[peewee.Database]:
    """An empty, migrated database file."""
    database = connect(str(db_path), create=True)
    yield database
    database.close()


@pytest.fixture
def demo_db(db: peewee.Database) -> peewee.Database:
    """A small, deterministic demo helpdesk (the personas of README: ada, sam, ali, vic, mia)."""
    from access.demo import build_demo

    build_demo(db, tickets=300, seed=7)
    return db


@pytest.fixture
def gate_for(demo_db: peewee.Database) -> Callable[[str], Gate]:
    """`gate_for("ada")`: the gate as one demo persona."""
    return lambda username: Gate(demo_db, username)
