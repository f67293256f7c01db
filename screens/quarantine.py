"""One source's quarantine: the messages that could not be taken in, kept whole with the
reason; each can be taken in again (after a fix), and leaves the list when that works, or be
discarded for good."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work

from access.catalogue import SOURCES_EDIT
from access.views import QuarantineView
from tui.listing import ListingScreen, pairs
from tui.screen import Action
from wording.safe_text import one_line

if TYPE_CHECKING:
    from access.inbound import MailReading


class QuarantineScreen(ListingScreen):
    COLUMNS = ("Id", "Received", "Size", "Reason")
    WATCHES = ("quarantine",)
    ACTIONS: ClassVar[tuple[Action, ...]] = (
        Action("r", "retry", "Retry", "quarantine.retry", SOURCES_EDIT),
        Action("d", "discard", "Discard", "quarantine.discard", SOURCES_EDIT),
    )

    def __init__(self, source: str) -> None:
        super().__init__()
        self.source = source
        self.TITLE_TEXT = f"Quarantine of {source}"

    def key_of(self, record: QuarantineView) -> str:
        return str(record.id)

    def fetch(self) -> list[QuarantineView]:
        return self.gate.mailboxes.quarantined(self.source)

    def cells(self, record: QuarantineView) -> Sequence[str]:
        return (
            str(record.id),
            f"{record.received_at:%Y-%m-%d %H:%M}",
            f"{record.size} bytes",
            record.reason,
        )

    def describe(self, record: QuarantineView) -> Text:
        return pairs(
            [
                ("Source", record.source),
                ("From", record.origin),
                ("Received", f"{record.received_at:%Y-%m-%d %H:%M}"),
                ("Size", f"{record.size} bytes"),
                ("Reason", record.reason),
            ],
            f"Message {record.id}",
        )

    def action_retry(self) -> None:
        held = self.current
        if held is None:
            return
        if self.app.mail_reading is None:
            self.notify("taking mail in needs the mail channel, not started here", severity="error")
            return
        self.retry_message(held, self.app.mail_reading())

    @work(group="quarantine-change", exit_on_error=False)
    async def retry_message(self, held: QuarantineView, reading: MailReading) -> None:
        """Take the message in again and say what became of it."""
        taken = await self.app.gate_call(
            lambda: self.gate.mailboxes.retry_quarantined(held.id, reading)
        )
        if taken.outcome == "quarantined":
            self.notify(one_line(f"still in quarantine: {taken.detail}"), severity="warning")
        else:
            where = f" #{taken.ticket}" if taken.ticket else ""
            self.notify(one_line(f"message {held.id}: {taken.outcome}{where}"))
        self.reload()

    def action_discard(self) -> None:
        if self.current is not None:
            self.discard_message(self.current)

    @work(group="quarantine-change", exit_on_error=False)
    async def discard_message(self, held: QuarantineView) -> None:
        question = f"Discard message {held.id} from {held.origin}? Its mail is deleted for good."
        if await self.asked_yes(question):
            await self.changed(
                lambda: self.gate.mailboxes.discard_quarantined(held.id),
                f"message {held.id} discarded",
            )
