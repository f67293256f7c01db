"""A test worker's PostgreSQL databases, made ahead and dropped behind its tests.

Making a database from a template costs a server a checkpoint and a copy of its files: a
wait of a fifth of a second or more, little of it CPU. A thread of the worker makes the next
database of each template the tests ask for while a test runs, and drops a test's databases
once it has ended, so that the tests wait for neither. Only the check that a test closed its
connections (`drop`) is made before the next test begins."""

from __future__ import annotations

import gc
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from tests.postgres_server import Server

# Databases made ahead of each template, each on a thread of its own: the checkpoints that
# two copies ask for at once are one.
AHEAD = 2
# How long the server processes of connections a test closed are given to end before the
# collector is run for connections the test let go of unclosed (a full collection costs a
# worker a quarter of a second; most of those processes end within milliseconds).
CLOSING = 0.25


class Databases:
    """Databases on `server`, named by `name()`; `made_ahead` the templates whose next copy
    is made in the background (the ones never dropped nor written while the run lasts)."""

    def __init__(self, server: Server, name: Callable[[], str]) -> None:
        self.server = server
        self._name = name
        self.made_ahead: set[str] = set()
        self._ahead: dict[str, deque[Future[str]]] = {}
        self._dropping: list[Future[None]] = []
        self._behind = ThreadPoolExecutor(AHEAD, thread_name_prefix="test-databases")
        self._connections = threading.local()
        self._opened: list[Any] = []

    def copy_of(self, template: str) -> str:
        """A new database holding what `template` holds."""
        ahead = self._ahead.setdefault(template, deque())
        database = ahead.popleft().result() if ahead else self._create(template)
        if template in self.made_ahead:
            while len(ahead) < AHEAD:
                ahead.append(self._behind.submit(self._create, template))
        return database

    def drop(self, database: str, wait: float = 10) -> list[str]:
        """Drop `database` once the test has ended; the connections to it still open now,
        each said as its state and last statement. A connection its client closed may linger
        a moment while its server process ends: those are waited for, up to `wait` seconds;
        one the test let go of without closing it is collected once the others had time to
        end (with a ResourceWarning in this test, not in whichever test the collector would
        have run in)."""
        began = time.monotonic()
        collected = False
        while True:
            open_ones = [
                f"{state}: {query}"
                for state, query in self._execute(
                    "SELECT state, query FROM pg_stat_activity "
                    "WHERE datname = %s AND backend_type = 'client backend'",
                    (database,),
                )
            ]
            waited = time.monotonic() - began
            if not open_ones or waited > wait:
                break
            if not collected and waited > CLOSING:  # only garbage now: closed here, not later
                gc.collect()
                collected = True
            time.sleep(0.005)
        self._dropping.append(self._behind.submit(self._drop, database))
        return open_ones

    def close(self) -> None:
        """Wait for the work behind, raising what failed of it."""
        self._behind.shutdown(wait=True)
        for connection in self._opened:
            connection.close()
        for done in self._dropping:
            done.result()

    def _drop(self, database: str) -> None:
        self._execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")

    def _create(self, template: str) -> str:
        """Made by copying the template's files, not by writing every page through the WAL
        (the default since PostgreSQL 15): the server runs without fsync, so the checkpoint
        a file copy takes is cheap, and a test's database is small."""
        database = self._name()
        self._execute(f"CREATE DATABASE {database} TEMPLATE {template} STRATEGY FILE_COPY")
        return database

    def _execute(self, statement: str, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """On this thread's own connection to the server's `postgres` database."""
        import psycopg

        connection = getattr(self._connections, "connection", None)
        if connection is None:
            connection = psycopg.connect(self.server.url("postgres"), autocommit=True)
            self._connections.connection = connection
            self._opened.append(connection)
        cursor = connection.execute(statement, parameters or None)
        return cursor.fetchall() if cursor.description else []
