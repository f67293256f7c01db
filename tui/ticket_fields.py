"""Setting one of a ticket's custom fields from the ticket screen (`e`): pick the field, type
its value ("" clears it), apply it as a ticket change."""

from __future__ import annotations

from textual import work

from tui.ticket_changes import apply_change
from tui.ticket_composing import TicketComposingScreen
from tui.widgets import PickerModal, PromptModal


class TicketFieldEditing(TicketComposingScreen):
    """The field editing action of the ticket screen (`screens.ticket_detail`), whose table
    binds its key."""

    def action_edit_field(self) -> None:
        self.edit_field()

    @work(group="ticket-change", exit_on_error=False)
    async def edit_field(self) -> None:
        """Pick one of the ticket's custom fields, type its value ("" clears it), apply."""
        if self.detail is None:
            return
        fields = self.detail.ticket_fields
        if not fields:
            self.notify("tickets have no custom fields (ticketty fields add)")
            return
        choices = [(f.name, f"{f.name}: {f.value or '-'}") for f in fields]
        name: str | None = await self.app.asked(PickerModal("Set the field", choices))
        if name is None:
            return
        current = next(f.value for f in fields if f.name == name)
        value = await self.app.asked(PromptModal(f"{name} (empty: none)", current))
        if value is None:
            return
        versions = {self.number: self.version} if self.version is not None else {}
        done = await apply_change(
            self, "field", [self.number], f"{name}={value}", versions=versions, preview=False
        )
        if done is not None:
            self.load(tell=False)
