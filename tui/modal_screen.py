"""The base of Ticketty's modal screens that talk to the gate (`tui.screen` has the full
screens' and the action table), apart so that the start, which opens none, does not set up
its class."""

from __future__ import annotations

from textual.screen import ModalScreen

from tui.screen import GateAccess, ResultType


class TickettyModal(ModalScreen[ResultType], GateAccess[ResultType]):
    """A modal screen of Ticketty that talks to the gate.

    ModalScreen comes first: Textual takes a screen's CSS (the dimmed backdrop) along its first
    base."""
