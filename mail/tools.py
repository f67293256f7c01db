"""What the command line uses of the mail channel, handed to it by the entry point
(`ticketty.main`): the command line does not import the channel, nor the channel the command
line. The wire, the parser and the mail files are imported by the calls that use them, so that
every other command starts without them."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

from access import Gate
from access.errors import InvalidInput
from access.intake import Oversized
from access.mail_accounts import SecretMissing
from mail.channel import MailChannel, reading_of
from settings.config import Config

__all__ = ["MailChannel", "channel", "failures", "messages_in", "serve", "size_of", "size_of_mail"]


def channel(gate: Gate, config: Config) -> MailChannel:
    """Mail in and out as `gate`'s person, with the limits of `config`."""
    return MailChannel(gate, reading_of(config), notify_from=config.notify_from)


def failures() -> tuple[type[Exception], ...]:
    """What one source's fetch or send can fail with and leave the others to go on."""
    from mail.transport import MailServerError

    return (MailServerError, SecretMissing, InvalidInput)


def messages_in(path: Path, limit: int) -> Iterator[tuple[str, bytes | Oversized]]:
    """The messages of a file, a Maildir or an mbox (`mail.files`)."""
    from mail.files import messages_in as found

    return found(path, limit)


def size_of(paths: list[Path]) -> int:
    from mail.files import size_of as total

    return total(paths)


def size_of_mail(raw: bytes | Oversized) -> int:
    from mail.files import size_of_mail as size

    return size(raw)


def serve(
    gate: Gate,
    config: Config,
    interval: float,
    report: Callable[[str], None],
    stop: socket.socket,
    passes: int | None = None,
) -> None:
    """`ticketty serve`'s loop as `gate`'s person until `stop` is readable, or after `passes`
    passes (`mail.service`)."""
    from mail.service import MailService

    MailService(channel(gate, config), interval, report, config.sla_warn_before).run(stop, passes)
