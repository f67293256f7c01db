"""The `ticketty` command: the command line, which opens the app when given no subcommand.

Textual is imported only when the app is opened, so scripts do not pay for it. The command
line, and then the app, are loaded with the collector resting (`ticketty.collector`)."""

from __future__ import annotations

from collections.abc import Sequence

from ticketty.collector import resting

with resting():
    from tui.cli import run


def open_app(location: str, username: str) -> int:
    """Make the app with the collector resting, then run it."""
    with resting():
        from ticketty import launch

        opened = launch.open_app(location, username)
    return opened if isinstance(opened, int) else opened.run()


def main(argv: Sequence[str] | None = None) -> int:
    return run(argv, open_app)
