"""One ticket: its fields, its group's custom fields, and the conversation with customer
messages, replies and internal notes told apart. Actions follow what the gate allows on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Header, Static

from access.catalogue import (
    TICKETS_ASSIGN,
    TICKETS_CHANGE_GROUP,
    TICKETS_CHANGE_STATUS,
    TICKETS_CLOSE,
    TICKETS_NOTE,
    TICKETS_REPLY,
    TICKETS_TAKE,
)
from access.views import REQUESTER_MESSAGE, TicketDetail
from access.vocabulary import MESSAGE_LABELS
from tui.app import describe_error
from tui.footer import KeyFooter
from tui.mail_text import attachment_text, delivery_text
from tui.safe_text import as_text, one_line
from tui.screen import Action, TickettyScreen
from tui.ticket_changes import apply_change, choose_value
from tui.widgets import ComposeModal


class TicketDetailScreen(TickettyScreen[None]):
    # Each action shows when its permission counts on this ticket.
    ACTIONS: ClassVar[tuple[Action, ...]] = (
        Action("escape", "back", "Back", "detail.back"),
        Action("r", "reply", "Reply", "detail.reply", TICKETS_REPLY),
        Action("N", "note", "Note", "detail.note", TICKETS_NOTE),
        Action("t", "take", "Take", "detail.take", TICKETS_TAKE),
        Action("a", "assign", "Assign", "detail.assign", TICKETS_ASSIGN),
        Action("m", "move", "Move group", "detail.move", TICKETS_CHANGE_GROUP),
        Action("s", "status", "Status", "detail.status", TICKETS_CHANGE_STATUS),
        Action("p", "priority", "Priority", "detail.priority", TICKETS_CHANGE_STATUS),
        Action("c", "close", "Close", "detail.close", TICKETS_CLOSE),
        Action("j", "scroll_down", "Down", "detail.down", show=False),
        Action("k", "scroll_up", "Up", "detail.up", show=False),
    )

    class Loaded(Message):
        """The ticket was read (`detail`), or reading it was refused (`refused` says why)."""

        def __init__(self, detail: TicketDetail | None, refused: str = "") -> None:
            super().__init__()
            self.detail = detail
            self.refused = refused

    class Sent(Message):
        """A reply or note was written (`refused` empty) or refused (`refused` says why)."""

        def __init__(self, refused: str = "") -> None:
            super().__init__()
            self.refused = refused

    def __init__(self, number: int) -> None:
        super().__init__()
        self.number = number
        self.detail: TicketDetail | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="conversation"):
            yield Static("Loading…", id="fields", classes="fields")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = f"Ticket #{self.number}"
        self.load()

    @work(thread=True, group="detail", exclusive=True, exit_on_error=False)
    def load(self) -> None:
        try:
            self.post_message(self.Loaded(self.gate.get_ticket(self.number)))
        except Exception as exc:  # shown to the person, never a crash
            self.post_message(self.Loaded(None, describe_error(exc)))

    def on_ticket_detail_screen_loaded(self, message: Loaded) -> None:
        if message.detail is None:
            self.notify(one_line(message.refused), severity="error", timeout=6)
            return
        detail = self.detail = message.detail
        self.title = f"#{detail.row.number} {one_line(detail.row.subject)}"
        self.query_one("#fields", Static).update(self._fields(detail))
        conversation = self.query_one("#conversation")
        conversation.query(".message").remove()
        for message in detail.messages:
            title = Text(f"{MESSAGE_LABELS[message.kind]}  ", style="bold")
            title.append_text(as_text(f"{message.author_name} ({message.author})"))
            title.append(f"  {message.created_at:%Y-%m-%d %H:%M}", style="dim")
            lines = [title, as_text(message.body)]
            lines += [Text(attachment_text(a), style="cyan") for a in message.attachments]
            if message.delivery:
                style = "red" if message.delivery == "failed" else "dim"
                text = delivery_text(message.delivery, message.delivery_error)
                lines.append(Text(f"[{text}]", style=style))
            body = Text("\n").join(lines)
            conversation.mount(Static(body, classes=f"message message-{message.kind}"))
        self.refresh_bindings()

    @staticmethod
    def _fields(detail: TicketDetail) -> Text:
        row = detail.row
        contact = " ".join(x for x in (detail.requester_email, detail.requester_phone) if x)
        pairs = [
            ("Subject", row.subject),
            ("Status", f"{row.status} · priority {row.priority}"),
            ("Requester", f"{detail.requester_name} ({row.requester}) {contact}".strip()),
            ("Group", row.usergroup or "-"),
            ("Source", row.source),
            ("Assignee", row.assignee or "-"),
        ]
        if row.private:
            pairs.append(("Private", "yes: the group's other members do not see it"))
        if row.as_supervisor:
            pairs.append(("Seen as", "supervisor of the group"))
        pairs += [(f.name, f.value) for f in detail.group_fields if f.value]
        text = Text()
        for name, value in pairs:
            text.append(f"{one_line(name):>16}  ", style="bold")
            text.append_text(as_text(one_line(value)))
            text.append("\n")
        return text

    def allows(self, permission: str) -> bool:
        """What counts on this ticket; nothing before it is read."""
        if self.detail is None:
            return False
        if permission == TICKETS_REPLY and REQUESTER_MESSAGE in self.detail.allowed:
            return True
        return permission in self.detail.allowed

    # ------------------------------------------------------------- actions

    @property
    def version(self) -> int | None:
        return self.detail.row.version if self.detail else None

    @work(thread=True, group="detail-change", exit_on_error=False)
    def send(self, write: Callable[[str], object], text: str) -> None:
        try:
            write(text)
        except Exception as exc:  # shown to the person, never a crash
            self.post_message(self.Sent(describe_error(exc)))
            return
        self.post_message(self.Sent())

    def on_ticket_detail_screen_sent(self, message: Sent) -> None:
        if message.refused:
            self.notify(one_line(message.refused), severity="error", timeout=6)
            return
        self.notify("sent")
        self.load()

    def _write(self, title: str, write: Callable[[str], object]) -> None:
        def done(text: str | None) -> None:
            if text:
                self.send(write, text)

        self.app.push_screen(ComposeModal(title, self.app.config.editor_command), done)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_reply(self) -> None:
        self._write(
            f"Reply on #{self.number}",
            lambda text: self.gate.reply(self.number, text, expected_version=self.version),
        )

    def action_note(self) -> None:
        self._write(
            f"Internal note on #{self.number}",
            lambda text: self.gate.note(self.number, text, expected_version=self.version),
        )

    def _apply(self, kind: str, value: str | None = None) -> None:
        versions = {self.number: self.version} if self.version is not None else {}
        apply_change(
            self,
            kind,
            [self.number],
            value,
            versions=versions,
            preview=False,
            finished=lambda _: self.load(),
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
