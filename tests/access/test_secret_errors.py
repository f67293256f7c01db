"""No error path prints the password of a PostgreSQL URL: a read refused by the server, a
write refused inside the gate's transaction, a failure to open, in the command line and as
the app opens. Each is driven for real, as a user whose rights the server takes away."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from store.db import describe_failure, without_password
from tests.postgres_server import PASSWORD, PASSWORD_ROLE, Server
from ticketty.launch import open_app
from ticketty.main import main

pytestmark = pytest.mark.postgresql_only(reason="a PostgreSQL URL holds the password")


def secret_free(text: str) -> bool:
    return PASSWORD not in text and quote(PASSWORD, safe="") not in text


@pytest.fixture
def helpdesk(pg_server: Server, new_location, capsys) -> tuple[str, str]:
    """A helpdesk owned by the password role; its URL with the password, and its database."""
    database = new_location().rsplit("/", 1)[-1]
    pg_server.execute(f"GRANT ALL ON DATABASE {database} TO {PASSWORD_ROLE}")
    pg_server.execute(f"GRANT ALL ON SCHEMA public TO {PASSWORD_ROLE}", database=database)
    url = (
        f"postgresql://{PASSWORD_ROLE}:{quote(PASSWORD, safe='')}@127.0.0.1:{pg_server.port}/"
        f"{database}"
    )
    assert main(["init", "--db", url, "--admin", "root"]) == 0
    assert main(["--db", url, "--user", "root", "tickets", "create", "--subject", "s",
                 "--body", "b"]) == 0  # fmt: skip
    capsys.readouterr()
    return url, database


def open_in_app(url: str) -> object:
    return open_app(url, "root")  # the person and the first page are read before it runs


@pytest.mark.parametrize(
    ("revoked", "run"),
    [
        ("SELECT ON ticket", lambda url: main(["--db", url, "--user", "root", "tickets", "list"])),
        ("INSERT ON audit_event",  # inside the gate's write transaction
         lambda url: main(["--db", url, "--user", "root", "tickets", "close", "1"])),
        ("SELECT ON person", open_in_app),
    ],
)  # fmt: skip
def test_what_the_server_refuses_is_one_line_without_the_password(
    pg_server: Server, helpdesk: tuple[str, str], capsys, revoked: str, run
) -> None:
    url, database = helpdesk
    pg_server.execute(f"REVOKE {revoked} FROM {PASSWORD_ROLE}", database=database)
    assert run(url) == 3
    err = capsys.readouterr().err
    assert "permission denied" in err and err.count("\n") == 1, err
    assert secret_free(err), err
    if revoked != "INSERT ON audit_event":  # named by the database alone inside the gate
        assert f"postgresql://{PASSWORD_ROLE}@127.0.0.1:{pg_server.port}/{database}" in err


def test_describe_failure_takes_the_password_out_of_any_text(pg_server: Server) -> None:
    url = f"postgresql://{PASSWORD_ROLE}:{quote(PASSWORD, safe='')}@127.0.0.1:1/db"
    said = describe_failure(url, RuntimeError(f"server said {PASSWORD} and {quote(PASSWORD)}"))
    assert secret_free(said) and said.startswith(f"database error on postgresql://{PASSWORD_ROLE}@")
    assert without_password("plain.db", PASSWORD) == PASSWORD
