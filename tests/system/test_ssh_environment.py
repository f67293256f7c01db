"""Over a real sshd that lets every variable through, an agent's environment steers nothing:
the session runs isolated, with only the terminal's variables, and `q` ends it (no Python prompt
as the service account, whatever PYTHONINSPECT says)."""

from __future__ import annotations

import fcntl
import os
import pwd
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import ssh_server
from tests.tui_support import demo_database
from ticketty.sealed import sealed_environment

SENT = {
    "PYTHONINSPECT": "1",
    "PYTHONWARNINGS": "error",
    "TICKETTY_USER": "ada",
    "TICKETTY_CONFIG": "/nonexistent/config.toml",
    "TEXTUAL": "devtools",
    "EDITOR": "/bin/sh",
    "USER": "ada",
    "LANG": "C.UTF-8",
}
APP_STARTED = b"\x1b[?1049h"  # the terminal's alternate screen: Textual is drawing


@pytest.fixture
def agent_over_ssh(tmp_path: Path) -> Iterator[tuple[ssh_server.SshServer, Path]]:
    database = tmp_path / "help.db"
    demo_database(str(database), tickets=40)
    ticketty = Path(sys.executable).parent / "ticketty"
    forced = ssh_server.quoted([str(ticketty), "--db", str(database), "--user", "tom"])
    server = ssh_server.start(tmp_path, forced)
    yield server, database
    ssh_server.stop(server)


def _in_terminal(command: list[str]) -> tuple[subprocess.Popen[bytes], int]:
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    process = subprocess.Popen(
        command, stdin=follower, stdout=follower, stderr=follower, start_new_session=True
    )
    os.close(follower)
    return process, leader


def _read_until(leader: int, wanted: bytes, seen: bytearray, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while wanted not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                return wanted in seen
            if not chunk:
                break
            seen.extend(chunk)
    return wanted in seen


def _sessions_on(database: Path) -> list[int]:
    """The processes whose command line names the database (the sealed app)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            words = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if str(database).encode() in words and any(b"ticketty" in w for w in words):
            found.append(int(entry.name))
    return found


def _environment(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
    return dict(item.split("=", 1) for item in raw.split("\0") if "=" in item)


@pytest.mark.sqlite_only(reason="the process's environment is tested; the database is incidental")
def test_what_an_agent_sends_steers_nothing_and_q_ends_the_session(
    agent_over_ssh: tuple[ssh_server.SshServer, Path],
) -> None:
    server, database = agent_over_ssh
    process, leader = _in_terminal(server.client_command(SENT))
    seen = bytearray()
    try:
        assert _read_until(leader, APP_STARTED, seen, timeout=60), seen[-2000:]
        sessions = _sessions_on(database)
        assert len(sessions) == 1
        arguments = Path(f"/proc/{sessions[0]}/cmdline").read_bytes().split(b"\0")
        assert b"-I" in arguments
        environment = _environment(sessions[0])
        for name in ("PYTHONINSPECT", "PYTHONWARNINGS", "TICKETTY_USER", "TICKETTY_CONFIG"):
            assert name not in environment
        assert "TEXTUAL" not in environment and "EDITOR" not in environment
        assert environment["USER"] != "ada" and environment["LANG"] == "C.UTF-8"
        os.write(leader, b"q")
        after = bytearray()
        _read_until(leader, b">>>", after, timeout=30)
        assert process.wait(timeout=30) == 0
        assert b">>>" not in after
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)


def test_the_sealed_environment_keeps_the_terminal_and_takes_identity_from_the_account() -> None:
    sent = {**SENT, "TERM": "xterm-256color", "LC_ALL": "pl_PL.UTF-8", "SSH_TTY": "/dev/pts/3"}
    sealed = sealed_environment({**sent, "LC_CTYPE": "\x1b]0;pwned\x07"}, os.getuid())
    assert sealed["TERM"] == "xterm-256color" and sealed["LC_ALL"] == "pl_PL.UTF-8"
    assert sealed["SSH_TTY"] == "/dev/pts/3"
    assert "LC_CTYPE" not in sealed  # not a plain value
    assert not {"PYTHONINSPECT", "TICKETTY_USER", "TEXTUAL", "EDITOR"} & set(sealed)
    account = pwd.getpwuid(os.getuid())
    assert sealed["USER"] == account.pw_name and sealed["HOME"] == account.pw_dir
