"""Shared fixtures: real SQLite files under tmp_path, never in-memory databases (each worker
thread would see its own empty one)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import peewee
import pytest

from access import Gate
from store.db import connect
from tests.mail_servers import PASSWORD, Dovecot, Smtp, run_smtp, start_dovecot, stop_dovecot


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


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One Dovecot per test process; each test gets its own mailbox (`mailbox`)."""
    server = start_dovecot()
    yield server
    stop_dovecot(server)


@pytest.fixture
def mailbox(dovecot: Dovecot) -> str:
    """A fresh, empty IMAP mailbox for this test (any user name logs in with `PASSWORD`;
    Dovecot makes the Maildir on first use)."""
    return f"box{uuid.uuid4().hex[:12]}"


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    yield from run_smtp()


@pytest.fixture
def mail_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """The mailbox password of the source `Support`, from the environment as in production."""
    monkeypatch.setenv("TICKETTY_MAIL_PASSWORD_SUPPORT", PASSWORD)
