"""Real mail servers for the tests: Dovecot (Debian's `dovecot-imapd`) run unprivileged on a
loopback port with a throwaway Maildir, and an aiosmtpd server in the test process that keeps
what it receives. A missing Dovecot fails the test run; it is never skipped."""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
PASSWORD = "mailbox-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run_as() -> pwd.struct_passwd:
    """Dovecot refuses to serve mail as root; as root we run it as Debian's `dovecot` user."""
    if os.getuid() != 0:
        return pwd.getpwuid(os.getuid())
    return pwd.getpwnam("dovecot")


@dataclass
class Dovecot:
    root: Path
    port: int
    process: subprocess.Popen

    def connect(self, user: str) -> imaplib.IMAP4:
        conn = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        conn.login(user, PASSWORD)
        return conn

    def append(self, user: str, raw: bytes, folder: str = "INBOX") -> int:
        """Deliver `raw` into the mailbox as a customer's mail arrives; returns its UID."""
        conn = self.connect(user)
        try:
            status, data = conn.append(folder, None, None, raw)
            assert status == "OK", data
            return int(data[0].split(b"APPENDUID ")[1].split()[1].rstrip(b"]"))
        finally:
            conn.logout()

    def url(self, user: str, folder: str = "INBOX") -> str:
        return f"imap://{user}@127.0.0.1:{self.port}/{folder}"


def start_dovecot() -> Dovecot:
    """Dovecot on a free loopback port, its config and Maildirs in a fresh folder of /tmp
    (pytest's own folders are closed to the unprivileged user Dovecot runs as)."""
    if not os.path.exists(DOVECOT):
        pytest.fail("Dovecot is not installed: apt-get install dovecot-imapd (see .ci/run)")
    account = _run_as()
    root = Path(tempfile.mkdtemp(prefix="ticketty-dovecot-"))
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    port = free_port()
    (root / "dovecot.conf").write_text(
        f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = 1
default_login_user = {account.pw_name}
default_internal_user = {account.pw_name}
default_internal_group = {account.pw_name}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={account.pw_uid} gid={account.pw_gid} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""
    )
    for path in [root, *root.rglob("*")]:
        os.chown(path, account.pw_uid, account.pw_gid)
    as_root = os.getuid() == 0
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        user=account.pw_uid if as_root else None,
        group=account.pw_gid if as_root else None,
        extra_groups=[] if as_root else None,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            said = process.stderr.read().decode() if process.stderr else ""
            pytest.fail(f"Dovecot did not start: {said}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return Dovecot(root, port, process)
        except OSError:
            time.sleep(0.05)  # the port opens a moment after the process starts
    process.kill()
    pytest.fail("Dovecot did not open its port within 15 s")


def stop_dovecot(server: Dovecot) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
    shutil.rmtree(server.root, ignore_errors=True)


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return BytesParser(policy=policy.default).parsebytes(self.raw)


@dataclass
class SmtpRecorder:
    """An aiosmtpd handler keeping every message it accepts; `refuse` makes it answer with
    that reply instead (e.g. "451 try later")."""

    received: list[Received] = field(default_factory=list)
    refuse: str | None = None
    arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse:
            return self.refuse
        with self.arrived:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
            self.arrived.notify_all()
        return "250 OK"


@dataclass
class Smtp:
    recorder: SmtpRecorder
    port: int

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[Received]:
        return self.recorder.received


def run_smtp(login: str | None = None) -> Iterator[Smtp]:
    """With `login`, the server requires AUTH (PLAIN or LOGIN, without TLS on loopback) as that
    user with `PASSWORD`, and answers anything else with 535."""
    recorder = SmtpRecorder()
    port = free_port()
    if login is None:
        controller = Controller(recorder, hostname="127.0.0.1", port=port)
    else:
        controller = Controller(
            recorder,
            hostname="127.0.0.1",
            port=port,
            authenticator=_Authenticator(login),
            auth_required=True,
            auth_require_tls=False,
        )
    controller.start()
    try:
        yield Smtp(recorder, port)
    finally:
        controller.stop()


@dataclass
class _Authenticator:
    login: str

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            self.login.encode(),
            PASSWORD.encode(),
        )
        return AuthResult(success=ok, handled=False)


class SilentServer:
    """A TCP server that accepts connections and never says a word: a hung SMTP server."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self._held.append(connection)

    def close(self) -> None:
        self._listener.close()
        for connection in self._held:
            connection.close()
