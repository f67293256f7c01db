"""One ticket: its fields, its group's custom fields, and the conversation with customer
messages, replies and internal notes told apart. Actions follow what the gate allows on it.

The fields stay in place above the conversation, which scrolls by keys and follows new
messages while it is at its end. A reply or note is written beside the conversation (side by
side from 120 columns; narrower, one key switches between the two).

The screen follows others' changes (`tui.live`) and says what changed since it was last read.
A reply or note is never lost: it is saved as a draft as it is typed (`tui.ticket_watch`),
closing the composer keeps it, and a send that a change made wrong keeps it too, to be sent
again with one key. The screen also says who else has the ticket open or writes on it.
"""

from __future__ import annotations

from contextlib import suppress
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Static

from access import NotFound
from access.catalogue import (
    AUDIT_VIEW,
    TICKETS_ASSIGN,
    TICKETS_CHANGE_GROUP,
    TICKETS_CHANGE_STATUS,
    TICKETS_CLOSE,
    TICKETS_MERGE,
    TICKETS_NOTE,
    TICKETS_REPLY,
    TICKETS_SET_FIELDS,
    TICKETS_TAG,
    TICKETS_TAKE,
    TICKETS_VIEW,
    TICKETS_VIEW_CONTACT,
)
from access.views import (
    HAND_BACK,
    REQUESTER_MESSAGE,
    MessageView,
    ReplyRoute,
    TicketDetail,
    TicketQuery,
)
from access.vocabulary import FAILED, NOTE, REPLY
from tui.audit_text import history_text
from tui.due_calendars import CalendarsRead
from tui.footer import KeyFooter
from tui.gate_funnel import GateCallFailed
from tui.header import TitleBar
from tui.live import OthersChanged
from tui.macro_apply import apply_macro
from tui.screen import Action
from tui.sla_text import explanation_text
from tui.ticket_changes import apply_change, choose_value
from tui.ticket_fields import TicketFieldEditing
from tui.ticket_files import TicketFiles
from tui.ticket_linking import TicketLinking
from tui.ticket_text import fields_text, what_changed
from tui.ticket_watch import ticket_watch_lines
from tui.widgets import PickerModal, TextModal
from wording.safe_text import as_text, one_line


class TicketDetailScreen(TicketLinking, TicketFieldEditing, TicketFiles):
    # Each action shows when its permission counts on this ticket.
    ACTIONS: ClassVar[tuple[Action, ...]] = (
        Action("escape", "back", "Back", "detail.back"),
        Action("ctrl+t", "switch_view", "Conversation/text", "detail.switch"),
        Action("ctrl+o", "quote", "Quote customer", "detail.quote"),
        Action("ctrl+g", "canned", "Canned reply", "detail.canned", TICKETS_REPLY, show=False),
        Action("r", "reply", "Reply", "detail.reply", TICKETS_REPLY),
        Action("N", "note", "Note", "detail.note", TICKETS_NOTE),
        Action("t", "take", "Take", "detail.take", TICKETS_TAKE),
        Action("a", "assign", "Assign", "detail.assign", TICKETS_ASSIGN),
        Action("m", "move", "Move", "detail.move", TICKETS_CHANGE_GROUP),
        Action("s", "status", "Status", "detail.status", TICKETS_CHANGE_STATUS),
        Action("p", "priority", "Priority", "detail.priority", TICKETS_CHANGE_STATUS, show=False),
        Action("c", "close", "Close", "detail.close", TICKETS_CLOSE),
        Action("M", "merge", "Merge into…", "detail.merge", TICKETS_MERGE, show=False),
        Action("L", "link", "Link", "detail.link", TICKETS_NOTE, show=False),
        Action("U", "unlink", "Unlink", "detail.unlink", TICKETS_NOTE, show=False),
        Action("C", "copies", "Copies (Cc)", "detail.copies", TICKETS_VIEW_CONTACT, show=False),
        Action("l", "tag", "Tags", "detail.tag", TICKETS_TAG, show=False),
        Action("z", "macro", "Macro", "detail.macro", TICKETS_VIEW, show=False),
        Action("e", "edit_field", "Fields", "detail.field", TICKETS_SET_FIELDS, show=False),
        Action("ctrl+s", "send_kept", "Send kept text", "detail.send_kept"),
        Action("D", "discard_draft", "Discard draft", "detail.discard_draft", show=False),
        Action("S", "resend", "Send failed reply again", "detail.resend", TICKETS_REPLY),
        Action("ctrl+r", "reload", "Reload", "detail.reload", show=False),
        Action("h", "history", "History", "detail.history", AUDIT_VIEW, show=False),
        Action("y", "why_due", "Why due then", "detail.why_due", show=False),
        Action("f", "follow", "Follow/unfollow", "detail.follow", TICKETS_VIEW, show=False),
        Action("o", "open_attachment", "Open file", "detail.open_file", TICKETS_VIEW),
        Action("w", "save_attachment", "Save attachment", "detail.save", TICKETS_VIEW, show=False),
        Action("T", "requester_tickets", "Requester's tickets", "detail.requester", show=False),
        Action("j,down", "scroll_down", "Down", "detail.down", show=False),
        Action("k,up", "scroll_up", "Up", "detail.up", show=False),
        Action("pagedown", "page_down", "Page down", "detail.page_down", show=False),
        Action("pageup", "page_up", "Page up", "detail.page_up", show=False),
        Action("g,home", "first", "Top", "detail.top", show=False),
        Action("G,end", "last", "End", "detail.end", show=False),
    )

    class Loaded(Message):
        """The ticket was read (`detail`), or reading it was refused (`refused` says why;
        `gone` when the ticket no longer exists for the person). With `tell`, the screen says
        what differs from what it showed."""

        def __init__(
            self,
            detail: TicketDetail | None,
            refused: str = "",
            *,
            tell: bool = True,
            gone: bool = False,
            route: ReplyRoute | None = None,
            signature: str = "",
        ) -> None:
            super().__init__()
            self.detail = detail
            self.refused = refused
            self.tell = tell
            self.gone = gone
            self.route = route  # where a reply goes, when the person may reply
            self.signature = signature  # what a reply leaves with, when it may

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static("", id="changed", classes="changed")
        yield from ticket_watch_lines()
        yield Static("Loading…", id="fields", classes="fields")
        with Horizontal(id="ticket-body"):
            yield self.conversation
            yield self.composer
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = f"Ticket #{self.number}"
        self._arrange()
        self.load()

    @work(group="detail", exclusive=True, exit_on_error=False)
    async def load(self, tell: bool = True) -> None:
        """Read the ticket again; with `tell`, say what differs from what was shown."""

        def read_ticket() -> tuple[TicketDetail, ReplyRoute | None, str]:
            detail = self.gate.tickets.get_ticket(self.number)
            if TICKETS_REPLY not in detail.allowed:
                return detail, None, ""
            route = self.gate.tickets.reply_route(self.number)
            return detail, route, self.gate.signatures.signature_for(self.number)

        try:
            detail, route, signature = await self.app.gate_funnel.run(read_ticket)
        except Exception as exc:  # shown to the person, never a crash
            gone = isinstance(exc, NotFound)
            error = self.app.failure_text(exc, read_ticket)
            self.post_message(self.Loaded(None, error, tell=tell, gone=gone))
            return
        self.post_message(self.Loaded(detail, tell=tell, route=route, signature=signature))

    def on_unmount(self) -> None:
        self.ticket_watch.left()

    def on_others_changed(self, message: OthersChanged) -> None:
        changes = message.changes
        self.ticket_watch.others_changed(changes)
        if (
            self.number in changes.tickets
            or changes.touches("usergroup", "field", "source")
            or changes.grants_may_differ
        ):
            self.load()

    def action_reload(self) -> None:
        self.load()

    def _say_changed(self, text: str) -> None:
        self.changed_text = text
        line = self.query_one("#changed", Static)
        line.update(as_text(text, "bold"))
        line.display = bool(text)

    def on_ticket_detail_screen_loaded(self, message: Loaded) -> None:
        if message.detail is None:
            if message.gone:
                self.detail = None
                self.ticket_watch.loaded(None)
                self._say_changed(f"#{self.number} was deleted or is no longer yours to see")
                self.refresh_bindings()
            self.notify(one_line(message.refused), severity="error", timeout=6)
            return
        if not message.tell:
            self._say_changed("")
        elif self.detail is not None:
            what = what_changed(self.detail, message.detail)
            if what:
                self._say_changed(f"Changed meanwhile: {what}")
        detail = self.detail = message.detail
        self.route, self.signature = message.route, message.signature
        self._say_route()
        self.title = f"#{detail.row.number} {one_line(detail.row.subject)}"
        self._show_fields(detail)
        self.conversation.show(detail.messages)
        self.ticket_watch.loaded(detail)
        self.refresh_bindings()

    def _show_fields(self, detail: TicketDetail) -> None:
        """The fields, the due line counted in the calendar of the ticket's policy."""
        policy = detail.row.sla_policy
        calendar = None if policy is None else self.app.due_calendars.by_policy.get(policy)
        self.query_one("#fields", Static).update(fields_text(detail, self.app.clock(), calendar))

    def on_calendars_read(self, _: CalendarsRead) -> None:
        if self.detail is not None:
            self._show_fields(self.detail)

    @property
    def shown(self) -> dict[int, tuple[MessageView, Static]]:
        """The messages shown, by id, with their widgets."""
        return self.conversation.shown

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "send_kept":
            needed = TICKETS_REPLY if self.kept == REPLY else TICKETS_NOTE
            return self.kept is not None and self.allows(needed) and not self.composer.is_open
        if action == "discard_draft":
            return any((self.number, kind) in self.drafts for kind in (REPLY, NOTE))
        if action == "resend":
            return bool(self._failed_replies()) and self.allows(TICKETS_REPLY)
        if action == "switch_view":
            return self.composer.is_open
        if action == "quote":
            return self.composer.is_open and self._last_customer_message() is not None
        if action == "open_attachment" and not self.has_files():
            return False  # out of the footer on a ticket with no file to open
        if self.composer.has_focus_within and action in self.WHILE_TYPING_HIDDEN:
            return False  # typed into the text, not theirs while writing: out of the footer
        if self.composer.is_open and action in ("reply", "note"):
            return False  # one text at a time; reading beside it, ctrl+t goes back to it
        return super().check_action(action, parameters)

    def allows(self, permission: str) -> bool:
        """What counts on this ticket; nothing before it is read. The audit trail needs
        `audit.view`, which is no ticket permission."""
        if permission == AUDIT_VIEW:
            return self.can(AUDIT_VIEW)
        if self.detail is None:
            return False
        if permission == TICKETS_REPLY and REQUESTER_MESSAGE in self.detail.allowed:
            return True
        if permission == TICKETS_ASSIGN and HAND_BACK in self.detail.allowed:
            return True  # to nobody: the picker offers only that without the right to assign
        return permission in self.detail.allowed

    # ------------------------------------------------------------- actions

    def action_scroll_down(self) -> None:
        self.conversation.scroll_relative(y=1, animate=False)

    def action_scroll_up(self) -> None:
        self.conversation.scroll_relative(y=-1, animate=False)

    def action_page_down(self) -> None:
        self.conversation.scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        self.conversation.scroll_page_up(animate=False)

    def action_first(self) -> None:
        self.conversation.scroll_home(animate=False)

    def action_last(self) -> None:
        self.conversation.scroll_end(animate=False)

    def _failed_replies(self) -> list[MessageView]:
        messages = self.detail.messages if self.detail is not None else ()
        return [m for m in messages if m.delivery == FAILED]

    def action_resend(self) -> None:
        self.resend_failed()

    @work(group="ticket-change", exit_on_error=False)
    async def resend_failed(self) -> None:
        """Queue a reply whose delivery failed again: the only one, or the one picked."""
        failed = self._failed_replies()
        if not failed:
            return
        message_id: str | None = str(failed[0].id)
        if len(failed) > 1:
            choices = [
                (str(m.id), f"{m.created_at:%Y-%m-%d %H:%M} {one_line(m.body)[:50]}")
                for m in failed
            ]
            message_id = await self.app.asked(
                PickerModal("Send which failed reply again?", choices)
            )
        if not message_id:
            return
        await self.app.gate_call(lambda: self.gate.messages.resend(self.number, int(message_id)))
        self.notify("the reply waits to send again")
        self.load(tell=False)

    @work(group="ticket-change", exit_on_error=False)
    async def change_ticket(self, kind: str, choose: bool = False) -> None:
        """Change this ticket as it is shown (its version): choose the value when `choose`,
        apply (closing asks first), then read it again."""
        versions = {self.number: self.version} if self.version is not None else {}
        value = None
        if choose:
            choice = await choose_value(self, kind, [self.number])
            if choice is None:
                return
            value, kind = choice.value, choice.kind or kind
        outcome = await apply_change(
            self, kind, [self.number], value, versions=versions, preview=False
        )
        if outcome is not None:
            self.load(tell=False)

    def action_take(self) -> None:
        self.change_ticket("take")

    def action_assign(self) -> None:
        self.change_ticket("assign", choose=True)

    def action_move(self) -> None:
        self.change_ticket("move", choose=True)

    def action_status(self) -> None:
        self.change_ticket("status", choose=True)

    def action_priority(self) -> None:
        self.change_ticket("priority", choose=True)

    def action_close(self) -> None:
        self.change_ticket("close")

    def action_tag(self) -> None:
        self.change_ticket("tag", choose=True)

    @work(group="ticket-change", exit_on_error=False)
    async def action_macro(self) -> None:
        if await apply_macro(self, [self.number]) is not None:
            self.load(tell=False)

    def action_history(self) -> None:
        self.show_history()

    @work(group="detail-read", exit_on_error=False)
    async def show_history(self) -> None:
        """The ticket's audit trail, oldest first."""
        events = await self.app.gate_call(lambda: self.gate.tickets.ticket_history(self.number))
        self.app.push_screen(TextModal(f"History of #{self.number}", history_text(events)))

    def action_why_due(self) -> None:
        self.show_why_due()

    @work(group="detail-read", exit_on_error=False)
    async def show_why_due(self) -> None:
        """Which policy the ticket matches and why, and how each due time was counted."""
        explained = await self.app.gate_call(lambda: self.gate.tickets.sla_explanation(self.number))
        title = f"Why #{self.number} is due then"
        self.app.push_screen(TextModal(title, explanation_text(explained)))

    def action_follow(self) -> None:
        self.toggle_follow()

    @work(group="detail-follow", exit_on_error=False)
    async def toggle_follow(self) -> None:
        """Follow the ticket (its changes by others notify the person), or stop."""
        notifications, number = self.gate.notifications, self.number

        def toggle() -> bool:
            if notifications.follows(number):
                notifications.unfollow(number)
                return False
            notifications.follow(number)
            return True

        with suppress(GateCallFailed):
            following = await self.app.gate_call(toggle)
            self.notify(f"you follow #{number}" if following else f"you no longer follow #{number}")

    def action_requester_tickets(self) -> None:
        if self.detail is not None:
            self.open_requester_ticket(self.detail)

    @work(group="detail-read", exit_on_error=False)
    async def open_requester_ticket(self, detail: TicketDetail) -> None:
        """The requester's other tickets that this person may see; enter opens one."""
        query = TicketQuery(requester=detail.row.requester)
        rows = await self.app.gate_call(lambda: self.gate.inbox.list_tickets(query, limit=200))
        choices = [
            (str(r.number), f"#{r.number} {r.status:8} {r.subject}")
            for r in rows
            if r.number != self.number
        ]
        if not choices:
            self.notify("no other tickets of this requester that you may see")
            return
        title = f"Other tickets of {detail.requester_name}"
        number: str | None = await self.app.asked(PickerModal(title, choices))
        if number:
            self.app.push_screen(TicketDetailScreen(int(number)))
