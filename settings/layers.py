"""One frozen `Settings`, built once at start from the four layers, later ones winning: the
defaults, the config file (`settings.config`), the environment, the command line's flags.
The command line builds it before running a command and hands it to the command; the app is
handed its own, with the config file read (scripts never read the file, so a broken file does
not stop them)."""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from access.durations import Duration
from store.locations import default_database_location

if TYPE_CHECKING:
    from settings.config import Config

_MB = 2**20
# How long before a due time a warning is made (`[sla] warn_before`), in business time.
WARN_BEFORE = Duration(0, 60)
_SSH_VARIABLES = ("SSH_CONNECTION", "SSH_ORIGINAL_COMMAND", "SSH_TTY")


class Settings(NamedTuple):
    """Everything that can be configured, resolved. A field's default is its default layer.
    A named tuple: a frozen dataclass cost the start more to define (bench/NOTES.md)."""

    # Where the helpdesk is: `--db`, else TICKETTY_DB, else the file in the user data folder.
    database: str = ""
    # Who acts: `--user`, else TICKETTY_USER, else the login name.
    username: str = ""
    # The config file's [keymap]: binding id to keys.
    keymap: Mapping[str, str] = MappingProxyType({})
    # The editor a reply or note may open, or None where none may be (`editor_allowed`).
    editor: str | None = None
    # The config file's [mail] limits.
    attachment_limit_bytes: int = 25 * _MB
    message_limit_bytes: int = 50 * _MB
    flood_messages: int = 20
    flood_minutes: float = 10
    # Whether the app runs under SSH (notifications ring no bell there unless the person asks),
    # and inside tmux (a desktop notification then passes through it).
    over_ssh: bool = False
    in_tmux: bool = False
    term: str = ""  # $TERM: which desktop notification the terminal understands
    # The config file's [sla] warn_before: the app warns of a due time this much before it.
    sla_warn_before: Duration = WARN_BEFORE


def under_ssh(environ: Mapping[str, str]) -> bool:
    return any(key in environ for key in _SSH_VARIABLES)


def editor_allowed(config: Config, environ: Mapping[str, str]) -> str | None:
    """The editor to open for long text, or None where it must not be reachable: under SSH
    a forced command must not lead to a shell (vim's `:!`), and a client's EDITOR is never
    trusted."""
    if not config.allow_editor or under_ssh(environ):
        return None
    return config.editor or environ.get("VISUAL") or environ.get("EDITOR")


def _login_name() -> str:
    """The login name, or "" where there is none to find (no such person acts then)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""


def build_settings(
    *,
    db: str | None = None,
    user: str | None = None,
    config: Config | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """The settings of this start: the flags `db` and `user` (None: not given), the config
    file's `config` (None: not read, its fields keep their defaults), the environment."""
    environ = os.environ if environ is None else environ
    database = db or environ.get("TICKETTY_DB") or default_database_location()
    username = user or environ.get("TICKETTY_USER") or _login_name()
    terminal = Settings(
        over_ssh=under_ssh(environ), in_tmux=bool(environ.get("TMUX")), term=environ.get("TERM", "")
    )
    if config is None:
        return terminal._replace(database=database, username=username)
    return terminal._replace(
        database=database,
        username=username,
        keymap=MappingProxyType(dict(config.keymap)),
        editor=editor_allowed(config, environ),
        attachment_limit_bytes=config.attachment_limit_bytes,
        message_limit_bytes=config.message_limit_bytes,
        flood_messages=config.flood_messages,
        flood_minutes=config.flood_minutes,
        sla_warn_before=config.sla_warn_before,
    )
