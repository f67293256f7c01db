"""Under SSH, Ticketty runs in an environment the agent at the other end cannot steer.

Agents share one service account, each key pinned by a forced command that opens the app as one
person. Whatever
names sshd's `AcceptEnv` lets through, a variable the client sends must not change what the
program is: `PYTHONINSPECT` would leave a Python prompt as the service account after `q`,
`PYTHONPATH` or `PYTHONSTARTUP` would load other code, `TICKETTY_*` would pick the database, the
person or the config file, `EDITOR` a program to run, `TEXTUAL` a devtools connection. So a
session under SSH starts itself again at once, before anything else is read, as an isolated
interpreter (`python -I`: no `PYTHON*` variable, no user site, no current folder on the path)
with only the variables a terminal needs. The account's own name and home come from the
password database, not from the environment. Settings are given on the forced command line.
"""

from __future__ import annotations

import os
import pwd
import re
import sys
from collections.abc import Mapping, Sequence

SSH_MARKERS = ("SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY", "SSH_ORIGINAL_COMMAND")
KEPT = ("TERM", "COLORTERM", "LANG", "LANGUAGE", "SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY")
KEPT_PREFIXES = ("LC_",)
SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"
_PLAIN_VALUE = r"[A-Za-z0-9_.,:@/+= -]{0,200}"


def under_ssh(environ: Mapping[str, str]) -> bool:
    return any(name in environ for name in SSH_MARKERS)


def sealed_environment(environ: Mapping[str, str], uid: int) -> dict[str, str]:
    """What a session under SSH keeps: the terminal's and the locale's variables when their
    values are plain, the SSH connection's markers, and the account's identity from the
    password database."""
    kept = {
        name: value
        for name, value in environ.items()
        if (name in KEPT or name.startswith(KEPT_PREFIXES)) and re.fullmatch(_PLAIN_VALUE, value)
    }
    account = pwd.getpwuid(uid)
    kept.update(HOME=account.pw_dir, USER=account.pw_name, LOGNAME=account.pw_name, PATH=SAFE_PATH)
    return kept


def is_sealed(environ: Mapping[str, str], isolated: bool, uid: int) -> bool:
    return isolated and dict(environ) == sealed_environment(environ, uid)


def seal_under_ssh(arguments: Sequence[str]) -> None:
    """Under SSH and not yet sealed: replace this process by the same command, isolated, in
    the sealed environment. Returns only when there is nothing to do."""
    environ, uid = os.environ, os.getuid()
    if not under_ssh(environ) or is_sealed(environ, bool(sys.flags.isolated), uid):
        return
    command = [sys.executable, "-I", "-m", "ticketty", *arguments]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, command, sealed_environment(environ, uid))
