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

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.events import Key, Resize
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Header, Static

from access import Conflict, NotFound
from access.catalogue import (
    AUDIT_VIEW,
    TICKETS_ASSIGN,
    TICKETS_CHANGE_GROUP,
    TICKETS_CHANGE_STATUS,
    TICKETS_CLOSE,
    TICKETS_NOTE,
    TICKETS_REPLY,
    TICKETS_TAKE,
)
from access.views import (
    HAND_BACK,
    REQUESTER_MESSAGE,
    MessageView,
    Posted,
    ReplyRoute,
    Seen,
    TicketDetail,
    TicketQuery,
)
from access.vocabulary import CLOSED, CUSTOMER, FAILED, MESSAGE_LABELS, NOTE, REPLY
from tui.audit_text import history_text
from tui.composer import Composed, Composer, quoted
from tui.drafts import SafeQuestion
from tui.footer import KeyFooter
from tui.live import OthersChanged
from tui.screen import Action, TickettyScreen
from tui.ticket_changes import apply_change, choose_value
from tui.ticket_watch import TicketWatch, ticket_watch_lines
from tui.widgets import PickerModal, TextModal
from wording.follow_up_text import follow_up_fields
from wording.mail_text import attachment_text, delivery_text, posted_text, route_text
from wording.safe_text import as_text, one_line


class Conversation(VerticalScroll, inherit_bindings=False):
    """The messages, scrolled by the screen's keys (j/k, g/G, pgup/pgdn and the arrows), which
    carry ids and so show in `?` and follow a keymap; a scroll view's own would hide them.

    At its end it stays there when its height changes (a line about drafts or presence comes
    or goes above it), so that it still follows the next new message."""

    at_end = True

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self.at_end = new_value >= self.max_scroll_y

    def on_resize(self, _event: Resize) -> None:
        if self.at_end:
            self.scroll_end(animate=False)


class TicketDetailScreen(TickettyScreen[None]):
    # Each action shows when its permission counts on this ticket.
    ACTIONS: ClassVar[tuple[Action, ...]] = (
        Action("escape", "back", "Back", "detail.back"),
        Action("ctrl+t", "switch_view", "Conversation/text", "detail.switch"),
        Action("ctrl+o", "quote", "Quote customer", "detail.quote"),
        Action("r", "reply", "Reply", "detail.reply", TICKETS_REPLY),
        Action("N", "note", "Note", "detail.note", TICKETS_NOTE),
        Action("t", "take", "Take", "detail.take", TICKETS_TAKE),
        Action("a", "assign", "Assign", "detail.assign", TICKETS_ASSIGN),
        Action("m", "move", "Move", "detail.move", TICKETS_CHANGE_GROUP),
        Action("s", "status", "Status", "detail.status", TICKETS_CHANGE_STATUS),
        Action("p", "priority", "Priority", "detail.priority", TICKETS_CHANGE_STATUS, show=False),
        Action("c", "close", "Close", "detail.close", TICKETS_CLOSE),
        Action("ctrl+s", "send_kept", "Send kept text", "detail.send_kept"),
        Action("D", "discard_draft", "Discard draft", "detail.discard_draft", show=False),
        Action("S", "resend", "Send failed reply again", "detail.resend", TICKETS_REPLY),
        Action("ctrl+r", "reload", "Reload", "detail.reload", show=False),
        Action("h", "history", "History", "detail.history", AUDIT_VIEW, show=False),
        Action("T", "requester_tickets", "Requester's tickets", "detail.requester", show=False),
        Action("j,down", "scroll_down", "Down", "detail.down", show=False),
        Action("k,up", "scroll_up", "Up", "detail.up", show=False),
        Action("pagedown", "page_down", "Page down", "detail.page_down", show=False),
        Action("pageup", "page_up", "Page up", "detail.page_up", show=False),
        Action("g,home", "first", "Top", "detail.top", show=False),
        Action("G,end", "last", "End", "detail.end", show=False),
    )
    # From this width the conversation and the composer stand side by side.
    SPLIT_WIDTH = 120
    # The keys that put the text in front (`on_key`).
    BRING_THE_TEXT_FORWARD = frozenset({"reply", "note", "switch_view"})
    # Letter keys go into the text while the composer has the focus: the footer leaves them out.
    WHILE_TYPING_HIDDEN = frozenset(
        {"back", "reply", "note", "take", "assign", "move", "status", "close", "discard_draft"}
        | {"resend"}
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
        ) -> None:
            super().__init__()
            self.detail = detail
            self.refused = refused
            self.tell = tell
            self.gone = gone
            self.route = route  # where a reply goes, when the person may reply

    class Sent(Message):
        """A reply or note (`kind`) was written (`refused` empty) or refused (`refused` says
        why; `conflict` when a change made it wrong)."""

        def __init__(
            self,
            kind: str,
            refused: str = "",
            *,
            conflict: bool = False,
            posted: Posted | None = None,
        ) -> None:
            super().__init__()
            self.kind = kind
            self.refused = refused
            self.conflict = conflict
            self.posted = posted  # where it landed, when written

    def __init__(self, number: int) -> None:
        super().__init__()
        self.number = number
        self.detail: TicketDetail | None = None
        self.kept: str | None = None  # "reply" or "note" whose send failed, kept to send again
        # What the person saw when they began each text: the composer hides the screen, so a
        # refresh beneath it is not something they have read.
        self.began_on: dict[str, Seen] = {}
        self.changed_text = ""  # what changed meanwhile, as the screen says it
        self.shown: dict[int, tuple[MessageView, Static]] = {}  # by message id, in order
        self.ticket_watch = TicketWatch(self, number)  # drafts and presence
        self.route: ReplyRoute | None = None  # where a reply goes, from the gate
        self.conversation = Conversation(id="conversation")
        self.composer = Composer(id="composer")
        self.narrow = False  # narrower than the split: the text or the conversation, not both
        self.reading = False  # the person turned from the open text to the conversation

    def compose(self) -> ComposeResult:
        yield Header()
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

    def on_resize(self, event: Resize) -> None:
        self.narrow = event.size.width < self.SPLIT_WIDTH
        self._arrange()

    def _arrange(self, focus: Widget | None = None) -> None:
        """Show the conversation and the composer as the width and the person ask, then move
        the focus to `focus`. Both at once, not after a refresh: keys typed ahead (over SSH,
        `r` and the first words in one packet) must land in the widget now in front."""
        writing = self.composer.is_open
        self.composer.display = writing and not (self.narrow and self.reading)
        self.conversation.display = not writing or not self.narrow or self.reading
        if focus is not None:
            self.set_focus(focus)
        self.refresh_bindings()

    @work(group="detail", exclusive=True, exit_on_error=False)
    async def load(self, tell: bool = True) -> None:
        """Read the ticket again; with `tell`, say what differs from what was shown."""

        def read_ticket() -> tuple[TicketDetail, ReplyRoute | None]:
            detail = self.gate.tickets.get_ticket(self.number)
            reply = TICKETS_REPLY in detail.allowed
            return detail, self.gate.tickets.reply_route(self.number) if reply else None

        try:
            detail, route = await self.app.gate_funnel.run(read_ticket)
        except Exception as exc:  # shown to the person, never a crash
            gone = isinstance(exc, NotFound)
            error = self.app.failure_text(exc, read_ticket)
            self.post_message(self.Loaded(None, error, tell=tell, gone=gone))
            return
        self.post_message(self.Loaded(detail, tell=tell, route=route))

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
        self.route = message.route
        self._say_route()
        self.title = f"#{detail.row.number} {one_line(detail.row.subject)}"
        self.query_one("#fields", Static).update(self._fields(detail))
        self._show_messages(detail.messages)
        self.ticket_watch.loaded(detail)
        self.refresh_bindings()

    def _show_messages(self, messages: tuple[MessageView, ...]) -> None:
        """Mount the messages not shown yet, in their place, redraw those that changed (a
        delivery), remove those no longer readable, and leave the rest alone: a change to a
        ticket with a long conversation does not mount it all again."""
        view = self.conversation
        # At its end (as when first read), the view follows new messages; scrolled up, it stays.
        following = view.at_end or view.scroll_y >= view.max_scroll_y
        readable = {message.id for message in messages}
        for gone in [number for number in self.shown if number not in readable]:
            self.shown.pop(gone)[1].remove()
        anchor: Widget | None = None  # the message the next new ones follow; None: the first
        new: list[Static] = []
        for message in messages:
            if message.id not in self.shown:
                widget = Static(message_text(message), classes=f"message message-{message.kind}")
                self.shown[message.id] = (message, widget)
                new.append(widget)
                continue
            if new:
                self._mount_after(new, anchor)
                new = []
            seen, widget = self.shown[message.id]
            if seen != message:
                widget.update(message_text(message))
                self.shown[message.id] = (message, widget)
            anchor = widget
        if new:
            self._mount_after(new, anchor)
        if following:
            view.scroll_end(animate=False)  # once the new messages are laid out

    def _mount_after(self, widgets: list[Static], anchor: Widget | None) -> None:
        conversation = self.conversation
        if anchor is not None:
            conversation.mount_all(widgets, after=anchor)
        elif conversation.children:
            conversation.mount_all(widgets, before=conversation.children[0])
        else:
            conversation.mount_all(widgets)

    @staticmethod
    def _fields(detail: TicketDetail) -> Text:
        """The fields in a few lines, label and value pairs run together (the subject is the
        title): at 80x24 the conversation keeps most of the screen."""
        row = detail.row
        contact = " ".join(x for x in (detail.requester_email, detail.requester_phone) if x)
        lines = [
            [
                ("Status", row.status),
                ("Priority", row.priority),
                ("Group", row.usergroup or "-"),
                ("Source", row.source),
            ],
            [("Requester", f"{detail.requester_name} ({row.requester}) {contact}".strip())],
            [
                ("Assignee", row.assignee or "-"),
                ("Created", f"{row.created_at:%Y-%m-%d %H:%M}"),
                ("Changed", f"{row.updated_at:%Y-%m-%d %H:%M}"),
            ],
        ]
        notes = []
        if row.private:
            notes.append(("Private", "the group's other members do not see it"))
        if row.as_supervisor:
            notes.append(("Seen as", "supervisor of the group"))
        if row.as_assignee:
            notes.append(
                ("Seen as", "its assignee only; your roles do not reach it (a: hand back)")
            )
        notes += follow_up_fields(detail.links)
        notes += [(f.name, f.value) for f in detail.group_fields if f.value]
        if notes:
            lines.append(notes)
        text = Text()
        for number, line in enumerate(lines):
            if number:
                text.append("\n")
            for index, (name, value) in enumerate(line):
                if index:
                    text.append("  ")
                text.append(f"{one_line(name)} ", style="bold")
                text.append_text(as_text(one_line(value)))
        return text

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

    @property
    def version(self) -> int | None:
        return self.detail.row.version if self.detail else None

    @property
    def drafts(self) -> dict[tuple[int, str], str]:
        return self.app.drafts

    @work(group="detail-change", exit_on_error=False)
    async def send(self, kind: str, text: str, seen: Seen) -> None:
        """Send a text written having seen `seen`: only a change since that makes it wrong
        stops it (the gate's rule). Once the app has ended it is not sent: the draft is kept."""
        write = self.gate.messages.reply if kind == REPLY else self.gate.messages.note

        def send_text() -> Posted:
            return self.app.draft_keeper.send(
                (self.number, kind), lambda: write(self.number, text, seen=seen)
            )

        try:
            posted = await self.app.gate_funnel.run(send_text)
        except Exception as exc:  # shown to the person, never a crash
            conflict = isinstance(exc, Conflict)
            error = self.app.failure_text(exc, send_text)
            self.post_message(self.Sent(kind, error, conflict=conflict))
            return
        self.post_message(self.Sent(kind, posted=posted))

    def on_ticket_detail_screen_sent(self, message: Sent) -> None:
        self.ticket_watch.show_notice()
        if not message.refused:
            self.kept = None
            self.refresh_bindings()
            said = posted_text(message.posted) if message.posted else ""
            self.notify(said or "sent", timeout=8 if said else 3)
            self.load(tell=False)
            return
        # Refused: the text stays kept, to be sent again once the person saw why.
        self.kept = message.kind
        self.refresh_bindings()
        self.notify(one_line(message.refused), severity="error", timeout=8)
        if message.conflict:
            edit = "r" if message.kind == REPLY else "N"
            self.notify(
                f"Your {message.kind} is kept: read what changed, then ctrl+s sends it, "
                f"{edit} edits it",
                timeout=10,
            )
        self.load()

    def _write(self, kind: str) -> None:
        """Open the composer, beside the conversation, on the kept draft of `kind` ("reply"
        or "note")."""
        label = "Reply" if kind == REPLY else "Internal note"
        if self.detail is not None:
            self.began_on[kind] = self.detail.seen
        draft = self.drafts.get((self.number, kind), "")
        # A text a change stopped opens with what changed above it.
        note = self.changed_text if self.kept == kind else ""
        editor = self.app.settings.editor
        typed = self.ticket_watch.writing(kind)
        self.composer.start(kind, f"{label} on #{self.number}", editor, draft, note, typed)
        self._say_route()
        self._show_composer()

    def _say_route(self) -> None:
        """Where the open composer's text goes, above it."""
        kind = self.composer.kind
        if kind == NOTE:
            text = "internal note: never sent to the customer"
        elif kind == REPLY and self.route is not None:
            text = route_text(self.route)
            if self.detail is not None and self.detail.row.status == CLOSED:
                text += f" · #{self.number} is closed and stays closed"
        elif kind == REPLY and self.detail is not None and self.detail.row.status == CLOSED:
            text = f"#{self.number} is closed: your message starts a follow-up"
        else:
            text = ""
        self.composer.say_route(as_text(text))

    def _show_composer(self) -> None:
        self.reading = False
        self._arrange(focus=self.composer.query_one("#compose-text"))

    def on_composer_done(self, message: Composer.Done) -> None:
        composed, kind = message.composed, message.kind
        self.ticket_watch.composed(kind, composed)
        self.refresh_bindings()
        self.reading = False
        self._arrange(focus=self.conversation)
        if composed.send and kind in self.began_on:
            self.send(kind, composed.text, self.began_on[kind])

    def action_switch_view(self) -> None:
        """Between the text and the conversation: narrower than the split, one shows instead
        of the other; side by side, the focus moves (j/k then scroll the conversation)."""
        if not self.composer.is_open:
            return
        if not self.composer.has_focus_within:
            self._show_composer()
            return
        self.reading = True
        self._arrange(focus=self.conversation)

    async def on_key(self, event: Key) -> None:
        """Keys typed ahead: over SSH `r` (or ctrl+t) and the words after it come in one read,
        and Textual sends each key on to the widget in front as it reads it, so the words go
        to the conversation, ahead of the key that brings the text forward. Here, as the keys
        come back from the conversation in order, that key acts at once and the words after
        it go into the text (they would be lost, or taken for the ticket's keys)."""
        if self.composer.has_focus_within and event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            self.composer.insert_typed(event.character)
            return
        active = self.active_bindings.get(event.key)
        if (
            active is not None
            and active.enabled
            and active.node is self
            and active.binding.action in self.BRING_THE_TEXT_FORWARD
        ):
            event.stop()
            event.prevent_default()
            await self.run_action(active.binding.action)

    def _last_customer_message(self) -> MessageView | None:
        messages = self.detail.messages if self.detail is not None else ()
        return next((m for m in reversed(messages) if m.kind == CUSTOMER), None)

    def action_quote(self) -> None:
        """The customer's last message into the text, as quoted lines."""
        message = self._last_customer_message()
        if message is None or not self.composer.is_open:
            return
        self._show_composer()
        self.composer.insert(f"{one_line(message.author_name)} wrote:\n{quoted(message.body)}")

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

    def action_send_kept(self) -> None:
        """Send again the text a change stopped, now that the screen shows that change."""
        text = self.drafts.get((self.number, self.kept or ""), "")
        if self.kept is not None and self.detail is not None and text.strip():
            self.send(self.kept, text, self.detail.seen)

    def action_discard_draft(self) -> None:
        self.discard_drafts()

    @work(group="detail-drafts", exit_on_error=False)
    async def discard_drafts(self) -> None:
        """Throw away the kept draft(s) of this ticket, once the person says so (No is the
        default: a draft is work)."""
        kinds = [kind for kind in (REPLY, NOTE) if (self.number, kind) in self.drafts]
        question = f"Discard your {' and '.join(kinds)} draft on #{self.number}?"
        if not await self.app.asked(SafeQuestion(question)):
            return
        for kind in kinds:
            self.app.draft_keeper.discard((self.number, kind))
        self.ticket_watch.show_notice()
        self.refresh_bindings()

    def action_back(self) -> None:
        if self.composer.is_open:  # left while reading beside it: the text is kept
            self.ticket_watch.composed(self.composer.kind, Composed(self.composer.text, False))
        self.app.pop_screen()

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

    def action_reply(self) -> None:
        self._write(REPLY)

    def action_note(self) -> None:
        self._write(NOTE)

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
            value = choice.value
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

    def action_history(self) -> None:
        self.show_history()

    @work(group="detail-read", exit_on_error=False)
    async def show_history(self) -> None:
        """The ticket's audit trail, oldest first."""
        events = await self.app.gate_call(lambda: self.gate.tickets.ticket_history(self.number))
        self.app.push_screen(TextModal(f"History of #{self.number}", history_text(events)))

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


def message_text(message: MessageView) -> Text:
    """A message as the conversation shows it: who and when, the text, attachments, delivery."""
    title = Text(f"{MESSAGE_LABELS[message.kind]}  ", style="bold")
    title.append_text(as_text(f"{message.author_name} ({message.author})"))
    title.append(f"  {message.created_at:%Y-%m-%d %H:%M}", style="dim")
    lines = [title, as_text(message.body)]
    lines += [Text(attachment_text(a), style="cyan") for a in message.attachments]
    if message.delivery:
        text = delivery_text(message.delivery, message.delivery_error)
        lines.append(Text(f"[{text}]", style="red" if message.delivery == FAILED else "dim"))
    return Text("\n").join(lines)


def what_changed(before: TicketDetail, after: TicketDetail) -> str:
    """What differs between two reads of a ticket, in one line ("" when nothing shown did)."""
    old, new = before.row, after.row
    parts = [
        f"{name} {a or '-'} → {b or '-'}"
        for name, a, b in (
            ("assignee", old.assignee, new.assignee),
            ("status", old.status, new.status),
            ("priority", old.priority, new.priority),
            ("group", old.usergroup, new.usergroup),
            ("subject", old.subject, new.subject),
        )
        if a != b
    ]
    known = {m.id for m in before.messages}
    fresh = [m for m in after.messages if m.id not in known]
    if fresh:
        who = ", ".join(sorted({f"{m.kind} by {m.author}" for m in fresh}))
        parts.append(f"{len(fresh)} new message{'s' if len(fresh) > 1 else ''} ({who})")
    if before.group_fields != after.group_fields:
        parts.append("the group's fields")
    return " · ".join(parts)
