"""New databases for tests on the backend the run was asked for (`--backend`, or the
TICKETTY_TEST_BACKEND variable): SQLite files under pytest's temporary folders, or databases on
a PostgreSQL server the run starts itself (`tests.postgres_server`), one per test."""

from __future__ import annotations

import contextlib
import gc
import itertools
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar, cast

import peewee
import pytest

from access.database import close_thread_connection
from access.demo import build_demo
from store import db as store_db
from tests.pg_databases import Databases
from tests.postgres_server import Server

BACKENDS = ("sqlite", "postgresql")
TEMPLATE = "ticketty_template"
Made = TypeVar("Made")

# The databases a test opened with `connect`, closed when it ends.
_opened: list[peewee.Database] = []


def connect(location: str, *, create: bool = False) -> peewee.Database:
    """`store.db.connect` for a test: the connection it opens is closed when the test ends
    (`close_opened`), not by the collector once the test lets go of the database, later and
    in whatever test runs then."""
    database = store_db.connect(location, create=create)
    _opened.append(database)
    return database


def close_opened() -> None:
    """Close the connections the test opened with `connect` (on this thread: a thread of the
    test's closes its own before it ends)."""
    while _opened:
        database = _opened.pop()
        with contextlib.suppress(peewee.OperationalError):  # a failed test's transaction
            database.close()


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
        self._built: dict[str, tuple[str, object]] = {}
        self._migrated: str | None = None
        self._databases: Databases | None = None
        if server is not None:
            server.execute(f"CREATE DATABASE {TEMPLATE}")
            store_db.connect(server.url(TEMPLATE)).close()
            self._databases = Databases(server, self._next_name)
            self._databases.made_ahead |= {TEMPLATE, "template0"}

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
            store_db.connect(str(path), create=True).close()
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
        assert self.server is not None and self._databases is not None
        return self.server.url(self._databases.copy_of(template))

    def _next_name(self) -> str:
        return f"t_{self._worker}_{next(self._numbers)}"

    def demo(self, tickets: int = 300) -> str:
        """The demo helpdesk of `tickets` tickets (seed 7), built on first use and kept for the
        rest of the session; never opened by a test: each takes a `copy` of it."""
        location, _ = self.built(
            f"demo{tickets}", lambda database: build_demo(database, tickets=tickets, seed=7)
        )
        return location

    def built(self, name: str, build: Callable[[peewee.Database], Made]) -> tuple[str, Made]:
        """A migrated database that `build` fills (and what it returned), built on first use
        and kept for the rest of the session, like the demo: each test takes a `copy`."""
        if name not in self._built:
            location = self.new(f"{name}.db", migrated=True)
            database = store_db.connect(location, create=True)
            self._built[name] = (location, build(database))
            database.close()
            if self._databases is not None:
                self._databases.made_ahead.add(location.rsplit("/", 1)[-1])
        location, made = self._built[name]
        return location, cast(Made, made)

    def close(self) -> None:
        """At the end of the session: the databases' work behind the tests ended."""
        if self._databases is not None:
            self._databases.close()

    def drop(self, made: list[str]) -> None:
        """Drop a test's databases (or a module's, at its end); a connection to one of them
        still open fails the test (the collector would close it later, in another test, with a
        ResourceWarning on PostgreSQL). On SQLite the files stay, and a connection still open
        is one the process holds the file open for (a connection's file stays open while another
        to it is, so the count is of those too)."""
        close_opened()
        close_thread_connection()  # the models' database, the test's last `connect`
        left_open = []
        for location in made:
            if self._databases is None:
                held = opened_by_this_process(location)
                if held:  # a connection only garbage now is closed here, not in a later test
                    gc.collect()
                    held = opened_by_this_process(location)
                left_open += [f"{location} (held open {held} times)"] if held else []
                continue
            database = location.rsplit("/", 1)[-1]
            left_open += [f"{database} ({how})" for how in self._databases.drop(database)]
        if left_open:
            pytest.fail(f"the test left connections open: {'; '.join(left_open)}", pytrace=False)


def opened_by_this_process(path: str) -> int:
    """How many times this process holds the SQLite file `path` open: once per connection
    (its journal and shared memory are other files)."""
    wanted = os.path.realpath(path)
    held = 0
    for descriptor in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # one closed since it was listed
            held += os.readlink(f"/proc/self/fd/{descriptor}") == wanted
    return held


def chosen_backend(config: pytest.Config) -> str:
    return config.getoption("backend") or os.environ.get("TICKETTY_TEST_BACKEND") or "sqlite"


def sqlite_path(location: str) -> Path:
    """The file of a SQLite location, for tests of what only a file can show."""
    return Path(location)
