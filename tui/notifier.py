"""Notifications in the app: the unread count in every screen's header, a toast as one
arrives, and, as the person's settings say, the terminal's bell and a desktop notification.

Nothing here polls. The live watcher (`tui.live`) reads the count with the change it was woken
for, only when others changed tickets, so an idle session asks nothing more than before; when
the newest notification moved past the one known, the new ones are read once and told.

The desktop notification is OSC 9 (`ESC ] 9 ; text BEL`: iTerm2, WezTerm, kitty, Windows
Terminal, ...), or OSC 777 (`ESC ] 777 ; notify ; title ; text BEL`) in foot, written through
the Textual driver as its bell is; inside tmux it is wrapped to pass through to the outer
terminal. Its text has every control character taken out, so nothing typed by anyone becomes
an escape sequence.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from wording.safe_text import one_line

if TYPE_CHECKING:
    from access.notifications import NotificationView, Summary
    from access.notify_settings import Settings
    from tui.app import TickettyApp

MOST_TOASTS = 3  # toasts at once; more arriving together are counted in the last
_CONTROLS = "[\x00-\x1f\x7f-\x9f]"
_LONGEST = 200


def terminal_text(text: str) -> str:
    """`text` with no control character (ESC, BEL, ...) and at most `_LONGEST` characters."""
    return re.sub(_CONTROLS, " ", text)[:_LONGEST]


def desktop_sequence(title: str, body: str, *, term: str = "", tmux: bool = False) -> str:
    """The escape that raises a desktop notification in the terminal (see the module)."""
    title, body = terminal_text(title), terminal_text(body)
    if term.startswith("foot"):
        sequence = f"\x1b]777;notify;{title.replace(';', ',')};{body}\x07"
    else:
        sequence = f"\x1b]9;{title}: {body}\x07"
    if tmux:  # tmux's passthrough: its escape doubled inside a DCS
        sequence = "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"
    return sequence


def wanted(setting: str, over_ssh: bool) -> bool:
    """Whether a bell or desktop setting (auto, on, off) rings here: auto only outside SSH."""
    from access.notify_settings import AUTO, ON

    return setting == ON or (setting == AUTO and not over_ssh)


class Notifier:
    """The session's notifications as the app shows them."""

    def __init__(self, app: TickettyApp) -> None:
        self.app = app
        self.unread = 0
        self.newest = 0  # the newest notification the person was told of
        self.known = False  # whether the count was read once

    def title_suffix(self) -> str:
        return f"{self.unread} unread" if self.unread else ""

    def counted(self, summary: Summary) -> int | None:
        """A new count; the id after which notifications arrived to be told, or None."""
        first = not self.known
        self.known = True
        self.unread = summary.unread
        after = self.newest
        self.newest = max(self.newest, summary.newest)
        if first or summary.newest <= after:
            return None
        return after

    def read_locally(self, count: int) -> None:
        """The person marked `count` notifications read in this session."""
        self.unread = max(0, self.unread - count)

    def tell(self, arrived: list[NotificationView], settings: Settings) -> None:
        """Toast what arrived, newest last, and ring as the settings say (not in quiet
        hours). The wording is loaded with the first notification told, not at start."""
        from wording.notification_text import notification_sentence

        if not arrived:
            return
        shown = list(reversed(arrived[:MOST_TOASTS]))
        for view in shown:
            self.app.notify(f"{notification_sentence(view)}: {one_line(view.subject)}")
        if len(arrived) > MOST_TOASTS:
            self.app.notify(f"and {len(arrived) - MOST_TOASTS} more notifications")
        now = self.app.clock()
        if settings.quiet_now(now):
            return
        over_ssh = self.app.settings.over_ssh
        if wanted(settings.bell, over_ssh):
            self.app.bell()
        if wanted(settings.desktop, over_ssh):
            newest = arrived[0]
            self.app.write_to_terminal(
                desktop_sequence(
                    "Ticketty",
                    f"{notification_sentence(newest)}: {newest.subject}",
                    term=self.app.settings.term,
                    tmux=self.app.settings.in_tmux,
                )
            )
