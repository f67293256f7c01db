"""The `ticketty` command line's parser and `run`: admin commands for scripts, one module per noun.

Every command acts as `--user` through the access gate, so the command line can do exactly what
the person could do in the app, and every change lands in the audit log. With no subcommand it
opens the app through `open_app`, handed in by the entry point (`ticketty.main`): the command
line imports no Textual, so a script's `ticketty tickets list` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from cli.app_path import in_terminal
from cli.command import Commands, UsageParser, settings_of, shared_options
from cli.output import (
    EXIT_USAGE,
    fail,
)
from cli.settled import settled
from settings.layers import build_settings

if TYPE_CHECKING:
    from cli.mail import MailTools

AppOpener = Callable[[str, str], int]
"""Runs the app on a database location as a username; returns the exit code."""

# Every command `ticketty -h` lists, in its order: the module of `cli` that registers it, with
# its subcommands and handlers (imported only when the command line names one of its commands),
# and what the listing says of it ("": not listed).
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("init", "setup", "create the database and a first admin"),
    ("demo", "setup", "fill a database with demo data"),
    ("people", "people", ""),
    ("roles", "roles", ""),
    ("groups", "groups", ""),
    ("sources", "sources", ""),
    ("mail", "mail", "take customers' e-mail in, deliver replies"),
    ("serve", "mail", "fetch and send in a loop until stopped (SIGTERM)"),
    ("access", "access", ""),
    ("tickets", "tickets", "list, show, file and change tickets"),
    ("tags", "tags", "the list of tags, and its lock"),
    ("fields", "fields", "custom fields of tickets and of usergroups"),
    ("views", "views", "saved views of the inbox, with their counts"),
    ("replies", "replies", "canned replies"),
    ("macros", "macros", "macros: several changes at once"),
    ("notifications", "notifications", "what happened that concerns you"),
    ("reports", "reports", ""),
    ("calendars", "calendars", ""),
    ("sla", "sla", ""),
    ("rules", "rules", ""),
    ("audit", "audit", ""),
)


def build_parser(
    open_app: AppOpener,
    words: Sequence[str] | None = None,
    mail_tools: Callable[[], MailTools] | None = None,
) -> argparse.ArgumentParser:
    """The parser; given the command line's `words`, only the commands among them are
    registered by their modules (and of those, only the nouns named get their subcommands
    built: `Commands`), the others are listed by name. `mail_tools` loads the mail channel, for
    the mail commands (`args.mail_tools`), handed in by the entry point."""
    parser = UsageParser(
        prog="ticketty",
        parents=[shared_options(None)],
        description="A helpdesk that lives in the terminal.",
    )

    def app(args: argparse.Namespace) -> int:
        settings = settings_of(args)
        return in_terminal(open_app, settings.database, settings.username)

    parser.set_defaults(handler=app, mail_tools=mail_tools)
    named = None if words is None else frozenset(words)
    helps = {name: text for name, _, text in COMMANDS if text}
    commands = Commands(parser, "command", required=False, words=named, helps=helps)
    registered: set[str] = set()
    for name, module, _ in COMMANDS:
        if module in registered:
            continue
        if named is None or any(m == module and n in named for n, m, _ in COMMANDS):
            importlib.import_module(f"cli.{module}").register(commands)
            registered.add(module)
        else:
            commands.add(name)
    return parser


def _undecodable(argument: str) -> bool:
    """True for an argument whose bytes were not UTF-8 (Python keeps them as lone surrogates)."""
    return any("\udc80" <= ch <= "\udcff" for ch in argument)


def run(
    argv: Sequence[str] | None,
    open_app: AppOpener,
    mail_tools: Callable[[], MailTools] | None = None,
) -> int:
    """Parse, run the handler, and turn a refusal into one line and its exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if any(_undecodable(a) for a in arguments):
        return fail("an argument is not valid UTF-8 text", EXIT_USAGE)
    args = build_parser(open_app, arguments, mail_tools).parse_args(arguments)
    args.settings = build_settings(db=args.db, user=args.user)
    return settled(lambda: args.handler(args), args.settings.database)
