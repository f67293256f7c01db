"""What every command prints: tables, JSON, the one line of a failure, and the exit codes."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from access import AccessError, Conflict, UnknownPerson
from store.db import DatabaseError
from tui.safe_text import one_line

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_DATABASE = 3
EXIT_PERSON = 4
EXIT_CONFLICT = 5
EXIT_INTERRUPTED = 130


class CommandError(Exception):
    """A refusal of the command line itself (not the gate's), with its exit code."""

    def __init__(self, message: str, code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.code = code


_EXIT_CODES: tuple[tuple[type[Exception], int], ...] = (
    (UnknownPerson, EXIT_PERSON),
    (Conflict, EXIT_CONFLICT),
    (AccessError, EXIT_REFUSED),
    (DatabaseError, EXIT_DATABASE),
)


def exit_code_of(exc: Exception) -> int | None:
    """The exit code of a refusal, bad input or database error; None for anything else (a bug,
    which should show its traceback)."""
    if isinstance(exc, CommandError):
        return exc.code
    return next((code for kind, code in _EXIT_CODES if isinstance(exc, kind)), None)


def print_json(value: Any) -> None:
    """JSON escapes control characters itself, so people's text is safe in it as it is."""
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def print_table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> None:
    """Columns padded to their widest cell; every cell on one line, made safe."""
    cells = [[one_line(str(c)) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def fail(message: str, code: int) -> int:
    """One line on stderr; the exit code to return."""
    print(f"ticketty: {one_line(message)}", file=sys.stderr)
    return code
