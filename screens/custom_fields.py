"""Custom fields of usergroups: define, rename, reorder, make required, retire."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text

from access.catalogue import USERGROUPS_FIELDS
from access.views import FieldDefinition
from access.vocabulary import FIELD_KINDS
from tui.listing import ListingScreen, pairs
from tui.screen import Action


class CustomFieldsScreen(ListingScreen):
    TITLE_TEXT = "Custom fields of usergroups"
    COLUMNS = ("Field", "Kind", "Required", "State")
    WATCHES = ("field",)
    ACTIONS: ClassVar[tuple[Action, ...]] = (
        Action("n", "new", "New", "fields.new", USERGROUPS_FIELDS),
        Action("R", "rename", "Rename", "fields.rename", USERGROUPS_FIELDS),
        Action("r", "required", "Required", "fields.required", USERGROUPS_FIELDS),
        Action("x", "retire", "Retire", "fields.retire", USERGROUPS_FIELDS),
        Action("K", "up", "Raise", "fields.up", USERGROUPS_FIELDS),
        Action("J", "down", "Lower", "fields.down", USERGROUPS_FIELDS),
    )

    def fetch(self) -> list[FieldDefinition]:
        return self.gate.groups.list_fields(include_retired=True)

    def cells(self, record: FieldDefinition) -> Sequence[str]:
        return (
            record.name,
            record.kind,
            "yes" if record.required else "no",
            "retired" if record.retired else "in use",
        )

    def describe(self, record: FieldDefinition) -> Text:
        return pairs(
            [
                ("Kind", record.kind),
                ("Required", "yes" if record.required else "no"),
                ("Position", str(record.position)),
            ],
            record.name,
        )

    def action_new(self) -> None:
        def named(name: str) -> None:
            self.pick(
                "Kind of field",
                [(k, k) for k in FIELD_KINDS],
                lambda kind: self.change(
                    lambda: self.gate.groups.define_field(name, kind), f"defined {name}", name
                ),
            )

        self.ask("Name of the new field", named)

    def action_rename(self) -> None:
        field = self.current
        if field is not None:
            self.ask(
                f"Rename {field.name} to",
                lambda new: self.change(
                    lambda: self.gate.groups.update_field(field.name, new_name=new), "renamed", new
                ),
                field.name,
            )

    def action_required(self) -> None:
        field = self.current
        if field is not None:
            self.change(
                lambda: self.gate.groups.update_field(field.name, required=not field.required),
                "saved",
                field.name,
            )

    def action_retire(self) -> None:
        field = self.current
        if field is not None:
            self.change(
                lambda: self.gate.groups.update_field(field.name, retired=not field.retired),
                "saved",
                field.name,
            )

    def _swap(self, step: int) -> None:
        """Swap positions with the neighbour, so the order is the list's order."""
        field = self.current
        index = self.records.index(field) if field is not None else -1
        other_index = index + step
        if field is None or not 0 <= other_index < len(self.records):
            return
        other = self.records[other_index]

        def swap() -> None:
            self.gate.groups.update_field(field.name, position=other.position)
            self.gate.groups.update_field(other.name, position=field.position)

        self.change(swap, "moved", field.name)

    def action_up(self) -> None:
        self._swap(-1)

    def action_down(self) -> None:
        self._swap(1)
