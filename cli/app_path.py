"""The command with no subcommand, only `--db` and `--user`: the app, opened without building
the parser (`cli.command_line`), which loads the gate, the store and peewee: the app's start
leaves them to its reader and to after its first frame (`ticketty.opening_read`). Any other
command line, however close (an abbreviated option, a value the parser would refuse, `-h`),
goes through the parser as before."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from cli.output import EXIT_USAGE, CommandError
from cli.settled import settled
from settings.layers import build_settings

SHARED = ("--db", "--user")


def app_options(arguments: Sequence[str]) -> tuple[str | None, str | None] | None:
    """`--db` and `--user` (the last of each, as the parser takes them) when the command line
    is only those, each with a value the parser would take; None otherwise."""
    given: dict[str, str | None] = dict.fromkeys(SHARED)
    words = iter(arguments)
    for word in words:
        name, equals, value = word.partition("=")
        if name not in SHARED:
            return None
        if not equals:
            value = next(words, "-")
            if value.startswith("-"):
                return None
        if any("\udc80" <= ch <= "\udcff" for ch in word + value):
            return None  # not UTF-8: the parser's path says so
        given[name] = value
    return given["--db"], given["--user"]


def open_app_path(
    options: tuple[str | None, str | None], open_app: Callable[[str, str], int]
) -> int:
    """Open the app as the parser's default handler does, ending as `cli.run` does."""
    db, user = options
    settings = build_settings(db=db, user=user)
    return settled(
        lambda: in_terminal(open_app, settings.database, settings.username), settings.database
    )


def in_terminal(open_app: Callable[[str, str], int], database: str, username: str) -> int:
    """`open_app(database, username)` where the command runs in a terminal; refused (a usage
    error) where it does not, as from a script."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise CommandError("ticketty needs a terminal; use a subcommand for scripts", EXIT_USAGE)
    return open_app(database, username)
