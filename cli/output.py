"""What every command prints: tables, JSON, the one line of a failure, and the exit codes."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from store.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_CONFLICT,
    EXIT_DATABASE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PERSON,
    EXIT_REFUSED,
    EXIT_USAGE,
    TickettyError,
)
from wording.safe_text import one_line

Record = TypeVar("Record")

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_CONFLICT",
    "EXIT_DATABASE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_PERSON",
    "EXIT_REFUSED",
    "EXIT_USAGE",
    "CommandError",
    "bounded_int",
    "exit_code_of",
    "fail",
    "plain",
    "print_csv",
    "print_json",
    "print_listing",
    "print_table",
    "to_json",
    "yes_no",
]


class CommandError(TickettyError):
    """A refusal of the command line itself (not the gate's), with its exit code."""

    def __init__(self, message: str, code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.exit_code = code


def exit_code_of(exc: Exception) -> int | None:
    """The exit code an error of Ticketty's own carries (a refusal, bad input, a database or
    config error); None for anything else (a bug, which should show its traceback)."""
    return exc.exit_code if isinstance(exc, TickettyError) else None


# Characters JSON leaves raw that a terminal acts on or that reorder text: DEL, the C1 controls
# (U+009B starts an escape sequence like ESC [), and the bidi embeddings, overrides and isolates.
_UNSAFE_IN_JSON = "[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"


def to_json(value: Any) -> str:
    """JSON with every control and bidi character escaped (`\\u009b`), so piping it to a
    terminal is as safe as the plain output. Outside strings JSON has none, so escaping them
    wherever they stand keeps it valid."""
    text = json.dumps(value, ensure_ascii=False, indent=2, default=str)
    return re.sub(_UNSAFE_IN_JSON, lambda m: f"\\u{ord(m.group()):04x}", text)


def plain(value: Any) -> Any:
    """A gate's record as JSON data: each record (a named tuple) an object by field, nested
    ones too, other tuples lists; anything else as it is."""
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return {name: plain(item) for name, item in value._asdict().items()}
    if isinstance(value, tuple | list):
        return [plain(item) for item in value]
    return value


def print_json(value: Any) -> None:
    print(to_json(value))


def bounded_int(text: str) -> int:
    """An argparse type: an integer a database column can hold (64 bits, signed). argparse is
    imported as it is used: the app's start reads this module without the parser."""
    import argparse

    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not -(2**63) <= number < 2**63:
        raise argparse.ArgumentTypeError(f"{text} is too large")
    return number


def print_table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> None:
    """Columns padded to their widest cell; every cell on one line, made safe."""
    cells = [[one_line(str(c)) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def print_listing(
    as_json: bool,
    records: Iterable[Record],
    headers: Sequence[str],
    cells: Callable[[Record], Sequence[str]],
    json_of: Callable[[Record], Any] = plain,
) -> int:
    """What a `list` command prints: every record as JSON (`--json`), otherwise a table of
    each record's cells."""
    if as_json:
        print_json([json_of(record) for record in records])
    else:
        print_table([cells(record) for record in records], headers)
    return EXIT_OK


def print_csv(rows: Iterable[Sequence[object]], headers: Sequence[str]) -> None:
    """Comma-separated values with a header line; every cell on one line, made safe (a
    spreadsheet shows control characters no better than a terminal does)."""
    import csv  # the CSV output alone

    writer = csv.writer(sys.stdout, lineterminator="\n")
    for row in [headers, *rows]:
        writer.writerow(["" if cell is None else one_line(str(cell)) for cell in row])


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def fail(message: str, code: int) -> int:
    """One line on stderr; the exit code to return."""
    print(f"ticketty: {one_line(message)}", file=sys.stderr)
    return code
