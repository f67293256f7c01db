"""One ticket: its fields, its group's custom fields, and the conversation with customer
messages, replies and internal notes told apart. Actions follow what the gate allows on it."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static

from access import Gate
from access.views import TicketDetail
from tui.footer import KeyFooter
from tui.safe_text import as_text, one_line
from tui.ticket_changes import apply_change, choose_value
from tui.widgets import ComposeModal

LABELS = {"customer": "CUSTOMER", "reply": "REPLY", "note": "INTERNAL NOTE"}

# Each action and the permission that must count on this ticket.
NEEDS: dict[str, str] = {
    "reply": "tickets.reply",
    "note": "tickets.note",
    "take": "tickets.take",
    "assign": "tickets.assign",
    "move": "tickets.change_group",
    "status": "tickets.change_status",
    "priority": "tickets.change_status",
    "close": "tickets.close",
}


class TicketDetailScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="detail.back"),
        Binding("r", "reply", "Reply", id="detail.reply"),
        Binding("N", "note", "Note", id="detail.note"),
        Binding("t", "take", "Take", id="detail.take"),
        Binding("a", "assign", "Assign", id="detail.assign"),
        Binding("m", "move", "Move group", id="detail.move"),
        Binding("s", "status", "Status", id="detail.status"),
        Binding("p", "priority", "Priority", id="detail.priority"),
        Binding("c", "close", "Close", id="detail.close"),
        Binding("j", "scroll_down", "Down", show=False, id="detail.down"),
        Binding("k", "scroll_up", "Up", show=False, id="detail.up"),
    ]

    def __init__(self, number: int) -> None:
        super().__init__()
        self.number = number
        self.detail: TicketDetail | None = None

    @property
    def gate(self) -> Gate:
        return self.app.gate  # type: ignore[attr-defined,no-any-return]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="conversation"):
            yield Static("Loading…", id="fields", classes="fields")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = f"Ticket #{self.number}"
        self.load()

    def load(self) -> None:
        self.app.run_gate(
            lambda: self.gate.get_ticket(self.number), self._loaded, group="detail", exclusive=True
        )

    def _loaded(self, detail: TicketDetail) -> None:
        self.detail = detail
        self.title = f"#{detail.row.number} {one_line(detail.row.subject)}"
        self.query_one("#fields", Static).update(self._fields(detail))
        conversation = self.query_one("#conversation")
        conversation.query(".message").remove()
        for message in detail.messages:
            title = Text(f"{LABELS[message.kind]}  ", style="bold")
            title.append_text(as_text(f"{message.author_name} ({message.author})"))
            title.append(f"  {message.created_at:%Y-%m-%d %H:%M}", style="dim")
            body = Text("\n").join([title, as_text(message.body)])
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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        needed = NEEDS.get(action)
        if needed is None:
            return True
        if self.detail is None:
            return False
        if action == "reply" and "requester.message" in self.detail.allowed:
            return True
        return needed in self.detail.allowed

    # ------------------------------------------------------------- actions

    @property
    def version(self) -> int | None:
        return self.detail.row.version if self.detail else None

    def _change(self, label: str, call: Any) -> None:
        """Run a change in a worker, with this screen's version; reload after."""

        def done(_: object) -> None:
            self.notify(label)
            self.load()

        self.app.run_gate(call, done, group="detail-change")

    def _write(self, title: str, send: Any) -> None:
        editor = self.app.config.editor_command  # type: ignore[attr-defined]

        def done(text: str | None) -> None:
            if text:
                self._change("sent", lambda: send(text))

        self.app.push_screen(ComposeModal(title, editor), done)

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
