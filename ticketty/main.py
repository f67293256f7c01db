"""The `ticketty` command: the command line, which opens the app when given no subcommand.

Textual is imported only when the app is opened, so scripts do not pay for it. The command
line, and then the app, are loaded with the collector resting (`ticketty.collector`)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ticketty import collector
from ticketty.collector import resting
from ticketty.sealed import seal_under_ssh

with resting():
    from cli import run

if TYPE_CHECKING:
    from cli.mail import MailTools
    from ticketty.launch import OpenedApp


def made_app(location: str, username: str, **options: Any) -> OpenedApp | int:
    """`ticketty.launch.open_app` (`options` are its own) with the collector resting until the
    app has drawn its first frame, or until it fails to be made."""
    collector.rest()
    try:
        from ticketty import launch

        opened = launch.open_app(location, username, **options)
    except BaseException:
        collector.wake(freeze=False)
        raise
    if isinstance(opened, int):
        collector.wake()
    else:
        opened.app.after_first_frame_calls.append(collector.wake)
    return opened


def open_app(location: str, username: str) -> int:
    """Make the app with the collector resting, then run it."""
    opened = made_app(location, username)
    if isinstance(opened, int):
        return opened
    try:
        return opened.run()
    finally:
        collector.wake()  # if the app ended before its first frame


def open_sealed_app(location: str, username: str) -> int:
    """The app as the command opens it: under SSH (a forced command), in a sealed process."""
    seal_under_ssh(sys.argv[1:])
    return open_app(location, username)


def mail_tools() -> MailTools:
    """The mail channel, for the mail commands: loaded by them alone."""
    import mail.tools

    return mail.tools


def main(argv: Sequence[str] | None = None) -> int:
    """The command as started from a shell or by sshd (no `argv`): the app is sealed under
    SSH; subcommands, an admin's scripts, keep reading their settings from the environment."""
    return run(argv, open_sealed_app if argv is None else open_app, mail_tools)
