"""One ticket: its fields, its group's custom fields, and the conversation with customer
messages, replies and internal notes told apart. Actions follow what the gate allows on it.

The screen follows others' changes (`tui.live`) and says what changed since it was last read.
A reply or note is never lost: closing the composer keeps the text (per ticket, for the
session), and a send that a change made wrong keeps it too, to be sent again with one key.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
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
    REQUESTER_MESSAGE,
    AuditView,
    MessageView,
    Seen,
    TicketDetail,
    TicketQuery,
    TicketRow,
)
from access.vocabulary import CLOSED, MESSAGE_LABELS
from tui.app import describe_error
from tui.audit_text import history_text
from tui.composer import Composed, ComposeModal
from tui.follow_up_text import follow_up_fields
from tui.footer import KeyFooter
from tui.live import OthersChanged
from tui.mail_text import attachment_text, delivery_text
from tui.safe_text import as_text, one_line
from tui.screen import Action, TickettyScreen
from tui.ticket_changes import apply_change, choose_value
from tui.widgets import PickerModal, TextModal


class TicketDetailScreen(TickettyScreen[None]):
    # Each action shows when its permission counts on this ticket.
    ACTIONS: ClassVar[tuple[Action, ...]] = (
        Action("escape", "back", "Back", "detail.back"),
        Action("r", "reply", "Reply", "detail.reply", TICKETS_REPLY),
        Action("N", "note", "Note", "detail.note", TICKETS_NOTE),
        Action("t", "take", "Take", "detail.take", TICKETS_TAKE),
        Action("a", "assign", "Assign", "detail.assign", TICKETS_ASSIGN),
        Action("m", "move", "Move", "detail.move", TICKETS_CHANGE_GROUP),
        Action("s", "status", "Status", "detail.status", TICKETS_CHANGE_STATUS),
        Action("p", "priority", "Priority", "detail.priority", TICKETS_CHANGE_STATUS, show=False),
        Action("c", "close", "Close", "detail.close", TICKETS_CLOSE),
        Action("ctrl+s", "send_kept", "Send kept text", "detail.send_kept"),
        Action("ctrl+r", "reload", "Reload", "detail.reload", show=False),
        Action("h", "history", "History", "detail.history", AUDIT_VIEW, show=False),
        Action("T", "requester_tickets", "Requester's tickets", "detail.requester", show=False),
        Action("j", "scroll_down", "Down", "detail.down", show=False),
        Action("k", "scroll_up", "Up", "detail.up", show=False),
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
        ) -> None:
            super().__init__()
            self.detail = detail
            self.refused = refused
            self.tell = tell
            self.gone = gone

    class Sent(Message):
        """A reply or note (`kind`) was written (`refused` empty) or refused (`refused` says
        why; `conflict` when a change made it wrong)."""

        def __init__(self, kind: str, refused: str = "", *, conflict: bool = False) -> None:
            super().__init__()
            self.kind = kind
            self.refused = refused
            self.conflict = conflict

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

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="conversation"):
            yield Static("", id="changed", classes="changed")
            yield Static("Loading…", id="fields", classes="fields")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = f"Ticket #{self.number}"
        self.load()

    @work(thread=True, group="detail", exclusive=True, exit_on_error=False)
    def load(self, tell: bool = True) -> None:
        """Read the ticket again; with `tell`, say what differs from what was shown."""
        try:
            self.post_message(self.Loaded(self.gate.get_ticket(self.number), tell=tell))
        except Exception as exc:  # shown to the person, never a crash
            gone = isinstance(exc, NotFound)
            self.post_message(self.Loaded(None, describe_error(exc), tell=tell, gone=gone))

    def on_others_changed(self, message: OthersChanged) -> None:
        changes = message.changes
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
        self.title = f"#{detail.row.number} {one_line(detail.row.subject)}"
        self.query_one("#fields", Static).update(self._fields(detail))
        self._show_messages(detail.messages)
        self.refresh_bindings()

    def _show_messages(self, messages: tuple[MessageView, ...]) -> None:
        """Mount the messages not shown yet, in their place, redraw those that changed (a
        delivery), remove those no longer readable, and leave the rest alone: a change to a
        ticket with a long conversation does not mount it all again."""
        conversation = self.query_one("#conversation")
        readable = {message.id for message in messages}
        for gone in [number for number in self.shown if number not in readable]:
            self.shown.pop(gone)[1].remove()
        anchor: Widget = self.query_one("#fields")
        new: list[Static] = []
        for message in messages:
            if message.id not in self.shown:
                widget = Static(message_text(message), classes=f"message message-{message.kind}")
                self.shown[message.id] = (message, widget)
                new.append(widget)
                continue
            if new:
                conversation.mount_all(new, after=anchor)
                new = []
            seen, widget = self.shown[message.id]
            if seen != message:
                widget.update(message_text(message))
                self.shown[message.id] = (message, widget)
            anchor = widget
        if new:
            conversation.mount_all(new, after=anchor)

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
            needed = TICKETS_REPLY if self.kept == "reply" else TICKETS_NOTE
            return self.kept is not None and self.allows(needed)
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
        return permission in self.detail.allowed

    # ------------------------------------------------------------- actions

    @property
    def version(self) -> int | None:
        return self.detail.row.version if self.detail else None

    @property
    def drafts(self) -> dict[tuple[int, str], str]:
        return self.app.drafts

    @work(thread=True, group="detail-change", exit_on_error=False)
    def send(self, kind: str, text: str, seen: Seen) -> None:
        """Send a text written having seen `seen`: only a change since that makes it wrong
        stops it (the gate's rule)."""
        write = self.gate.reply if kind == "reply" else self.gate.note
        try:
            write(self.number, text, seen=seen)
        except Exception as exc:  # shown to the person, never a crash
            conflict = isinstance(exc, Conflict)
            self.post_message(self.Sent(kind, describe_error(exc), conflict=conflict))
            return
        self.post_message(self.Sent(kind))

    def on_ticket_detail_screen_sent(self, message: Sent) -> None:
        if not message.refused:
            self.drafts.pop((self.number, message.kind), None)
            self.kept = None
            self.refresh_bindings()
            closed = self.detail is not None and self.detail.row.status == CLOSED
            self.notify(f"sent as a follow-up of #{self.number}" if closed else "sent")
            self.load(tell=False)
            return
        # Refused: the text stays kept, to be sent again once the person saw why.
        self.kept = message.kind
        self.refresh_bindings()
        self.notify(one_line(message.refused), severity="error", timeout=8)
        if message.conflict:
            edit = "r" if message.kind == "reply" else "N"
            self.notify(
                f"Your {message.kind} is kept: read what changed, then ctrl+s sends it, "
                f"{edit} edits it",
                timeout=10,
            )
        self.load()

    def _write(self, kind: str) -> None:
        """Open the composer on the kept draft of `kind` ("reply" or "note")."""
        label = "Reply" if kind == "reply" else "Internal note"

        def done(composed: Composed | None) -> None:
            if composed is None:
                return
            if composed.text.strip():
                self.drafts[(self.number, kind)] = composed.text
            else:
                self.drafts.pop((self.number, kind), None)
            if composed.send and kind in self.began_on:
                self.send(kind, composed.text, self.began_on[kind])

        if self.detail is not None:
            self.began_on[kind] = self.detail.seen
        draft = self.drafts.get((self.number, kind), "")
        # A text a change stopped opens with what changed above it.
        note = self.changed_text if self.kept == kind else ""
        editor = self.app.config.editor_command
        title = f"{label} on #{self.number}"
        self.app.push_screen(ComposeModal(title, editor, draft, note), done)

    def action_send_kept(self) -> None:
        """Send again the text a change stopped, now that the screen shows that change."""
        text = self.drafts.get((self.number, self.kept or ""), "")
        if self.kept is not None and self.detail is not None and text.strip():
            self.send(self.kept, text, self.detail.seen)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_reply(self) -> None:
        self._write("reply")

    def action_note(self) -> None:
        self._write("note")

    def _apply(self, kind: str, value: str | None = None) -> None:
        versions = {self.number: self.version} if self.version is not None else {}
        apply_change(
            self,
            kind,
            [self.number],
            value,
            versions=versions,
            preview=False,
            finished=lambda _: self.load(tell=False),
        )

    def _choose_then_apply(self, kind: str) -> None:
        choose_value(self, kind, [self.number], lambda value: self._apply(kind, value))

    def action_take(self) -> None:
        self._apply("take")

    def action_assign(self) -> None:
        self._choose_then_apply("assign")

    def action_move(self) -> None:
        self._choose_then_apply("move")

    def action_status(self) -> None:
        self._choose_then_apply("status")

    def action_priority(self) -> None:
        self._choose_then_apply("priority")

    def action_close(self) -> None:
        self._apply("close")

    def action_history(self) -> None:
        """The ticket's audit trail, oldest first."""

        def loaded(events: list[AuditView]) -> None:
            self.app.push_screen(TextModal(f"History of #{self.number}", history_text(events)))

        self.app.run_gate(lambda: self.gate.ticket_history(self.number), loaded)

    def action_requester_tickets(self) -> None:
        """The requester's other tickets that this person may see; enter opens one."""
        if self.detail is None:
            return
        query = TicketQuery(requester=self.detail.row.requester)

        def loaded(rows: list[TicketRow]) -> None:
            choices = [
                (str(r.number), f"#{r.number} {r.status:8} {r.subject}")
                for r in rows
                if r.number != self.number
            ]
            if not choices:
                self.notify("no other tickets of this requester that you may see")
                return
            title = f"Other tickets of {self.detail.requester_name if self.detail else ''}"
            self.app.push_screen(PickerModal(title, choices), opened)

        def opened(number: str | None) -> None:
            if number:
                self.app.push_screen(TicketDetailScreen(int(number)))

        self.app.run_gate(lambda: self.gate.list_tickets(query, limit=200), loaded)


def message_text(message: MessageView) -> Text:
    """A message as the conversation shows it: who and when, the text, attachments, delivery."""
    title = Text(f"{MESSAGE_LABELS[message.kind]}  ", style="bold")
    title.append_text(as_text(f"{message.author_name} ({message.author})"))
    title.append(f"  {message.created_at:%Y-%m-%d %H:%M}", style="dim")
    lines = [title, as_text(message.body)]
    lines += [Text(attachment_text(a), style="cyan") for a in message.attachments]
    if message.delivery:
        text = delivery_text(message.delivery, message.delivery_error)
        lines.append(Text(f"[{text}]", style="red" if message.delivery == "failed" else "dim"))
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
