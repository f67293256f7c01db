"""Real mail servers for the tests: Dovecot (Debian's `dovecot-imapd`) run unprivileged on a
loopback port with a throwaway Maildir, and an aiosmtpd server in the test process that keeps
what it receives; either can also speak TLS with a certificate of a throwaway certificate
authority (made by the openssl command). A missing Dovecot fails the test run; it is never
skipped."""

from __future__ import annotations

import contextlib
import imaplib
import os
import pwd
import shutil
import socket
import ssl
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


@dataclass(frozen=True)
class TlsFiles:
    """A throwaway certificate authority and a certificate it signed for 127.0.0.1."""

    ca: Path
    certificate: Path
    key: Path


def throwaway_ca(folder: Path) -> TlsFiles:
    """A CA made for this test, and a server certificate for 127.0.0.1 signed by it."""
    folder.mkdir(parents=True, exist_ok=True)
    files = TlsFiles(folder / "ca.pem", folder / "server.pem", folder / "server.key")

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=folder)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
            "-out", str(files.ca), "-days", "2", "-subj", "/CN=Ticketty test CA")  # fmt: skip
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(files.key),
            "-out", "server.csr", "-subj", "/CN=127.0.0.1")  # fmt: skip
    (folder / "names.ext").write_text("subjectAltName = IP:127.0.0.1, DNS:localhost\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", str(files.ca), "-CAkey", "ca.key",
            "-CAcreateserial", "-out", str(files.certificate), "-days", "2",
            "-extfile", "names.ext")  # fmt: skip
    return files


@dataclass
class Dovecot:
    root: Path
    port: int
    process: subprocess.Popen
    tls_port: int = 0  # imaps, when started with a certificate

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

    def tls_url(self, user: str, folder: str = "INBOX") -> str:
        return f"imaps://{user}@127.0.0.1:{self.tls_port}/{folder}"


def start_dovecot(tls: TlsFiles | None = None) -> Dovecot:
    """Dovecot on a free loopback port, its config and Maildirs in a fresh folder of /tmp
    (pytest's own folders are closed to the unprivileged user Dovecot runs as); with `tls`,
    also imaps on a port of its own with that certificate."""
    if not os.path.exists(DOVECOT):
        pytest.fail("Dovecot is not installed: apt-get install dovecot-imapd (see .ci/run)")
    account = _run_as()
    root = Path(tempfile.mkdtemp(prefix="ticketty-dovecot-"))
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    port = free_port()
    tls_port = free_port() if tls else 0
    if tls:
        shutil.copy(tls.certificate, root / "server.pem")
        shutil.copy(tls.key, root / "server.key")
    (root / "dovecot.conf").write_text(
        f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = {"yes" if tls else "no"}
{f"ssl_cert = <{root}/server.pem" if tls else ""}
{f"ssl_key = <{root}/server.key" if tls else ""}
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
    address = 127.0.0.1
    port = {tls_port}
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
            for open_port in (port, tls_port) if tls else (port,):
                socket.create_connection(("127.0.0.1", open_port), timeout=1).close()
            return Dovecot(root, port, process, tls_port)
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
    scheme: str = "smtp"  # smtps with a certificate

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[Received]:
        return self.recorder.received


def run_smtp(login: str | None = None, tls: TlsFiles | None = None) -> Iterator[Smtp]:
    """With `login`, the server requires AUTH (PLAIN or LOGIN, without TLS on loopback) as that
    user with `PASSWORD`, and answers anything else with 535. With `tls`, it speaks TLS from the
    first byte (smtps) with that certificate."""
    recorder = SmtpRecorder()
    port = free_port()
    if tls is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(tls.certificate, tls.key)
        controller = Controller(recorder, hostname="127.0.0.1", port=port, ssl_context=context)
    elif login is None:
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
        yield Smtp(recorder, port, "smtps" if tls else "smtp")
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
        """Stop listening at once: a listener closed while its thread waits in `accept` would
        still take connections (the waiting call holds it), each then waiting for a greeting
        until the client's timeout, instead of being refused."""
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._thread.join()
        for connection in self._held:
            connection.close()
