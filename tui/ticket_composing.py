"""The writing half of the ticket screen: the composer beside the conversation, sending a
reply or note, and the drafts kept when a send fails or the composer closes. The screen
(`screens.ticket_detail`) builds on it with reading the ticket and changing it."""

from __future__ import annotations

from textual import work
from textual.events import Key, Resize
from textual.message import Message
from textual.widget import Widget

from access import Conflict
from access.messages import NewFile
from access.views import MessageView, Posted, ReplyRoute, Seen, TicketDetail
from access.vocabulary import CLOSED, CUSTOMER, NOTE, REPLY
from tui.composer import Composed, Composer, quoted
from tui.gate_funnel import GateCallFailed
from tui.screen import TickettyScreen
from tui.ticket_attachments import attach_file_flow
from tui.ticket_text import Conversation
from tui.ticket_watch import TicketWatch
from tui.widgets import PickerModal, SafeQuestion
from wording.mail_text import posted_text, route_text
from wording.safe_text import as_text, one_line


class TicketComposingScreen(TickettyScreen[None]):
    """The composer, its drafts and the send of what it wrote, for the ticket `number`."""

    # From this width the conversation and the composer stand side by side.
    SPLIT_WIDTH = 120
    # The keys that put the text in front (`on_key`).
    BRING_THE_TEXT_FORWARD = frozenset({"reply", "note", "switch_view"})
    # Letter keys go into the text while the composer has the focus: the footer leaves them out.
    WHILE_TYPING_HIDDEN = frozenset(
        {"back", "reply", "note", "take", "assign", "move", "status", "close", "discard_draft"}
        | {"resend", "merge", "link", "copies", "macro", "open_attachment"}
    )

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
        self.ticket_watch = TicketWatch(self, number)  # drafts and presence
        self.route: ReplyRoute | None = None  # where a reply goes, from the gate
        self.signature = ""  # the signature a reply by this person leaves with, filled
        self.conversation = Conversation(id="conversation")
        self.composer = Composer(id="composer")
        self.narrow = False  # narrower than the split: the text or the conversation, not both
        self.reading = False  # the person turned from the open text to the conversation

    def load(self, tell: bool = True) -> object:
        """Read the ticket again; the screen reads it."""
        raise NotImplementedError

    @property
    def version(self) -> int | None:
        """The version of the ticket as shown: a change made meanwhile is not overwritten."""
        return self.detail.row.version if self.detail else None

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

    @property
    def drafts(self) -> dict[tuple[int, str], str]:
        return self.app.drafts

    @work(group="detail-change", exit_on_error=False)
    async def send(
        self, kind: str, text: str, seen: Seen, status: str | None, files: tuple[NewFile, ...]
    ) -> None:
        """Send a text written having seen `seen`: only a change since that makes it wrong
        stops it (the gate's rule); a reply with `status` sets the ticket so with it. Once the
        app has ended it is not sent: the draft is kept."""

        def write() -> Posted:
            if kind == REPLY:
                return self.gate.messages.reply(
                    self.number, text, seen=seen, status=status, files=files
                )
            return self.gate.messages.note(self.number, text, seen=seen)

        def send_text() -> Posted:
            return self.app.draft_keeper.send((self.number, kind), write)

        try:
            posted = await self.app.gate_funnel.run(send_text)
        except Exception as exc:  # shown to the person, never a crash
            conflict = isinstance(exc, Conflict)
            error = self.app.failure_text(exc, send_text)
            self.post_message(self.Sent(kind, error, conflict=conflict))
            return
        self.post_message(self.Sent(kind, posted=posted))

    def on_ticket_composing_screen_sent(self, message: Sent) -> None:
        self.ticket_watch.show_notice()
        if not message.refused:
            if message.kind == REPLY:
                self.composer.clear_files()
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
        files = self.app.draft_keeper.files_of((self.number, kind))
        self.composer.start(kind, f"{label} on #{self.number}", editor, draft, note, typed, files)
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
        self.composer.show_signature(self.signature if kind == REPLY else "")

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
            self.send(kind, composed.text, self.began_on[kind], composed.status, composed.files)

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

    def on_composer_attach_wanted(self, _message: Composer.AttachWanted) -> None:
        self.attach_file()

    @work(group="detail-attach", exit_on_error=False)
    async def attach_file(self) -> None:
        limit, keeper = self.gate.file_limit, self.app.draft_keeper
        await attach_file_flow(
            self, self.composer, limit, lambda file: keeper.attach((self.number, REPLY), file)
        )

    def on_composer_detached(self, _message: Composer.Detached) -> None:
        self.app.draft_keeper.detach_last((self.number, REPLY))

    def on_composer_mention_typed(self, message: Composer.MentionTyped) -> None:
        self.offer_mentions(message.prefix)

    @work(group="detail-mentions", exclusive=True, exit_on_error=False)
    async def offer_mentions(self, prefix: str) -> None:
        """The people who could be mentioned here whose name begins with `prefix`."""
        try:
            names = await self.app.gate_call(
                lambda: self.gate.notifications.mention_candidates(self.number, prefix)
            )
        except GateCallFailed:
            return
        if self.composer.kind == NOTE:
            self.composer.offer_mentions(names)

    def on_composer_canned_wanted(self, _message: Composer.CannedWanted) -> None:
        self.pick_canned()

    def action_canned(self) -> None:
        if self.composer.kind == REPLY:
            self.pick_canned()

    @work(group="detail-canned", exit_on_error=False)
    async def pick_canned(self) -> None:
        """The canned replies offered on this ticket, filtered as the person types; the one
        chosen goes into the reply at the cursor, its variables filled, to edit before
        sending."""
        if self.composer.kind != REPLY:
            return
        try:
            offered = await self.app.gate_call(lambda: self.gate.replies.replies_for(self.number))
        except GateCallFailed:
            return
        if not offered:
            self.notify(f"no canned reply is offered on #{self.number}")
            return
        choices = [(r.name, f"{r.name} · {r.body.split(chr(10), 1)[0][:40]}") for r in offered]
        typed = self.composer.take_typed_name()
        name = await self.app.asked(PickerModal("Canned reply", choices, typed=typed))
        if name is None:
            self._show_composer()
            return
        try:
            text = await self.app.gate_call(lambda: self.gate.replies.fill_reply(self.number, name))
        except GateCallFailed:
            return
        self._show_composer()
        self.composer.insert(text)

    def action_send_kept(self) -> None:
        """Send again the text a change stopped, now that the screen shows that change."""
        text = self.drafts.get((self.number, self.kept or ""), "")
        if self.kept is not None and self.detail is not None and text.strip():
            files = tuple(self.app.draft_keeper.files_of((self.number, self.kept)))
            self.send(self.kept, text, self.detail.seen, None, files)

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

    def action_reply(self) -> None:
        self._write(REPLY)

    def action_note(self) -> None:
        self._write(NOTE)
