"""The `ticketty` command line: admin commands for scripts, one module per noun.

Every command acts as `--user` through the access gate, so the command line can do exactly what
the person could do in the app, and every change lands in the audit log. With no subcommand it
opens the app through `open_app`, handed in by the entry point (`ticketty.main`): the command
line imports no Textual, so a script's `ticketty tickets list` starts fast.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence

import peewee

from access import NoChange
from access.errors import NoSuchPerson
from cli import (
    access,
    audit,
    calendars,
    fields,
    groups,
    macros,
    mail,
    notifications,
    people,
    replies,
    reports,
    roles,
    rules,
    setup,
    sla,
    sources,
    tags,
    tickets,
    views,
)
from cli.command import Commands, UsageParser, settings_of, shared_options
from cli.mail import MailTools
from cli.output import (
    EXIT_BROKEN_PIPE,
    EXIT_DATABASE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PERSON,
    EXIT_USAGE,
    CommandError,
    exit_code_of,
    fail,
)
from settings.layers import build_settings
from store.db import describe_failure
from wording.safe_text import one_line

AppOpener = Callable[[str, str], int]
"""Runs the app on a database location as a username; returns the exit code."""

NOUNS = (
    setup,
    people,
    roles,
    groups,
    sources,
    mail,
    access,
    tickets,
    tags,
    fields,
    views,
    replies,
    macros,
    notifications,
    reports,
    calendars,
    sla,
    rules,
    audit,
)


def build_parser(
    open_app: AppOpener, words: Sequence[str] | None = None, mail_tools: MailTools | None = None
) -> argparse.ArgumentParser:
    """The parser; given the command line's `words`, only the nouns among them get their
    subcommands built (`Commands`), the others are listed by name. `mail_tools`: the mail
    channel, for the mail commands (`args.mail_tools`), handed in by the entry point."""
    parser = UsageParser(
        prog="ticketty",
        parents=[shared_options(None)],
        description="A helpdesk that lives in the terminal.",
    )

    def app(args: argparse.Namespace) -> int:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise CommandError(
                "ticketty needs a terminal; use a subcommand for scripts", EXIT_USAGE
            )
        settings = settings_of(args)
        return open_app(settings.database, settings.username)

    parser.set_defaults(handler=app, mail_tools=mail_tools)
    commands = Commands(
        parser, "command", required=False, words=None if words is None else frozenset(words)
    )
    for noun in NOUNS:
        noun.register(commands)
    return parser


def _undecodable(argument: str) -> bool:
    """True for an argument whose bytes were not UTF-8 (Python keeps them as lone surrogates)."""
    return any("\udc80" <= ch <= "\udcff" for ch in argument)


def run(
    argv: Sequence[str] | None, open_app: AppOpener, mail_tools: MailTools | None = None
) -> int:
    """Parse, run the handler, and turn a refusal into one line and its exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if any(_undecodable(a) for a in arguments):
        return fail("an argument is not valid UTF-8 text", EXIT_USAGE)
    args = build_parser(open_app, arguments, mail_tools).parse_args(arguments)
    args.settings = build_settings(db=args.db, user=args.user)
    try:
        code: int = args.handler(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
    except KeyboardInterrupt:
        return fail("interrupted; nothing half-done was written", EXIT_INTERRUPTED)
    except BrokenPipeError:
        # The reader stopped early (`| head -1`): nothing more to say, and nowhere to say it.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except UnicodeError:
        return fail("the input is not valid UTF-8 text", EXIT_USAGE)
    except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:
        return fail(describe_failure(args.settings.database, exc), EXIT_DATABASE)
    except NoSuchPerson as exc:
        return fail(f"{exc}; name a person with --user (or TICKETTY_USER)", EXIT_PERSON)
    except NoChange as exc:  # already as asked: a script carries on
        print(one_line(str(exc)))
        return EXIT_OK
    except Exception as exc:
        known = exit_code_of(exc)
        if known is None:
            raise
        return fail(str(exc), known)
    return code
