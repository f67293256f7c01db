"""What the ticket screen adds for drafts and presence, apart from the screen itself: the
draft notice ("reply draft of 14:02 kept, r to continue"), the presence line ("ola is writing
a reply"), and saying where the person is as the screen opens, closes and writes.

The screen calls these hooks; each talks to the gate in a thread worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Static
from textual.worker import WorkType

from access.catalogue import TICKETS_VIEW
from access.drafts import DraftView
from access.live import Changes
from access.presence_states import LEFT, OPEN, PresenceView
from access.vocabulary import NOTE, REPLY
from tui.composer import Composed
from tui.drafts import DraftKeeper, drafts_line
from tui.presence import PresenceReader, presence_line
from wording.safe_text import as_text

if TYPE_CHECKING:
    from collections.abc import Callable

    from access.views import TicketDetail
    from tui.screen import TickettyScreen

NOTICE_ID = "draft-notice"
PRESENCE_ID = "presence"


def ticket_watch_lines() -> tuple[Static, Static]:
    """The two lines the screen composes: the draft notice and the presence line."""
    notice = Static("", id=NOTICE_ID, classes="changed")
    presence = Static("", id=PRESENCE_ID, classes="presence")
    notice.display = presence.display = False
    return notice, presence


class TicketWatch:
    """Drafts and presence of one ticket screen."""

    def __init__(self, screen: TickettyScreen[None], number: int) -> None:
        self.screen = screen
        self.number = number
        self.read_once = False  # the drafts were read, once the ticket was
        self.present = False  # the person is shown on the ticket to others
        self.others: list[PresenceView] = []
        self.reader: PresenceReader[list[PresenceView]] = PresenceReader(
            screen,
            screen.app.gate_call,
            lambda: screen.gate.presence.others_on(number),
            list,
            self._show_others,
        )

    @property
    def keeper(self) -> DraftKeeper:
        return self.screen.app.draft_keeper

    # ------------------------------------------------------------ the screen's hooks

    def loaded(self, detail: TicketDetail | None) -> None:
        """The ticket was read (None: it is gone for the person). The first time, say the
        person is here, offer their kept drafts and show who else is here."""
        if detail is None:
            self._say(LEFT)
            self.present = False
            return
        if self.read_once:
            return
        self.read_once = True
        self._read_drafts()
        if TICKETS_VIEW in detail.allowed:  # staff, not the requester reading their own
            self.present = True
            self._say(OPEN)
            self.reader.read()

    def others_changed(self, changes: Changes) -> None:
        if changes.presence and self.present:
            self.reader.read()

    def left(self) -> None:
        self._say(LEFT)

    def writing(self, kind: str) -> Callable[[str], None]:
        """The composer opened on `kind`: say so; what it calls as the person types."""
        self._say(kind)
        return lambda text: self.keeper.typed((self.number, kind), text)

    def composed(self, kind: str, composed: Composed | None) -> None:
        """The composer closed: keep the text unless it is being sent (the send deletes the
        draft in its own transaction), and say the person only reads now."""
        self._say(OPEN)
        if composed is not None and not composed.send:
            self.keeper.closed((self.number, kind), composed.text)
        self.show_notice()

    def show_notice(self, drafts: list[DraftView] | None = None) -> None:
        """Say which drafts the person keeps on this ticket (those read from the database
        with their time; those of this session as kept)."""
        held = [kind for kind in (REPLY, NOTE) if (self.number, kind) in self.keeper.texts]
        if drafts is None:
            text = " · ".join(f"your {kind} is kept" for kind in held)
        else:
            text = drafts_line(drafts)
        line = self.screen.query_one(f"#{NOTICE_ID}", Static)
        line.update(as_text(text, "bold"))
        line.display = bool(text)

    # ------------------------------------------------------------ inside

    def _say(self, state: str) -> None:
        presence = self.screen.app.presence
        if presence is not None and (self.present or state == LEFT):
            presence.announce(self.number, state)

    def _read_drafts(self) -> None:
        work: WorkType[None] = self.offer_drafts
        self.screen.run_worker(work, name="read drafts", group="drafts", exit_on_error=False)

    async def offer_drafts(self) -> None:
        """Read the person's drafts on the ticket, take those the session does not hold, and
        say which are kept."""
        drafts = await self.screen.app.gate_call(
            lambda: self.screen.gate.drafts.drafts_on(self.number)
        )
        self.show_notice(self.keeper.restore(drafts, self.number))

    def _show_others(self, others: list[PresenceView]) -> None:
        self.others = others
        line = self.screen.query_one(f"#{PRESENCE_ID}", Static)
        line.update(as_text(presence_line(others), "italic"))
        line.display = bool(others)
