"""The editor of a record with a few one-line fields and one text of several lines (a canned
reply's body, a macro's steps): tab moves between them, ctrl+s saves, escape cancels. Nothing
typed is lost silently: escape with changes asks first (No keeps the editor open), and a save
the gate refused opens the editor again on what was typed, with the refusal in one line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static, TextArea

from tui.widgets import ConfirmModal, Field
from wording.safe_text import as_text, one_line


class RecordEditor(ModalScreen[dict[str, str] | None]):
    """Hands back each field's stripped text by key, and `text`'s key with the text as typed
    (its trailing blank lines dropped); None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Save", priority=True, id="editor.save"),
        Binding("escape", "cancel", "Cancel", id="editor.cancel"),
    ]
    DEFAULT_CSS = """
    RecordEditor .editor-box { width: 76; }
    RecordEditor .editor-line { height: 1; }
    RecordEditor .editor-line Label { width: 12; }
    RecordEditor .editor-line Input { width: 1fr; }
    RecordEditor TextArea { height: 9; }
    RecordEditor .editor-refusal { color: $error; }
    """

    def __init__(
        self,
        title: str,
        fields: Sequence[Field],
        text: Field,
        hint: str = "",
        refusal: str = "",
        saved: dict[str, str] | None = None,
    ) -> None:
        """`saved`: the values as stored (by default the fields' own), which escape drops what
        differs from only after asking; an editor opened again on refused text asks too."""
        super().__init__()
        self.title_text = title
        self.fields = list(fields)
        self.text_field = text
        self.hint = hint
        self.refusal = refusal
        given = {f.key: f.value for f in [*self.fields, self.text_field]}
        self.saved = _stripped(saved if saved is not None else given, self.text_field.key)

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box editor-box"):
            yield Label(as_text(self.title_text), classes="modal-title")
            if self.refusal:
                yield Label(as_text(one_line(self.refusal)), classes="editor-refusal")
            for field in self.fields:
                with Horizontal(classes="editor-line"):
                    yield Label(as_text(field.label))
                    yield Input(
                        value=field.value,
                        placeholder=field.placeholder,
                        id=f"editor-{field.key}",
                        compact=True,
                        select_on_focus=False,  # a key typed on it would replace it all
                    )
            yield Label(as_text(self.text_field.label))
            yield TextArea(
                self.text_field.value,
                id="editor-text",
                placeholder=self.text_field.placeholder,
            )
            tail = "tab next · ctrl+s saves · escape cancels"
            yield Static(as_text(f"{self.hint} · {tail}" if self.hint else tail), classes="hint")

    def on_mount(self) -> None:
        first = self.query_one(f"#editor-{self.fields[0].key}", Input) if self.fields else None
        if first is not None and not first.value:
            first.focus()
        else:
            area = self.query_one(TextArea)
            area.move_cursor(area.document.end)  # to go on where the text ends
            area.focus()

    def typed(self) -> dict[str, str]:
        values = {
            f.key: self.query_one(f"#editor-{f.key}", Input).value.strip() for f in self.fields
        }
        values[self.text_field.key] = self.query_one(TextArea).text.rstrip()
        return values

    def _unchanged(self) -> bool:
        return self.typed() == self.saved

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.focus_next()

    def action_submit(self) -> None:
        self.dismiss(self.typed())

    def action_cancel(self) -> None:
        if self._unchanged():
            self.dismiss(None)
            return

        def answered(drop: bool | None) -> None:
            if drop:
                self.dismiss(None)

        self.app.push_screen(ConfirmModal("Drop what you typed here?"), answered)


def _stripped(values: dict[str, str], text_key: str) -> dict[str, str]:
    """Values as `typed` hands them back: stripped, the text's trailing blanks only."""
    return {k: v.rstrip() if k == text_key else v.strip() for k, v in values.items()}


def names_text(names: Sequence[str]) -> str:
    """Names as one line of a field: comma separated."""
    return ", ".join(names)


def names_of(text: str) -> list[str]:
    """The names typed in a field, comma separated; blanks left out."""
    return [name.strip() for name in text.split(",") if name.strip()]
