"""The `ticketty` command line: admin commands for scripts, one module per noun.

The parser and `run` are in `cli.command_line`, named here when first asked for (PEP 562): the
app's start uses `cli.output` and `cli.app_path` without loading them, the gate or peewee.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cli.command_line import COMMANDS, AppOpener, build_parser, run

_NAMED = ("COMMANDS", "AppOpener", "build_parser", "run")


def __getattr__(name: str) -> Any:
    if name in _NAMED:
        from cli import command_line

        return getattr(command_line, name)
    raise AttributeError(f"module 'cli' has no attribute {name!r}")


__all__ = ["COMMANDS", "AppOpener", "build_parser", "run"]
