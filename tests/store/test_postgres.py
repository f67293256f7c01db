"""PostgreSQL as a backend: the URL, the driver's and the server's failures as one line with
exit code 3 and no password, and the schema rules SQLite has by nature (unbounded text,
bytewise order, an append-only log that TRUNCATE cannot empty)."""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import quote

import pytest

from store import postgres
from store.db import DatabaseError
from tests.backends import Locations, connect
from tests.postgres_server import PASSWORD, PASSWORD_ROLE, Server
from ticketty.main import main

pytestmark = pytest.mark.postgresql_only(reason="a PostgreSQL server and its URL")


def python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`code` run in an interpreter of its own with `args`."""
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_the_url_is_parsed_fully() -> None:
    parsed = postgres.parse(
        "postgresql://ann%40shop:p%40ss%2Fw%C3%B6rd@db.example:6543/help%20desk"
        "?sslmode=require&connect_timeout=5"
    )
    assert parsed.user == "ann@shop"
    assert parsed.password == "p@ss/wörd"
    assert (parsed.host, parsed.port, parsed.database) == ("db.example", 6543, "help desk")
    assert parsed.driver_settings()["sslmode"] == "require"
    assert parsed.driver_settings()["connect_timeout"] == "5"
    assert "p@ss" not in parsed.shown() and "p@ss" not in repr(parsed)


def test_a_password_given_as_an_option_stays_out_of_the_urls_text() -> None:
    parsed = postgres.parse("postgresql://ann@db.example/desk?password=s3cret&sslmode=require")
    assert parsed.driver_settings()["password"] == "s3cret"
    assert "s3cret" not in repr(parsed) and "s3cret" not in str(parsed)


def _url(server: Server, database: str, password: str) -> str:
    return (
        f"postgresql://{PASSWORD_ROLE}:{quote(password, safe='')}@127.0.0.1:{server.port}/"
        f"{database}"
    )


@pytest.fixture
def shared_database(pg_server: Server, new_location) -> str:
    """An empty database the password role may use."""
    database = new_location().rsplit("/", 1)[-1]
    pg_server.execute(f"GRANT ALL ON DATABASE {database} TO {PASSWORD_ROLE}")
    pg_server.execute(f"GRANT ALL ON SCHEMA public TO {PASSWORD_ROLE}", database=database)
    return database


def test_percent_encoded_password_opens_the_database(pg_server, shared_database, capsys) -> None:
    url = _url(pg_server, shared_database, PASSWORD)
    assert main(["init", "--db", url, "--admin", "root"]) == 0
    out = capsys.readouterr().out
    assert PASSWORD not in out and quote(PASSWORD, safe="") not in out
    assert main(["--db", url, "--user", "root", "audit", "verify"]) == 0


@pytest.mark.parametrize(
    ("case", "says"),
    [
        ("password", "refused the credentials of pw_user"),
        ("database", "no database nowhere on the PostgreSQL server"),
        ("server", "cannot reach the PostgreSQL server at 127.0.0.1"),
        ("sslmode", "server does not support SSL, but SSL was required"),
    ],
)
def test_server_failures_are_one_line_exit_3_without_password(
    pg_server: Server, shared_database: str, case: str, says: str, capsys
) -> None:
    secret = "wrong%pass:word"
    url = {
        "password": _url(pg_server, shared_database, secret),
        "database": pg_server.url("nowhere"),
        "server": _url(pg_server, shared_database, secret).replace(
            f":{pg_server.port}/", f":{_closed_port()}/"
        ),
        "sslmode": pg_server.url(shared_database) + "?sslmode=require",
    }[case]
    assert main(["--db", url, "--user", "ada", "tickets", "list"]) == 3
    err = capsys.readouterr().err
    assert says in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert secret not in err and quote(secret, safe="") not in err


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_missing_driver_is_one_line(pg_server: Server, new_location) -> None:
    """A Python without psycopg (imports of it fail, as on a machine without the extra)."""
    code = (
        "import sys; sys.modules['psycopg'] = sys.modules['psycopg2'] = None; "
        "from ticketty.main import main; raise SystemExit(main(sys.argv[1:]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "--db", new_location(), "--user", "ada", "tickets", "list"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 3
    assert (
        done.stderr == "ticketty: PostgreSQL needs its driver: pip install 'ticketty[postgres]'\n"
    )


def test_the_driver_is_imported_when_a_postgresql_database_is_opened(new_location) -> None:
    """The entry point imports peewee without psycopg (a SQLite session never loads it); a
    PostgreSQL database opened afterwards imports the driver and works."""
    code = (
        "import sys\n"
        "from ticketty.main import main\n"
        "import peewee\n"
        "print('psycopg' in sys.modules, peewee.psycopg, file=sys.stderr)\n"
        "code = main(['init', '--db', sys.argv[1], '--admin', 'root'])\n"
        "code += main(['--db', sys.argv[1], '--user', 'root', 'tickets', 'list', '--json'])\n"
        "print(code, 'psycopg' in sys.modules, file=sys.stderr)\n"
    )
    assert python(code, new_location()).stderr == "False None\n0 True\n"


def test_a_database_made_before_its_first_connection_loads_no_driver(new_location) -> None:
    """The app's database, made while the start's reader connects in another process, imports
    psycopg at its first connection, not before: what the command's first frame is spared."""
    location = new_location()
    made = "import sys\nfrom ticketty.main import main\nraise SystemExit(main(sys.argv[1:]))\n"
    assert python(made, "init", "--db", location, "--admin", "root").returncode == 0
    code = (
        "import sys\n"
        "import ticketty.main\n"
        "from store.db import reopened\n"
        "from store.models import Person\n"
        "db = reopened(sys.argv[1])\n"
        "print('psycopg' in sys.modules)\n"
        "found = Person.select().where(Person.username == 'root').count()\n"
        "print(found, 'psycopg' in sys.modules)\n"
    )
    done = python(code, location)
    assert done.stdout.splitlines() == ["False", "1 True"], done.stderr


def test_the_driver_is_imported_without_reading_package_metadata(new_location) -> None:
    """psycopg and psycopg-binary are told their versions from their installed metadata
    folders' names, so opening a database does not import `importlib.metadata`; the versions
    are the ones it reads."""
    code = (
        "import sys\n"
        "from ticketty.main import main\n"
        "code = main(['init', '--db', sys.argv[1], '--admin', 'root'])\n"
        "print(code, 'importlib.metadata' in sys.modules)\n"
        "import psycopg, psycopg_binary\n"
        "from importlib import metadata\n"
        "print(psycopg.__version__ == metadata.version('psycopg'), psycopg.pq.__impl__)\n"
        "print(psycopg_binary.__version__ == metadata.version('psycopg-binary'))\n"
    )
    done = python(code, new_location())
    assert done.stdout.splitlines()[-3:] == ["0 False", "True binary", "True"], done.stderr


def test_a_url_without_a_database_is_refused() -> None:
    with pytest.raises(DatabaseError, match="names no database"):
        connect("postgresql://ann:secret@127.0.0.1:5432/")


def test_text_columns_are_unbounded_and_sort_bytewise(db) -> None:
    rows = db.execute_sql(
        "SELECT table_name, column_name, data_type, collation_name "
        "FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND data_type IN ('character varying', 'text')"
    ).fetchall()
    assert rows and all(row[2:] == ("text", "C") for row in rows), rows


def test_statements_bound_on_the_client_are_not_counted_for_preparing(db) -> None:
    """A client-side cursor never prepares; the driver would otherwise count each statement's
    whole text (a bulk insert's values in it) towards preparing it, for nothing."""
    connection = db.connection()
    assert type(connection.cursor()).__name__ == "ClientCursor"
    assert connection.prepare_threshold is None


def test_long_subjects_and_order_as_on_sqlite(demo_db, gate_for) -> None:
    gate = gate_for("ada")
    number = gate.filing.create_ticket("x" * 300, "body")
    assert gate.tickets.get_ticket(number).row.subject == "x" * 300
    for name in ("beta", "Alpha", "_under", "alpha", "Zulu"):
        gate.groups.create_group(name)
    names = [g.name for g in gate.groups.list_groups()]
    assert names == sorted(names)  # Python's order is SQLite's: by code point


def test_demo_continues_the_ticket_numbers(locations: Locations, capsys) -> None:
    location = locations.new()
    assert main(["demo", "--db", location, "--tickets", "20"]) == 0
    assert (
        main(
            [
                "--db",
                location,
                "--user",
                "ada",
                "tickets",
                "create",
                "--subject",
                "s",
                "--body",
                "b",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.strip().endswith("21")


def test_the_change_signal_is_a_notification(db, db_location: str) -> None:
    """LISTEN/NOTIFY: the signal moves once per committed change by anyone, not on reads."""
    from access import Gate
    from access.catalogue import PERMISSIONS
    from store.changes import PostgresNotifications, signal_for
    from tests import builders

    w = builders.world()
    builders.role("Admin", PERMISSIONS, holders=[builders.person("boss")])
    signal = signal_for(db)
    assert isinstance(signal, PostgresNotifications)
    assert signal.moved()  # the first question always says "read"
    assert not signal.moved()
    other = Gate(connect(db_location), "boss")
    other.inbox.list_tickets()
    assert not signal.moved()
    other.messages.reply(w.t_s1, "hello")
    assert signal.moved()
    assert not signal.moved()
    signal.close()


def test_the_change_signal_is_waited_for_without_a_statement(db, db_location: str) -> None:
    """A session waiting for others' changes sends the server nothing: its listening
    connection's last statement stays `LISTEN`, and a commit elsewhere ends the wait."""
    from access import Gate
    from access.catalogue import PERMISSIONS
    from store.changes import signal_for
    from tests import builders

    w = builders.world()
    builders.role("Admin", PERMISSIONS, holders=[builders.person("boss")])
    signal = signal_for(db)
    assert signal.pushed and signal.moved()  # the first question always says "read"

    def listening() -> list[tuple]:
        return db.execute_sql(
            "SELECT pid, query, query_start FROM pg_stat_activity "
            "WHERE datname = current_database() AND query LIKE 'LISTEN %%'"
        ).fetchall()

    before = listening()
    assert len(before) == 1
    assert not signal.moved(wait=0.2)
    Gate(connect(db_location), "boss").messages.reply(w.t_s1, "hello")
    assert signal.moved(wait=30)
    assert not signal.moved(wait=0.2)
    assert listening() == before
    signal.close()


def test_a_lost_listening_connection_is_said_and_listened_anew(db, db_location: str) -> None:
    """A server that drops the listening session (a restart, an admin) is a DatabaseError
    for that question; the next one listens again and says "read", since notifications were
    lost meanwhile; changes after it are notified as before."""
    from access import Gate
    from access.catalogue import PERMISSIONS
    from store.changes import signal_for
    from tests import builders

    w = builders.world()
    builders.role("Admin", PERMISSIONS, holders=[builders.person("boss")])
    signal = signal_for(db)
    assert signal.moved()
    db.execute_sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND query LIKE 'LISTEN %%'"
    )
    with pytest.raises(DatabaseError, match="lost the connection"):
        signal.moved(wait=30)
    assert signal.moved()
    assert not signal.moved()
    Gate(connect(db_location), "boss").messages.reply(w.t_s1, "hello")
    assert signal.moved(wait=30)
    signal.close()


def test_an_interrupt_ends_a_wait_for_the_signal_at_once(db) -> None:
    """A session ending stops its watcher at once, not after the wait it is in: an interrupt
    from another thread ends a long wait with "nothing moved", and later waits return at once,
    so the watcher's thread can be joined as the app ends."""
    import threading
    import time

    from store.changes import signal_for

    signal = signal_for(db)
    assert signal.moved()  # the first question always says "read"
    answers: list[bool] = []
    waiting = threading.Thread(target=lambda: answers.append(signal.moved(wait=600)))
    began = time.monotonic()
    waiting.start()
    signal.interrupt()
    waiting.join(60)
    assert not waiting.is_alive() and answers == [False]
    assert not signal.moved(wait=600)
    assert time.monotonic() - began < 60
    signal.close()
