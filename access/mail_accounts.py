"""Mail account settings: server URLs (never with a password) and where the passwords come from.

`imaps://user@host:993/INBOX`, `imap+starttls://user@host/INBOX`, `imap://` (plain, for a
server on the same machine); `smtps://`, `smtp+starttls://`, `smtp://`. A user name holding `@`
is written `%40`. Passwords come from the environment (`TICKETTY_MAIL_PASSWORD_<SOURCE>`, the
source name upper-cased with other characters as `_`) or from the secrets file
(`TICKETTY_MAIL_SECRETS`, else `mail-secrets` in the config folder): lines `SOURCE = PASSWORD`,
or `SOURCE.imap = ...` / `SOURCE.smtp = ...` when the two differ. The file must be readable by
its owner only.
"""

from __future__ import annotations

import binascii
import ipaddress
import os
import re
import stat
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

import platformdirs

from access.errors import InvalidInput
from store.errors import TickettyError
from store.models import MailAccount, mail_server

_SCHEMES = {
    "imap": ("imap", "plain", 143),
    "imap+starttls": ("imap", "starttls", 143),
    "imaps": ("imap", "tls", 993),
    "smtp": ("smtp", "plain", 25),
    "smtp+starttls": ("smtp", "starttls", 587),
    "smtps": ("smtp", "tls", 465),
}
_ADDRESS = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$|^[^@\s<>\"',;]+@localhost$")


class SecretMissing(TickettyError):
    """No password for an account; the message says where to put one."""


class SecretRefused(SecretMissing):
    """The password is not sent: it was set for another server than the URL names now."""


class ServerUrl(NamedTuple):
    protocol: str  # imap or smtp
    security: str  # plain, starttls or tls
    host: str
    port: int
    user: str
    folder: str  # IMAP only
    # The account's CA certificate file the server's certificate is checked against; "" for
    # the system's certificate authorities.
    ca_file: str = ""

    def display(self) -> str:
        return f"{self.protocol} {self.user + '@' if self.user else ''}{self.host}:{self.port}"


def parse_url(text: str, protocol: str) -> ServerUrl:
    """A server URL of `protocol`; refuses one carrying a password."""
    text = (text or "").strip()
    parts = urlsplit(text)
    scheme = _SCHEMES.get(parts.scheme.lower())
    if scheme is None or scheme[0] != protocol:
        names = ", ".join(f"{k}://" for k, v in _SCHEMES.items() if v[0] == protocol)
        raise InvalidInput(f"{text!r} is not a {protocol} URL; start it with one of {names}")
    if parts.password is not None:
        raise InvalidInput(
            "a password does not belong in the URL; put it in the mail secrets file or the "
            "environment (see README, Customers by e-mail)"
        )
    if not parts.hostname:
        raise InvalidInput(f"{text!r} names no server")
    try:
        port = parts.port or scheme[2]
    except ValueError as exc:
        raise InvalidInput(f"{text!r}: {exc}") from exc
    if scheme[1] == "plain" and not _loopback(parts.hostname):
        raise InvalidInput(
            f"{parts.scheme}:// sends the password unencrypted, so it is only for a server on "
            f"this machine; for {parts.hostname} use "
            + (
                " or ".join(
                    f"{k}://" for k, v in _SCHEMES.items() if v[0] == protocol and v[1] != "plain"
                )
            )
        )
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    return ServerUrl(
        protocol=protocol,
        security=scheme[1],
        host=parts.hostname,
        port=port,
        user=unquote(parts.username or ""),
        folder=folder,
    )


def account_url(account: MailAccount, protocol: str) -> ServerUrl:
    """The account's `protocol` server, with the account's CA file."""
    url = account.imap_url if protocol == "imap" else account.smtp_url
    return parse_url(url, protocol)._replace(ca_file=account.ca_file)


def check_ca_file(path: str) -> str:
    """`path` as an absolute path to a file of PEM CA certificates, or "" for none; one line
    saying what is wrong otherwise. The gate opens no connection: the certificates are read
    as PEM blocks of DER certificates here, and loaded by TLS when mail connects."""
    path = (path or "").strip()
    if not path:
        return ""
    file = Path(path).expanduser().absolute()
    if not file.is_file():
        raise InvalidInput(f"no CA file {file}")
    try:
        _read_certificates(file.read_bytes())
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{file} holds no CA certificate TLS can read ({exc})") from None
    return str(file)


def _read_certificates(pem: bytes) -> None:
    """Raises ValueError unless `pem` holds at least one certificate, each block well formed:
    base64 of a DER SEQUENCE."""
    blocks = re.findall(
        rb"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", pem, flags=re.DOTALL
    )
    if not blocks:
        raise ValueError("no PEM certificate in it")
    for block in blocks:
        der = binascii.a2b_base64(b"".join(block.split()))
        if der[:1] != b"\x30":
            raise ValueError("a certificate block that is not a certificate")


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def trusted_server(url: str, ca_file: str = "") -> str:
    """The server a password is set for: `user@host` of `url`, and the CA file its certificate
    is checked against when that is not the system's. A new CA file can vouch for another
    server under the same name, so a password set before it is held back like one set for
    another host."""
    server = mail_server(url)
    return f"{server} (CA {ca_file})" if server and ca_file else server


def secret_refusal(source: str, protocol: str, url: str, set_for: str, ca_file: str = "") -> str:
    """Why `source`'s `protocol` password may not go to the server of `url` checked against
    `ca_file`: it was set for `set_for`; "" when that is the server."""
    server = trusted_server(url, ca_file)
    if set_for == server:
        return ""
    was = f"set for {set_for}" if set_for else "not yet confirmed for any server"
    return (
        f"the {protocol} password of {source} is {was}, not {server}; once it is the "
        f"password there, confirm with `ticketty sources password {source}`"
    )


def password_to_send(source: str, account: MailAccount, protocol: str) -> str:
    """The password of `source`'s `protocol` account, for the server its URL names only."""
    url = account.imap_url if protocol == "imap" else account.smtp_url
    set_for = account.imap_secret_for if protocol == "imap" else account.smtp_secret_for
    refusal = secret_refusal(source, protocol, url, set_for, account.ca_file)
    if refusal:
        raise SecretRefused(refusal)
    return password_for(source, protocol)


def check_address(address: str) -> str:
    address = (address or "").strip().lower()
    if not _ADDRESS.match(address):
        raise InvalidInput(f"{address!r} is not an e-mail address")
    return address


def secrets_path() -> Path:
    explicit = os.environ.get("TICKETTY_MAIL_SECRETS")
    if explicit:
        return Path(explicit)
    return Path(platformdirs.user_config_dir("ticketty", appauthor=False)) / "mail-secrets"


def password_variable(source: str) -> str:
    """The environment variable holding `source`'s password (`_IMAP` or `_SMTP` appended
    when the two differ)."""
    return "TICKETTY_MAIL_PASSWORD_" + re.sub(r"[^A-Z0-9]", "_", source.upper())


def password_for(source: str, protocol: str) -> str:
    """The password of `source`'s `protocol` (imap or smtp) account."""
    key = password_variable(source)
    for name in (f"{key}_{protocol.upper()}", key):
        if os.environ.get(name):
            return os.environ[name]
    path = secrets_path()
    if path.exists():
        entries = _read_secrets(path)
        for name in (f"{source}.{protocol}", source):
            if name in entries:
                return entries[name]
    raise SecretMissing(
        f"no {protocol} password for {source}: set {key} or add `{source} = ...` to {path}"
    )


def _read_secrets(path: Path) -> dict[str, str]:
    """The file's lines, if only its owner may read it and the owner is the person running
    Ticketty or root (as ssh checks its keys: another user's file could be theirs to change)."""
    status = path.stat()
    if status.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretMissing(f"{path} is readable by others; chmod 600 it")
    if status.st_uid not in (os.getuid(), 0):
        raise SecretMissing(f"{path} belongs to another user; chown it to the one running Ticketty")
    entries: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#") or "=" not in line:
            continue
        name, _, value = line.partition("=")
        entries[name.strip()] = value.strip()
    return entries
