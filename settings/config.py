"""Settings from a TOML file: `TICKETTY_CONFIG`, else `config.toml` in the user config folder.

```toml
allow_editor = true          # reply/note may open $EDITOR (never under SSH)

[keymap]                     # binding id = keys
"inbox.open" = "o,enter"

[mail]
attachment_limit_mb = 25     # larger attachments are listed on the ticket, not kept
flood_messages = 20          # more from one sender within flood_minutes go to quarantine
flood_minutes = 10           # (flood_messages = 0: no limit)
message_limit_mb = 50        # a larger message is quarantined by its size, unread
notify_from = "ticketty@shop.example"  # notifications are mailed from it (none: not mailed)

[sla]
warn_before = "1h"           # warn of a due time this much business time before it (serve, app)
```
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

import platformdirs

from access.durations import Duration, parse_duration
from access.errors import InvalidInput
from settings.layers import WARN_BEFORE, editor_allowed
from store.errors import EXIT_USAGE, TickettyError

MAX_MB = 1_000_000
"""The largest attachment limit (a terabyte): more is no limit, and a mistake."""


class ConfigError(TickettyError):
    """The config file cannot be read; the message names the file and the problem."""

    exit_code = EXIT_USAGE


class Config(NamedTuple):
    """The config file as read (a named tuple: a frozen dataclass cost the start more to
    define, bench/NOTES.md)."""

    keymap: Mapping[str, str] = MappingProxyType({})
    allow_editor: bool = True
    editor: str | None = None
    attachment_limit_mb: float = 25
    flood_messages: int = 20
    flood_minutes: float = 10
    message_limit_mb: float = 50
    notify_from: str = ""
    # [sla] warn_before: how long before a due time its warnings are made, in business time.
    sla_warn_before: Duration = WARN_BEFORE

    @property
    def attachment_limit_bytes(self) -> int:
        return int(self.attachment_limit_mb * 2**20)

    @property
    def message_limit_bytes(self) -> int:
        return int(self.message_limit_mb * 2**20)

    @property
    def editor_command(self) -> str | None:
        """The editor this file allows in the current environment (`layers.editor_allowed`)."""
        return editor_allowed(self, os.environ)


def config_path() -> Path:
    explicit = os.environ.get("TICKETTY_CONFIG")
    if explicit:
        return Path(explicit)
    return Path(platformdirs.user_config_dir("ticketty", appauthor=False)) / "config.toml"


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    if not path.exists():
        return Config()
    import tomllib  # only with a file to read: most starts have none

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in keymap.items()
    ):
        raise ConfigError(f"{path}: [keymap] maps binding ids to keys, both strings")
    editor = data.get("editor")
    mail = data.get("mail", {})
    limit = mail.get("attachment_limit_mb", 25) if isinstance(mail, dict) else None
    if isinstance(limit, bool) or not isinstance(limit, int | float) or not 0 <= limit <= MAX_MB:
        # `not 0 <= limit` also refuses nan; inf and 1e400 (read as inf) are above MAX_MB.
        raise ConfigError(
            f"{path}: [mail] attachment_limit_mb is a number of megabytes from 0 to {MAX_MB}"
        )
    flood = mail.get("flood_messages", 20) if isinstance(mail, dict) else None
    if isinstance(flood, bool) or not isinstance(flood, int) or flood < 0:
        raise ConfigError(f"{path}: [mail] flood_messages is a whole number of messages")
    minutes = mail.get("flood_minutes", 10) if isinstance(mail, dict) else None
    if isinstance(minutes, bool) or not isinstance(minutes, int | float) or not 0 < minutes < 1e6:
        raise ConfigError(f"{path}: [mail] flood_minutes is a number of minutes above zero")
    message_limit = mail.get("message_limit_mb", 50) if isinstance(mail, dict) else None
    if (
        isinstance(message_limit, bool)
        or not isinstance(message_limit, int | float)
        or not 0 < message_limit < 2**20
    ):
        raise ConfigError(f"{path}: [mail] message_limit_mb is a number of megabytes above 0")
    notify_from = mail.get("notify_from", "") if isinstance(mail, dict) else None
    if not isinstance(notify_from, str):
        raise ConfigError(f"{path}: [mail] notify_from is an e-mail address")
    return Config(
        sla_warn_before=_warn_before(path, data.get("sla", {})),
        notify_from=notify_from,
        attachment_limit_mb=limit,
        flood_messages=flood,
        flood_minutes=minutes,
        message_limit_mb=message_limit,
        keymap=dict(keymap),
        allow_editor=bool(data.get("allow_editor", True)),
        editor=editor if isinstance(editor, str) else None,
    )


def _warn_before(path: Path, sla: object) -> Duration:
    """`[sla] warn_before`, a business time such as "1h" or "30m"."""
    given = sla.get("warn_before", str(WARN_BEFORE)) if isinstance(sla, dict) else None
    if not isinstance(given, str):
        raise ConfigError(f'{path}: [sla] warn_before is a business time such as "1h"')
    try:
        return parse_duration(given)
    except InvalidInput as exc:
        raise ConfigError(f"{path}: [sla] warn_before: {exc}") from None
