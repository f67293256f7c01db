"""A real PostgreSQL server for the test run: initdb and pg_ctl from Debian's `postgresql`
package, run as an unprivileged user (initdb refuses root), on a free loopback port, its data in a
temporary folder. Tuned for tests (no fsync): a crash loses the folder, which is thrown away."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

BIN = Path(os.environ.get("TICKETTY_PG_BIN", "/usr/lib/postgresql/15/bin"))
SUPERUSER = "ticketty_test"
# A role that must give its password: for the tests of bad credentials and of percent-escapes.
PASSWORD_ROLE = "pw_user"
PASSWORD = "s3cr%t:p@ss/wörd"
# Where a server's folder goes when there is room: a folder in memory, where a database made
# from a template (a copy of its files and a checkpoint, for every test) costs a fraction of
# what it costs on a disk. Elsewhere, the system's temporary folder. The room asked for is
# well above what the servers of a run's workers hold at once at their largest.
MEMORY = Path("/dev/shm")
MEMORY_NEEDED = 8 << 30


@dataclass(frozen=True)
class Server:
    port: int
    folder: Path

    def url(self, database: str, user: str = SUPERUSER) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def execute(self, *statements: str, database: str = "postgres") -> None:
        """Run statements as the superuser, each outside a transaction (CREATE DATABASE)."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _in_memory() -> Path | None:
    """The folder in memory, if there is one with room for a run's databases."""
    try:
        room = os.statvfs(MEMORY)
    except OSError:
        return None
    free = room.f_bavail * room.f_frsize
    return MEMORY if free >= MEMORY_NEEDED and os.access(MEMORY, os.W_OK) else None


def _as_server_user(folder: Path) -> list[str]:
    """The command prefix that runs the server binaries unprivileged."""
    if os.geteuid() != 0:
        return []
    account = pwd.getpwnam("postgres")
    for path in (folder, *folder.rglob("*")):
        os.chown(path, account.pw_uid, account.pw_gid)
    return ["runuser", "-u", "postgres", "--"]


def start(folder: Path | None = None) -> Server:
    """A server on a new temporary folder, or on `folder` (kept, made on first use)."""
    if not (BIN / "initdb").exists():
        raise RuntimeError(
            f"no PostgreSQL server binaries in {BIN}: apt-get install postgresql (or set "
            "TICKETTY_PG_BIN)"
        )
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="ticketty-pg-", dir=_in_memory()))
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    data = folder / "data"
    made = data.exists()
    prefix = _as_server_user(folder)
    if not made:
        _initdb(prefix, data)
    port, log = _free_port(), str(folder / "log")
    options = (
        f"-c port={port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={folder} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        "-c shared_buffers=128MB -c max_connections=100"
    )
    subprocess.run(
        [*prefix, str(BIN / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l", log, "start"],
        check=True,
        capture_output=True,
    )
    server = Server(port=port, folder=folder)
    if not made:
        server.execute(f"CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{PASSWORD}'")
    return server


def _initdb(prefix: list[str], data: Path) -> None:
    subprocess.run(
        [
            *prefix,
            str(BIN / "initdb"),
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    hba = data / "pg_hba.conf"
    hba.write_text(
        f"host all {PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256\n"
        "host all all 127.0.0.1/32 trust\n"
        "local all all trust\n"
    )


def stop(server: Server, *, keep: bool = False) -> None:
    """Stop the server; remove its folder unless `keep` (then it shuts down cleanly)."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    mode = "fast" if keep else "immediate"
    subprocess.run(
        [*prefix, str(BIN / "pg_ctl"), "-D", str(server.folder / "data"), "-m", mode, "stop"],
        check=False,
        capture_output=True,
    )
    if not keep:
        shutil.rmtree(server.folder, ignore_errors=True)
