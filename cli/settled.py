"""How a command's run ends: its exit code, or a refusal turned into one line and its code.

Apart from the parser (`cli.command_line`), and the error classes of peewee, SQLite and the store
looked up only when an error comes: the app's start (`cli.app_path`) ends this way too, without
loading them before its first frame."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from access.errors import NoChange, NoSuchPerson
from cli.output import (
    EXIT_BROKEN_PIPE,
    EXIT_DATABASE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PERSON,
    EXIT_USAGE,
    exit_code_of,
    fail,
)
from wording.safe_text import one_line


def settled(call: Callable[[], int], database: str) -> int:
    """`call()`'s exit code; a refusal, a database error (on `database`), an interruption or a
    closed pipe as one line and its code. The thread's database connection is closed after."""
    try:
        code = call()
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
    except Exception as exc:
        if is_driver_error(exc):
            from store.db import describe_failure

            return fail(describe_failure(database, exc), EXIT_DATABASE)
        if isinstance(exc, NoSuchPerson):
            return fail(f"{exc}; name a person with --user (or TICKETTY_USER)", EXIT_PERSON)
        if isinstance(exc, NoChange):  # already as asked: a script carries on
            print(one_line(str(exc)))
            return EXIT_OK
        known = exit_code_of(exc)
        if known is None:
            raise
        return fail(str(exc), known)
    finally:
        close_thread_connection()
    return code


def is_driver_error(exc: Exception) -> bool:
    """A peewee or SQLite database error: neither can be raised before its module is loaded."""
    kinds = tuple(
        module.DatabaseError
        for module in (sys.modules.get("peewee"), sys.modules.get("sqlite3"))
        if module is not None
    )
    return isinstance(exc, kinds)


def close_thread_connection() -> None:
    """The command's gate's connection on this thread, not left for the collector; none was
    opened before the models were loaded."""
    if "store.models" in sys.modules:
        from access.database import close_thread_connection as close

        close()
