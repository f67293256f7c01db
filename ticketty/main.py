"""The `ticketty` command: the command line, which opens the app when given no subcommand.

Textual is imported only when the app is opened, so scripts do not pay for it; nor does the
app's start build the command line's parser. The command line, and then the app, are loaded
with the collector resting (`ticketty.collector`)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ticketty import collector
from ticketty.collector import resting
from ticketty.sealed import seal_under_ssh

with resting():
    from cli.app_path import app_options, open_app_path

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
    SSH; subcommands, an admin's scripts, keep reading their settings from the environment.
    The app's command line (no subcommand, only `--db` and `--user`) is read without the
    parser, which loads the gate and the store (`cli.app_path`)."""
    opener = open_sealed_app if argv is None else open_app
    options = app_options(sys.argv[1:] if argv is None else argv)
    if options is not None:
        return open_app_path(options, opener)
    return command_line().run(argv, opener, mail_tools)


def command_line() -> ModuleType:
    """The command line's parser and `run`, loaded with the collector resting the first time
    (then frozen with what the start made: the process is starting)."""
    loaded = sys.modules.get("cli.command_line")
    if loaded is not None:
        return loaded
    with resting():
        import cli.command_line
    return cli.command_line
