"""A real OpenSSH server on a loopback port for the tests, set up as README's "Over SSH" says
(one key, a forced command), except that it accepts every environment variable a client sends:
what Ticketty does must not depend on `AcceptEnv` being narrow."""

from __future__ import annotations

import getpass
import os
import shlex
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SSHD = "/usr/sbin/sshd"
ACCEPTED = "PYTHON* TICKETTY_* TEXTUAL* EDITOR VISUAL HOME USER LOGNAME XDG_* LANG LC_*"


@dataclass
class SshServer:
    folder: Path
    port: int
    process: subprocess.Popen[bytes]
    client_key: Path

    def client_command(self, sent: dict[str, str]) -> list[str]:
        """`ssh` with a terminal, sending `sent` as environment variables."""
        command = [
            shutil.which("ssh") or "ssh",
            "-tt",
            "-F",
            "/dev/null",
            "-i",
            str(self.client_key),
            "-p",
            str(self.port),
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            f"UserKnownHostsFile={self.folder / 'known_hosts'}",
            "-o",
            "BatchMode=yes",
            "-o",
            "LogLevel=ERROR",
        ]
        if sent:
            command += ["-o", "SetEnv=" + " ".join(f"{k}={v}" for k, v in sent.items())]
        return [*command, f"{getpass.getuser()}@127.0.0.1"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)],
        check=True,
        capture_output=True,
    )


def start(folder: Path, forced_command: str, timeout: float = 30) -> SshServer:
    """sshd on a free loopback port whose one key may only run `forced_command`."""
    if not os.path.exists(SSHD):
        raise RuntimeError(f"{SSHD} is missing: install Debian's openssh-server")
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    _keygen(folder / "host_key")
    _keygen(folder / "client_key")
    public = (folder / "client_key.pub").read_text().strip()
    options = f'restrict,pty,command="{forced_command}"'
    (folder / "authorized_keys").write_text(f"{options} {public}\n")
    port = _free_port()
    config = folder / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {folder / 'host_key'}",
                f"AuthorizedKeysFile {folder / 'authorized_keys'}",
                f"PidFile {folder / 'sshd.pid'}",
                "StrictModes no",
                "UsePAM no",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "PermitUserEnvironment no",
                f"AcceptEnv {ACCEPTED}",
                "LogLevel ERROR",
                "",
            ]
        )
    )
    process = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"sshd stopped: {error.strip()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return SshServer(folder, port, process, folder / "client_key")
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"sshd did not listen on port {port} within {timeout} s")


def stop(server: SshServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def quoted(words: list[str]) -> str:
    """A forced command from words (authorized_keys takes it between double quotes)."""
    return " ".join(shlex.quote(word) for word in words)
