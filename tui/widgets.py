"""Modals shared by screens: confirm, one-line prompt, a form, a picker that searches, a
checklist, a scrolling text (the help) and a file viewer. The composer of replies is
`tui.composer`. Every label that carries data goes through `safe_text`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, NamedTuple

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, SelectionList, Static
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from tui.moving import MovingOptionList, MovingSelectionList
from wording.safe_text import as_text, one_line


class ConfirmModal(ModalScreen[bool]):
    """A question with yes/no; `y` confirms, `n` or escape cancels. Every question asks before
    something is deleted, discarded or changed for good, so the answer a stray enter gives is
    No: the No button has the focus."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label(as_text(self.question))
            with Horizontal(classes="modal-buttons"):
                yield Button("Yes (y)", id="yes", variant="error")
                yield Button("No (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class SafeQuestion(ConfirmModal):
    """A question about leaving or throwing away work: No (the safe answer) has the focus, so
    Enter keeps the work."""

    def on_mount(self) -> None:
        self.query_one("#no").focus()


class PromptModal(ModalScreen[str | None]):
    """One line of text; enter submits, escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel")
    ]

    def __init__(self, title: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label(as_text(self.title_text))
            yield Input(value=self.value, placeholder=self.placeholder)

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Field(NamedTuple):
    """One line of a `FormModal`: the key it is handed back under, its label, its value."""

    key: str
    label: str
    value: str = ""
    placeholder: str = ""


class FormModal(ModalScreen[dict[str, str] | None]):
    """A few lines of text at once: tab and shift+tab move between them, enter moves on and
    submits from the last line, ctrl+s submits from any, escape cancels. Hands back each
    field's stripped text by key."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Save", id="form.save"),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    def __init__(self, title: str, fields: Sequence[Field], hint: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.fields = list(fields)
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label(as_text(self.title_text), classes="modal-title")
            for field in self.fields:
                yield Label(as_text(field.label))
                yield Input(
                    value=field.value, placeholder=field.placeholder, id=f"form-{field.key}"
                )
            tail = "tab next · enter on the last line or ctrl+s saves · escape cancels"
            yield Static(as_text(f"{self.hint}\n{tail}" if self.hint else tail), classes="hint")

    @on(Input.Submitted)
    def next_or_submit(self, event: Input.Submitted) -> None:
        inputs = list(self.query(Input).results(Input))
        if event.input is inputs[-1]:
            self.action_submit()
        else:
            inputs[inputs.index(event.input) + 1].focus()

    def action_submit(self) -> None:
        self.dismiss(
            {f.key: self.query_one(f"#form-{f.key}", Input).value.strip() for f in self.fields}
        )

    def action_cancel(self) -> None:
        self.dismiss(None)


class PickerModal(ModalScreen[str | None]):
    """Pick one of `choices` (value, label); typing filters the list (`typed`: what it is
    filtered by as it opens)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="picker.cancel"),
        Binding("down", "focus_list", "List", show=False, id="picker.list"),
    ]

    def __init__(self, title: str, choices: Sequence[tuple[str, str]], typed: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)
        self.typed = typed  # the filter as it opens

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label(as_text(self.title_text))
            yield Input(self.typed, placeholder="type to filter")
            yield MovingOptionList(*self._options(self.typed))

    def _matches(self, text: str) -> list[tuple[str, str]]:
        needle = text.casefold()
        return [
            (value, label)
            for value, label in self.choices
            if needle in label.casefold() or needle in value.casefold()
        ]

    def _options(self, text: str) -> list[Option]:
        return [Option(as_text(label), id=value) for value, label in self._matches(text)]

    @on(Input.Changed)
    def filter(self, event: Input.Changed) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(self._options(event.value))
        if options.option_count:
            options.highlighted = 0

    @on(Input.Submitted)
    def take_first(self, event: Input.Submitted) -> None:
        """Enter in the filter: the choice whose value or label is exactly what was typed, else
        the first that matches it.

        Worked out from the typed text, not from the list, which is refilled by `Input.Changed`
        and may still show an older filter when a fast typist presses enter."""
        typed = event.value.strip()
        matches = self._matches(typed)
        exact = [
            value
            for value, label in matches
            if value == typed or label.casefold() == typed.casefold()
        ]
        if exact or matches:
            self.dismiss(exact[0] if exact else matches[0][0])

    @on(OptionList.OptionSelected)
    def selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_focus_list(self) -> None:
        self.query_one(OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChecklistModal(ModalScreen[tuple[str, ...] | None]):
    """Tick any of `choices` (value, label): space ticks, enter or ctrl+s applies the ticked
    values (none ticked: an empty tuple), escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: the list takes enter to tick a row otherwise.
        Binding("enter,ctrl+s", "apply", "Apply", priority=True, id="checklist.apply"),
        Binding("escape", "cancel", "Cancel", id="checklist.cancel"),
    ]

    def __init__(
        self, title: str, choices: Sequence[tuple[str, str]], ticked: Sequence[str] = ()
    ) -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)
        self.ticked = set(ticked)

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label(as_text(self.title_text))
            yield MovingSelectionList(
                *[
                    Selection(as_text(label), value, value in self.ticked)
                    for value, label in self.choices
                ]
            )
            yield Static("space ticks · enter applies · escape cancels", classes="hint")

    def on_mount(self) -> None:
        options = self.query_one(SelectionList)
        if options.option_count:
            options.highlighted = 0  # space ticks the first choice at once
        options.focus()

    def action_apply(self) -> None:
        ticked = set(self.query_one(SelectionList).selected)
        self.dismiss(tuple(value for value, _ in self.choices if value in ticked))

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextModal(ModalScreen[None]):
    """A titled text that scrolls by keyboard (j/k, arrows, pgup/pgdn, g/G); escape or q
    closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="text.close"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="text.down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="text.up"),
        Binding("pagedown,space", "page(1)", "Page down", show=False, id="text.page_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="text.page_up"),
        Binding("g,home", "jump(0)", "Top", show=False, id="text.top"),
        Binding("G,end", "jump(1)", "End", show=False, id="text.end"),
    ]

    BOX = "modal-box text-box"
    HINT = "j/k pgup/pgdn scroll · escape closes"

    def __init__(self, title: str, text: Text) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes=self.BOX):
            yield Label(as_text(self.title_text), classes="modal-title")
            with VerticalScroll(id="text-scroll"):
                yield Static(self.text)
            yield Static(self.HINT, classes="hint")

    def action_scroll(self, lines: int) -> None:
        self.query_one("#text-scroll").scroll_relative(y=lines, animate=False)

    def action_page(self, pages: int) -> None:
        view = self.query_one("#text-scroll")
        view.scroll_relative(y=pages * max(1, view.size.height - 1), animate=False)

    def action_jump(self, end: int) -> None:
        view = self.query_one("#text-scroll")
        if end:
            view.scroll_end(animate=False)
        else:
            view.scroll_home(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)


class FileViewer(TextModal):
    """A file shown read-only over the whole screen, as a `TextModal`; `w` closes it asking
    that the file be saved (`save_asked`)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "save", "Save", id="file.save"),
    ]
    BOX = "modal-box text-box file-box"
    HINT = "j/k pgup/pgdn scroll · w saves · escape closes"
    save_asked = False

    def action_save(self) -> None:
        self.save_asked = True
        self.dismiss(None)


def key_table(keys: Sequence[tuple[str, str]]) -> Text:
    """Keys and what they do, one per line."""
    width = max((len(key) for key, _ in keys), default=0)
    lines = Text()
    for key, description in keys:
        lines.append(f"{key:>{width}}  ", style="bold")
        lines.append(one_line(description) + "\n")
    lines.rstrip()
    return lines
