"""The root of every error Ticketty raises on purpose, and the exit code each kind ends a
command with. It lives at the bottom of the layers so that the store, the gate, the settings
and the command line all derive their errors from it; the command line maps an error to its
exit code by `exit_code` alone (`cli.output.exit_code_of`). Anything else that reaches the top
is a bug and shows its traceback."""

from __future__ import annotations

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_DATABASE = 3
EXIT_PERSON = 4
EXIT_CONFLICT = 5
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # as a shell reports a command ended by SIGPIPE


class TickettyError(Exception):
    """An error meant for a person: its message is one sentence they can act on, and
    `exit_code` is what a command that ends on it returns."""

    exit_code: int = EXIT_REFUSED
