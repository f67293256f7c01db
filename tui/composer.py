"""The composer of replies and notes: a multi-line text box beside the conversation (the ticket
screen places it), apart from the other widgets because Textual's text area is the largest
widget to import and only the ticket screen needs it (the inbox starts without it)."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, Static, TextArea
from textual.widgets.text_area import Edit, EditResult

from access.messages import NewFile
from access.vocabulary import NOTE, PENDING, REPLY, RESOLVED
from wording.safe_text import as_text, one_line, visible

# Typed in a reply, these open the canned replies (as in Zammad).
CANNED_KEYS = "::"
# The start of a canned reply's name, typed after `::` before the list shows.
_NAME_TYPED = re.compile(r"[\w -]*")
# A mention being typed at the cursor: `@` at the start or after a space or opening mark.
_TYPING_MENTION = re.compile(r"(?:^|(?<=[\s(\[{,;:]))@([a-z][a-z0-9._-]{0,30})$")


@dataclass(frozen=True)
class Composed:
    """What the composer hands back: the text, sent or not. A cancelled text comes back too,
    so that closing the box by mistake loses nothing."""

    text: str
    send: bool
    status: str | None = None  # a reply sent setting the ticket so (pending, resolved)
    files: tuple[NewFile, ...] = ()  # attached to a reply


class Composer(Vertical):
    """A reply or note being written: ctrl+s sends, escape closes (the text is kept by the
        caller), ctrl+e opens $EDITOR if allowed. Open from `start` until `Done` says how it ended;
    whether it shows is the screen's to say."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "send", "Send", id="compose.send"),
        Binding("escape", "cancel", "Close", id="compose.cancel"),
        # A reply sent setting the ticket pending (waiting on the customer) or resolved.
        # Priority, as every alt key here: a terminal sends alt+p with the character `p`, which
        # the text area would type.
        Binding(
            "alt+p",
            f"send('{PENDING}')",
            "Send as pending",
            show=False,
            priority=True,
            id="compose.pending",
        ),
        Binding(
            "alt+r",
            f"send('{RESOLVED}')",
            "Send as resolved",
            show=False,
            priority=True,
            id="compose.resolved",
        ),
        # Priority: the text area binds ctrl+e (end of line) and would swallow it.
        Binding("ctrl+e", "editor", "$EDITOR", priority=True, id="compose.editor"),
        Binding("alt+a", "attach", "Attach file", priority=True, id="compose.attach"),
        Binding("alt+d", "detach", "Detach", show=False, priority=True, id="compose.detach"),
        # Only while usernames are offered for a mention being typed; else tab is the area's.
        Binding("tab", "complete_mention", "Complete", show=False, priority=True, id="compose.at"),
    ]

    class Done(Message):
        """The person sent (`composed.send`) or closed the text of `kind`."""

        def __init__(self, kind: str, composed: Composed) -> None:
            super().__init__()
            self.kind = kind
            self.composed = composed

    class CannedWanted(Message):
        """`::` was typed in a reply: the canned replies are asked for."""

    class AttachWanted(Message):
        """alt+a was pressed in a reply: a file to attach is asked for."""

    class Detached(Message):
        """alt+d took the file attached last off the reply."""

    class MentionTyped(Message):
        """`@` and the start of a name (`prefix`) were typed in a note."""

        def __init__(self, prefix: str) -> None:
            super().__init__()
            self.prefix = prefix

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="composer")
        self.kind = ""  # "reply" or "note" while open, "" while closed
        self.editor: str | None = None
        self.typed: Callable[[str], None] | None = None
        self.mentions: list[str] = []  # usernames offered for the mention being typed
        self._hint = ""
        self.files: list[NewFile] = []  # attached to the reply until it is sent
        self._canned_at: tuple[int, int] | None = None  # where `::` was taken out

    def compose(self) -> ComposeResult:
        yield Label("", classes="compose-title")
        yield Label("", classes="compose-route")
        yield Label("", classes="compose-note")
        yield ReplyText(id="compose-text")
        yield Label("", classes="compose-files")
        yield Label("", classes="compose-signature")
        yield Static("", classes="hint")

    @property
    def is_open(self) -> bool:
        return bool(self.kind)

    def start(
        self,
        kind: str,
        title: str,
        editor: str | None,
        text: str = "",
        note: str = "",
        typed: Callable[[str], None] | None = None,
        files: list[NewFile] | None = None,
    ) -> None:
        """Open on `text` and `files` (a draft to go on with) for `kind`; `note` goes above it
        (what changed meanwhile); `typed` is told the text after each change (to save it as a
        draft)."""
        self.kind = kind
        self.files = list(files or [])
        self.typed = typed
        self.editor = editor
        self.query_one(".compose-title", Label).update(as_text(title, "bold"))
        self._line(".compose-note", as_text(note))
        self._hint = "ctrl+s send · escape close, kept" + (" · ctrl+e $EDITOR" if editor else "")
        if kind == REPLY:
            self._hint += " · alt+a attach, alt+d removes the last"
        self._show_files()
        self.offer_mentions([])
        area = self.query_one(TextArea)
        area.text = text
        area.move_cursor(area.document.end)

    def say_route(self, route: Text) -> None:
        """Where the text goes (`route`, plain text): empty hides the line."""
        self._line(".compose-route", route)

    def show_signature(self, signature: str) -> None:
        """The signature a reply leaves with, under the text as it will be sent (it is added
        when the mail is composed, not typed here); empty hides it."""
        shown = as_text(f"Sent with your signature:\n{signature}") if signature else Text()
        self._line(".compose-signature", shown)

    def _line(self, selector: str, text: Text) -> None:
        line = self.query_one(selector, Label)
        line.update(text)
        line.display = bool(text.plain)

    def add_file(self, file: NewFile) -> None:
        self.files.append(file)
        self._show_files()

    def clear_files(self) -> None:
        """The reply was sent with its files."""
        self.files = []
        self._show_files()

    def _show_files(self) -> None:
        names = [f"{file.filename} ({len(file.data)} bytes)" for file in self.files]
        shown = "Attached: " + ", ".join(names) if names and self.kind == REPLY else ""
        self._line(".compose-files", as_text(shown))

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    def insert(self, text: str) -> None:
        """Put `text` at the cursor, on lines of its own."""
        area = self.query_one(TextArea)
        _, column = area.cursor_location
        before = "\n" if column else ""
        area.insert(f"{before}{text}\n")

    def insert_typed(self, text: str) -> None:
        """`text` at the cursor, as if typed there."""
        self.query_one(TextArea).insert(text)

    def _finish(self, send: bool, status: str | None = None) -> None:
        kind, text = self.kind, self.text
        self.kind = ""
        files = tuple(self.files) if kind == REPLY else ()
        composed = Composed(text, send=send and bool(text.strip()), status=status, files=files)
        self.post_message(self.Done(kind, composed))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "editor":
            return self.is_open and self.editor is not None
        if (action == "send" and parameters) or action == "attach":
            return self.kind == REPLY
        if action == "detach":
            return self.kind == REPLY and bool(self.files)
        if action == "complete_mention":
            return self.is_open and bool(self.mentions) and self._typing_mention() is not None
        return self.is_open

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        area = event.text_area
        colons_at = None
        if isinstance(area, ReplyText):
            colons_at, area.colons_at = area.colons_at, None
        if self.kind == REPLY and colons_at is not None and self._canned_typed(area, colons_at):
            return
        if self.kind == NOTE:
            typing = self._typing_mention()
            if typing is not None:
                self.post_message(self.MentionTyped(typing))
            elif self.mentions:
                self.offer_mentions([])
        if self.is_open and self.typed is not None:
            self.typed(event.text_area.text)

    def _canned_typed(self, area: TextArea, at: tuple[int, int]) -> bool:
        """`::` typed at `at` (`ReplyText.colons_at`): taken out of the text (which tells
        `typed` the text as it was before them), its place kept for `take_typed_name`, and the
        canned replies asked for. The text is looked at after the keys of a burst (a fast
        typist, a slow link) are all in, so the start of a name may follow it already."""
        row, start = at
        if area.document.get_line(row)[start : start + len(CANNED_KEYS)] != CANNED_KEYS:
            return False
        area.delete((row, start), (row, start + len(CANNED_KEYS)))
        self._canned_at = at
        self.post_message(self.CannedWanted())
        return True

    def take_typed_name(self) -> str:
        """What was typed right after `::` until the canned replies are shown (the start of a
        name, to filter them by), taken out of the text; empty when nothing was."""
        at, self._canned_at = self._canned_at, None
        area = self.query_one(TextArea)
        if at is None or area.cursor_location[0] != at[0]:
            return ""
        (row, start), column = at, area.cursor_location[1]
        typed = area.document.get_line(row)[start:column]
        if column <= start or not _NAME_TYPED.fullmatch(typed):
            return ""
        area.delete((row, start), (row, column))
        return typed

    def _typing_mention(self) -> str | None:
        area = self.query_one(TextArea)
        row, column = area.cursor_location
        match = _TYPING_MENTION.search(area.document.get_line(row)[:column])
        return None if match is None else match[1]

    def offer_mentions(self, names: list[str]) -> None:
        """Show `names` for the mention being typed; `tab` puts in the first."""
        self.mentions = names
        offered = " · tab: " + " ".join(f"@{name}" for name in names) if names else ""
        self.query_one(".hint", Static).update(as_text(self._hint + offered))

    def action_complete_mention(self) -> None:
        typing = self._typing_mention()
        if typing is None or not self.mentions:
            return
        area = self.query_one(TextArea)
        row, column = area.cursor_location
        area.delete((row, column - len(typing)), (row, column))
        area.insert(f"{self.mentions[0]} ")

    def action_send(self, status: str | None = None) -> None:
        """Send; a reply with `status` sets the ticket so in the same go."""
        self._finish(send=True, status=status if self.kind == REPLY else None)

    def action_attach(self) -> None:
        self.post_message(self.AttachWanted())

    def action_detach(self) -> None:
        """The file attached last is taken off the reply."""
        if self.files:
            removed = self.files.pop()
            self._show_files()
            self.post_message(self.Detached())
            self.notify(one_line(f"{removed.filename} is no longer attached"))

    def action_cancel(self) -> None:
        self._finish(send=False)

    def action_editor(self) -> None:
        """Edit in $EDITOR (suspending the app); the text comes back into the composer."""
        import subprocess
        import tempfile
        from pathlib import Path

        if self.editor is None:
            return
        area = self.query_one(TextArea)
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
            handle.write(area.text)
            path = Path(handle.name)
        try:
            # A headless app (the tests) has no terminal to hand over.
            with nullcontext() if self.app.is_headless else self.app.suspend():
                result = subprocess.run([*self.editor.split(), str(path)], check=False)
            if result.returncode == 0:
                area.text = path.read_text(encoding="utf-8")
            else:
                self.notify("the editor failed; the text is unchanged", severity="error")
        finally:
            path.unlink(missing_ok=True)


def quoted(body: str) -> str:
    """`body` as quoted lines ("> " before each), control characters made visible: a quote
    carries the customer's words, never their escape codes."""
    lines = visible(body.replace("\r\n", "\n")).splitlines() or [""]
    return "\n".join(f"> {line}".rstrip() for line in lines)


class ReplyText(TextArea):
    """The composer's text, noting where `::` is typed, key by key: the composer reads the
    text only when it handles the change, after a burst of keys may all be in."""

    colons_at: tuple[int, int] | None = None

    def edit(self, edit: Edit) -> EditResult:
        result = super().edit(edit)
        if edit.text in (":", CANNED_KEYS):
            row, column = result.end_location
            if self.document.get_line(row)[:column].endswith(CANNED_KEYS):
                self.colons_at = (row, column - len(CANNED_KEYS))
        return result
