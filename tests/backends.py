"""New databases for tests on the backend the run was asked for (`--backend`, or the
TICKETTY_TEST_BACKEND variable): SQLite files under pytest's temporary folders, or databases on
a PostgreSQL server the run starts itself (`tests.postgres_server`), one per test."""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

import pytest

from access.demo import build_demo
from store.db import connect
from tests.postgres_server import Server

BACKENDS = ("sqlite", "postgresql")
TEMPLATE = "ticketty_template"


class Locations:
    """Where a test's databases live; `new()` gives a location no test used before."""

    def __init__(
        self, backend: str, folders: pytest.TempPathFactory, server: Server | None
    ) -> None:
        self.backend = backend
        self.folders = folders
        self.server = server
        self._numbers = itertools.count(1)
        self._worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self._demos: dict[int, str] = {}
        self._migrated: str | None = None
        if server is not None:
            server.execute(f"CREATE DATABASE {TEMPLATE}")
            connect(server.url(TEMPLATE)).close()

    def new(self, name: str = "ticketty.db", *, migrated: bool = False) -> str:
        """An empty database (no tables) or, `migrated`, one with Ticketty's schema.

        SQLite: a path in a fresh folder, no file yet unless `migrated`; a migrated file is a
        copy of one the session migrated once, as PostgreSQL's is made from a template."""
        if self.server is None:
            if migrated:
                return self.copy(self._migrated_file(), name)
            return str(self.folders.mktemp("db") / name)
        return self._created_from(TEMPLATE if migrated else "template0")

    def _migrated_file(self) -> str:
        """The session's migrated, empty SQLite file, made on first use; never opened by a
        test: each takes a `copy` of it."""
        if self._migrated is None:
            path = self.folders.mktemp("template") / "migrated.db"
            connect(str(path), create=True).close()
            self._migrated = str(path)
        return self._migrated

    def copy(self, location: str, name: str = "ticketty.db") -> str:
        """A new database holding what `location` holds (closed: no connection may be open
        on it): the SQLite file with its journal copied, or a PostgreSQL database made from it
        as a template."""
        if self.server is None:
            path = self.folders.mktemp("db") / name
            for suffix in ("", "-wal"):
                if Path(location + suffix).exists():
                    shutil.copyfile(location + suffix, str(path) + suffix)
            return str(path)
        return self._created_from(location.rsplit("/", 1)[-1])

    def _created_from(self, template: str) -> str:
        """A new PostgreSQL database made from `template` by copying its files, not by
        writing every page through the WAL (the default since PostgreSQL 15): the server
        runs without fsync, so the checkpoint a file copy takes is cheap, and a test's
        database is small."""
        assert self.server is not None
        database = f"t_{self._worker}_{next(self._numbers)}"
        self.server.execute(f"CREATE DATABASE {database} TEMPLATE {template} STRATEGY FILE_COPY")
        return self.server.url(database)

    def demo(self, tickets: int = 300) -> str:
        """The demo helpdesk of `tickets` tickets (seed 7), built on first use and kept for the
        rest of the session; never opened by a test: each takes a `copy` of it."""
        if tickets not in self._demos:
            location = self.new(f"demo{tickets}.db", migrated=True)
            database = connect(location, create=True)
            build_demo(database, tickets=tickets, seed=7)
            database.close()
            self._demos[tickets] = location
        return self._demos[tickets]

    def drop(self, location: str) -> None:
        if self.server is None:
            return
        database = location.rsplit("/", 1)[-1]
        self.server.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def chosen_backend(config: pytest.Config) -> str:
    return config.getoption("backend") or os.environ.get("TICKETTY_TEST_BACKEND") or "sqlite"


def sqlite_path(location: str) -> Path:
    """The file of a SQLite location, for tests of what only a file can show."""
    return Path(location)
