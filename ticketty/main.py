"""The `ticketty` command: the command line, which opens the app when given no subcommand.

Textual is imported only when the app is opened, so scripts do not pay for it."""

from __future__ import annotations

from collections.abc import Sequence

from tui.cli import run


def open_app(location: str, username: str) -> int:
    from ticketty.launch import run_app

    return run_app(location, username)


def main(argv: Sequence[str] | None = None) -> int:
    return run(argv, open_app)
