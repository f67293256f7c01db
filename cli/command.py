"""How a noun registers its subcommands, and what their handlers share: the person acting and
their gate, and text read from an option or standard input."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from typing import Any, NoReturn, Protocol

from access import Gate
from access.database import utcnow
from access.request import Clock
from settings.layers import Settings
from store.db import connect
from wording.safe_text import one_line

Handler = Callable[[argparse.Namespace], int]


class UsageParser(argparse.ArgumentParser):
    """argparse's parser, whose usage errors show the words typed with every control
    character as a visible placeholder: an argument is echoed back in them
    (`unrecognized arguments: ...`), and a terminal must not act on what it holds. Its
    subcommands' parsers are of this class too (argparse makes them of their parent's)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {one_line(message)}\n")


def shared_options(default: Any) -> argparse.ArgumentParser:
    """`--db` and `--user`, accepted before or after any subcommand."""
    holder = argparse.ArgumentParser(add_help=False)
    holder.add_argument(
        "--db", default=default, help="SQLite file or postgresql:// URL (env TICKETTY_DB)"
    )
    holder.add_argument("--user", default=default, help="act as this person (env TICKETTY_USER)")
    return holder


class Arguments(Protocol):
    """What a subcommand's registration adds its arguments to."""

    def add_argument(self, *names: str, **options: Any) -> object: ...


class Commands:
    """One level of subcommands. Each takes `--db` and `--user` again; given there they must not
    reset what was given before the subcommand, hence their default is SUPPRESS.

    With `words` (the command line's), a noun's subcommands are built only when the noun's name
    is one of them: each argparse parser looks for translations on disk as it is made, which for
    all 200-odd of them was most of the command line's start (bench/NOTES.md). `helps`: what
    the parent's help says of each subcommand (none: it is not listed)."""

    _common = shared_options(argparse.SUPPRESS)

    def __init__(
        self,
        parent: argparse.ArgumentParser,
        dest: str,
        required: bool,
        words: frozenset[str] | None = None,
        helps: Mapping[str, str] | None = None,
    ) -> None:
        self._choices = parent.add_subparsers(dest=dest, required=required)
        self._words = words
        self._helps = helps or {}

    def add(self, name: str, handler: Handler | None = None, **options: Any) -> Arguments:
        """A subcommand run by `handler`."""
        return self._parser(name, handler, **options)

    def noun(self, name: str, **options: Any) -> Commands:
        """A subcommand that is itself a set of subcommands (`ticketty tickets list`)."""
        parser = self._parser(name, **options)
        if self._words is not None and name not in self._words:
            return _NotBuilt()
        return Commands(parser, f"{name}_action", required=True, words=self._words)

    def _parser(
        self, name: str, handler: Handler | None = None, **options: Any
    ) -> argparse.ArgumentParser:
        if name in self._helps:
            options.setdefault("help", self._helps[name])
        parser: argparse.ArgumentParser = self._choices.add_parser(
            name, parents=[self._common], **options
        )
        if handler is not None:
            parser.set_defaults(handler=handler)
        return parser


class _Ignored:
    """Arguments added to nothing."""

    def add_argument(self, *names: str, **options: Any) -> None:
        pass


class _NotBuilt(Commands):
    """The subcommands of a noun the command line does not name: registered into nothing."""

    def __init__(self) -> None:
        """Nothing to build."""

    def add(self, name: str, handler: Handler | None = None, **options: Any) -> Arguments:
        return _Ignored()

    def noun(self, name: str, **options: Any) -> Commands:
        return self


def settings_of(args: argparse.Namespace) -> Settings:
    """The settings the command line built at start (`cli.run`)."""
    settings: Settings = args.settings
    return settings


def username(args: argparse.Namespace) -> str:
    return settings_of(args).username


# The clock the command line's gate counts from (breached, due within, warnings): the wall
# clock; a test sets another.
clock: Clock = utcnow


def open_gate(args: argparse.Namespace, file_limit: int | None = None) -> Gate:
    """The gate as the person of the settings; its file limit the settings' unless given (a
    command taking files gives the configuration file's, `configured_file_limit`)."""
    settings = settings_of(args)
    return Gate(
        connect(settings.database),
        settings.username,
        clock=clock,
        file_limit=settings.attachment_limit_bytes if file_limit is None else file_limit,
    )


def configured_file_limit() -> int:
    """`attachment_limit_mb` of the configuration file (25 MB without one), read only by a
    command that takes files; a broken file is a usage error (`ConfigError`)."""
    from settings.config import load_config

    return load_config().attachment_limit_bytes


def read_body(text: str) -> str:
    """The text itself, or standard input for `-`."""
    return sys.stdin.read() if text == "-" else text
