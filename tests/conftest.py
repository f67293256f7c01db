"""Shared fixtures: a new database per test on the chosen backend (`tests.backends`): real
SQLite files under tmp_path, never in-memory databases (each worker thread would see its own
empty one), or real PostgreSQL databases on a server the test run starts."""

from __future__ import annotations

import gc
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import peewee
import pytest

from access import Gate
from tests import postgres_server
from tests.backends import BACKENDS, Locations, chosen_backend, close_opened, connect
from tests.mail_servers import PASSWORD, Dovecot, Smtp, run_smtp, start_dovecot, stop_dovecot


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=BACKENDS,
        default=None,
        help="database backend of the run (default: $TICKETTY_TEST_BACKEND, else sqlite)",
    )
    parser.addoption(
        "--backend-tests-only",
        action="store_true",
        help="leave out the tests that never get the backend (see `backend_independent`): for "
        "a run beside one of every test on the other backend, as .ci/tests makes",
    )


def pytest_report_header(config: pytest.Config) -> list[str]:
    """The backend, and whether the tests independent of it are left out (xdist's summary
    does not count the tests its workers deselect)."""
    lines = [f"ticketty backend: {chosen_backend(config)}"]
    if config.getoption("backend_tests_only"):
        lines.append("ticketty: --backend-tests-only, the tests that never get a backend left out")
    return lines


# Files of tests that each run for minutes, run first so that xdist's workers share them out
# while the short tests are still left to even out the end of the run.
LONGEST_FIRST = ("tests/tui/test_smoke_matrix.py",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests of one backend's nature (SQLite's pages and pragmas, PostgreSQL's server) are
    marked with the reason and left out of the other backend's run; the longest run first.
    With `--backend-tests-only`, the tests independent of the backend are deselected."""
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in LONGEST_FIRST)
    backend = chosen_backend(config)
    if config.getoption("backend_tests_only"):
        kept: list[pytest.Item] = []
        independent: list[pytest.Item] = []
        for item in items:
            (independent if backend_independent(item, backend) else kept).append(item)
        if independent:
            config.hook.pytest_deselected(items=independent)
            items[:] = kept
    for item in items:
        for name, only in (("sqlite_only", "sqlite"), ("postgresql_only", "postgresql")):
            marker = item.get_closest_marker(name)
            if marker is not None and backend != only:
                why = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
                item.add_marker(pytest.mark.skip(reason=f"{only} only: {why}"))


def backend_independent(item: pytest.Item, backend: str) -> bool:
    """Whether `item` runs the same whatever the backend: a test learns the backend only
    through the `backend` fixture (every database fixture depends on it), so one without it
    in its closure never gets a database of the run's backend. One marked as this backend's
    only (skipped on the other) is not independent of it."""
    names = getattr(item, "fixturenames", None)
    if names is None or "backend" in names:
        return False
    return item.get_closest_marker(f"{backend}_only") is None


def pytest_collection_finish(session: pytest.Session) -> None:
    """The collector, as the app's own start sets it (`ticketty.collector`): what the run has
    imported and collected by now lives as long as the run (the modules, Textual, the tests
    themselves), so it is moved out of the collector's sight (`gc.freeze`) instead of being
    walked again at every full collection of the tests' garbage; and the collector runs less
    often (a first generation of 20,000 objects, not 700), since every app a test runs leaves
    its widgets in cycles that only a full collection frees, and each made the next full
    collection come sooner. A test that needs its garbage gone collects it (`Locations.drop`
    does, before it counts a test's connections)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)


@pytest.fixture(autouse=True)
def _close_what_the_test_opened() -> Iterator[None]:
    """The connections a test opened with `tests.backends.connect` closed when it ends, those
    of tests with no database of `new_location` or `new_demo` too (theirs are closed, and
    checked, as they are dropped)."""
    yield
    close_opened()


@pytest.fixture(scope="session")
def backend(pytestconfig: pytest.Config) -> str:
    return chosen_backend(pytestconfig)


@pytest.fixture(scope="session")
def pg_server(backend: str) -> Iterator[postgres_server.Server]:
    """The run's PostgreSQL server (one per xdist worker), started on first use."""
    server = postgres_server.start()
    yield server
    postgres_server.stop(server)


@pytest.fixture(scope="session")
def locations(
    backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Locations]:
    server = request.getfixturevalue("pg_server") if backend == "postgresql" else None
    made = Locations(backend, tmp_path_factory, server)
    yield made
    made.close()


@pytest.fixture
def new_location(locations: Locations) -> Iterator[Callable[..., str]]:
    """`new_location("demo.db")`: a new database for this test, dropped after it."""
    made: list[str] = []

    def make(name: str = "ticketty.db", *, migrated: bool = False) -> str:
        made.append(locations.new(name, migrated=migrated))
        return made[-1]

    yield make
    locations.drop(made)


@pytest.fixture
def new_demo(locations: Locations) -> Iterator[Callable[..., str]]:
    """`new_demo(tickets=200)`: this test's own copy of the demo helpdesk (seed 7) of that
    many tickets, which the session builds once (per xdist worker); dropped after the test."""
    made: list[str] = []

    def make(tickets: int = 300, name: str = "demo.db") -> str:
        made.append(locations.copy(locations.demo(tickets), name))
        return made[-1]

    yield make
    locations.drop(made)


@pytest.fixture
def db_location(
    request: pytest.FixtureRequest,
    new_location: Callable[..., str],
    new_demo: Callable[..., str],
) -> str:
    """This test's database: empty and migrated, or, when the test asks for `demo_db`, its own
    copy of the demo (so `db`, `db_location` and `demo_db` are always the one database)."""
    if "demo_db" in request.fixturenames:
        return new_demo()
    return new_location(migrated=True)


@pytest.fixture
def db_path(db_location: str, backend: str) -> Path:
    """The SQLite file of `db` (tests marked sqlite_only)."""
    assert backend == "sqlite", "db_path is for tests marked sqlite_only"
    return Path(db_location)


@pytest.fixture
def db(db_location: str) -> Iterator[peewee.Database]:
    """An empty, migrated database."""
    database = connect(db_location, create=True)
    yield database
    database.close()


@pytest.fixture
def demo_db(db: peewee.Database) -> peewee.Database:
    """A small, deterministic demo helpdesk (the personas of README: ada, sam, ali, vic, mia):
    `db`, which is then this test's copy of the demo built once per session (`db_location`)."""
    return db


@pytest.fixture
def demo_copy(new_demo: Callable[..., str]) -> str:
    """A copy of the session's demo (300 tickets, seed 7) for this test, to change as it likes."""
    return new_demo()


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


@pytest.fixture
def short_path() -> Iterator[Path]:
    """A new empty folder for this test, with a short path (`/tmp/tk.../files`), for tests
    that type a path into the app a key at a time: each character is a key the app handles
    and draws again, and `tmp_path` is some 70 characters long. Its parent is this test's own
    folder too (a file written beside it is the test's). Removed after the test."""
    with tempfile.TemporaryDirectory(prefix="tk") as parent:
        folder = Path(parent) / "files"
        folder.mkdir()
        yield folder
