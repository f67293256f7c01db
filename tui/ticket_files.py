"""A ticket's files from the ticket screen: `o` opens one (`open_attachment_flow`), `w` saves
one (`save_attachment_flow`), offered while the ticket has a file whose bytes were kept."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual import work

from access.views import TicketDetail
from tui.screen import TickettyScreen
from tui.ticket_attachments import kept_attachments, open_attachment_flow, save_attachment_flow
from tui.ticket_composing import TicketComposingScreen

Flow = Callable[[TickettyScreen[None], TicketDetail], Awaitable[None]]


class TicketFiles(TicketComposingScreen):
    """The file actions of the ticket screen (`screens.ticket_detail`), whose table binds their
    keys."""

    def has_files(self) -> bool:
        return self.detail is not None and bool(kept_attachments(self.detail))

    def action_open_attachment(self) -> None:
        if self.detail is not None:
            self.file_flow(open_attachment_flow, self.detail)

    def action_save_attachment(self) -> None:
        if self.detail is not None:
            self.file_flow(save_attachment_flow, self.detail)

    @work(group="detail-save", exit_on_error=False)
    async def file_flow(self, flow: Flow, detail: TicketDetail) -> None:
        await flow(self, detail)
