"""The composer of replies and notes: a multi-line text box, apart from the other modals
because Textual's text area is the largest widget to import and only the ticket screen needs it
(the inbox starts without it)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static, TextArea

from tui.safe_text import as_text


@dataclass(frozen=True)
class Composed:
    """What the composer hands back: the text, sent or not. A cancelled text comes back too,
    so that closing the box by mistake loses nothing."""

    text: str
    send: bool


class ComposeModal(ModalScreen[Composed]):
    """A multi-line message: ctrl+s sends, escape closes (the text is kept by the caller),
    ctrl+e opens $EDITOR if allowed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "send", "Send", id="compose.send"),
        Binding("escape", "cancel", "Cancel", id="compose.cancel"),
        # Priority: the text area binds ctrl+e (end of line) and would swallow it.
        Binding("ctrl+e", "editor", "$EDITOR", priority=True, id="compose.editor"),
    ]

    def __init__(
        self,
        title: str,
        editor: str | None,
        text: str = "",
        note: str = "",
        typed: Callable[[str], None] | None = None,
    ) -> None:
        """`text`: a draft to go on with; `note`: a line above it (what changed meanwhile);
        `typed`: told the text after each change (to save it as a draft)."""
        super().__init__()
        self.title_text = title
        self.editor = editor
        self.text = text
        self.note = note
        self.typed = typed

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box compose-box"):
            yield Label(as_text(self.title_text))
            if self.note:
                yield Label(as_text(self.note), classes="compose-note")
            yield TextArea(self.text, id="compose-text")
            hint = "ctrl+s send · escape close, kept" + (" · ctrl+e $EDITOR" if self.editor else "")
            yield Static(hint, classes="hint")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "editor":
            return self.editor is not None
        return True

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if self.typed is not None:
            self.typed(event.text_area.text)

    def action_send(self) -> None:
        text = self.query_one(TextArea).text
        self.dismiss(Composed(text, send=bool(text.strip())))

    def action_cancel(self) -> None:
        self.dismiss(Composed(self.query_one(TextArea).text, send=False))

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
