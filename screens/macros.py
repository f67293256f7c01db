"""Macros: listed by name with where they are offered and their first step, filtered by typing
(`/`); created, edited (name, steps one a line as the command line's `--step`, sources,
usergroups), copied and deleted with `macros.edit`, as canned replies are
(`screens.canned_replies`). A step that does not parse is refused in one line, and the editor
opens again on what was typed."""

from __future__ import annotations

from typing import ClassVar

from access.catalogue import MACROS_EDIT
from access.macro_steps import PIPELINE_KINDS
from access.macros import MacroView
from screens.canned_replies import OfferedListing
from tui.filtered_listing import FilteredListing
from tui.record_editor import names_of
from tui.screen import Action

STEP_HINT = "one a line, kind:value; kinds " + " ".join(PIPELINE_KINDS)


class MacrosScreen(OfferedListing):
    TITLE_TEXT = "Macros"
    COLUMNS = ("Macro", "Offered in", "First step")
    WATCHES = ("macro",)
    NOUN = "macro"
    EDIT = MACROS_EDIT
    TEXT_LABEL = "Steps"
    TEXT_HINT = STEP_HINT
    ACTIONS: ClassVar[tuple[Action, ...]] = (
        *FilteredListing.ACTIONS,
        Action("n", "new", "New", "macros.new", MACROS_EDIT),
        Action("e", "edit", "Edit", "macros.edit", MACROS_EDIT),
        Action("c", "copy", "Copy", "macros.copy", MACROS_EDIT),
        Action("d", "delete", "Delete", "macros.delete", MACROS_EDIT),
    )

    def read_all(self, *, editable: bool) -> list[MacroView]:
        return self.gate.macros.list_macros(editable=editable)

    def text_of(self, record: MacroView) -> str:
        return "\n".join(record.steps)

    def matched_text(self, record: MacroView) -> str:
        return f"{record.name}\n{self.text_of(record)}".casefold()

    def gate_add(self, values: dict[str, str]) -> object:
        return self.gate.macros.add_macro(
            values["name"],
            _steps(values["text"]),
            sources=names_of(values["sources"]),
            usergroups=names_of(values["groups"]),
        )

    def gate_change(self, record: MacroView, values: dict[str, str]) -> object:
        return self.gate.macros.change_macro(
            record.name,
            new_name=values["name"] if values["name"] != record.name else None,
            steps=_steps(values["text"]),
            sources=names_of(values["sources"]),
            usergroups=names_of(values["groups"]),
            expected_version=record.version,
        )

    def gate_copy(self, record: MacroView, new_name: str) -> object:
        return self.gate.macros.copy_macro(record.name, new_name)

    def gate_remove(self, record: MacroView) -> object:
        self.gate.macros.remove_macro(record.name, expected_version=record.version)
        return None


def _steps(text: str) -> list[str]:
    """The steps typed, one a line; blank lines left out."""
    return [line.strip() for line in text.splitlines() if line.strip()]
