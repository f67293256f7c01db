"""How a noun registers its subcommands, and what their handlers share: the person acting and
their gate, and text read from an option or standard input."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from typing import Any

from access import Gate
from store.db import connect, resolve_location

Handler = Callable[[argparse.Namespace], int]


def shared_options(default: Any) -> argparse.ArgumentParser:
    """`--db` and `--user`, accepted before or after any subcommand."""
    holder = argparse.ArgumentParser(add_help=False)
    holder.add_argument(
        "--db", default=default, help="SQLite file or postgresql:// URL (env TICKETTY_DB)"
    )
    holder.add_argument("--user", default=default, help="act as this person (env TICKETTY_USER)")
    return holder


class Commands:
    """One level of subcommands. Each takes `--db` and `--user` again; given there they must not
    reset what was given before the subcommand, hence their default is SUPPRESS."""

    _common = shared_options(argparse.SUPPRESS)

    def __init__(self, parent: argparse.ArgumentParser, dest: str, required: bool) -> None:
        self._choices = parent.add_subparsers(dest=dest, required=required)

    def add(
        self, name: str, handler: Handler | None = None, **options: Any
    ) -> argparse.ArgumentParser:
        """A subcommand run by `handler`."""
        parser: argparse.ArgumentParser = self._choices.add_parser(
            name, parents=[self._common], **options
        )
        if handler is not None:
            parser.set_defaults(handler=handler)
        return parser

    def noun(self, name: str, **options: Any) -> Commands:
        """A subcommand that is itself a set of subcommands (`ticketty tickets list`)."""
        return Commands(self.add(name, **options), f"{name}_action", required=True)


def username(args: argparse.Namespace) -> str:
    return args.user or os.environ.get("TICKETTY_USER") or getpass.getuser()


def open_gate(args: argparse.Namespace) -> Gate:
    return Gate(connect(resolve_location(args.db)), username(args))


def read_body(text: str) -> str:
    """The text itself, or standard input for `-`."""
    return sys.stdin.read() if text == "-" else text
