"""Custom fields of usergroups: define, rename, reorder, make required, retire."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import work

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
        self.define_field()

    @work(group="field-change", exit_on_error=False)
    async def define_field(self) -> None:
        name = await self.asked_text("Name of the new field")
        if name is None:
            return
        kind = await self.asked_choice("Kind of field", [(k, k) for k in FIELD_KINDS])
        if kind is None:
            return
        await self.changed(
            lambda: self.gate.groups.define_field(name, kind), f"defined {name}", name
        )

    def action_rename(self) -> None:
        if self.current is not None:
            self.rename_field(self.current)

    @work(group="field-change", exit_on_error=False)
    async def rename_field(self, field: FieldDefinition) -> None:
        new = await self.asked_text(f"Rename {field.name} to", field.name)
        if new is None:
            return
        await self.changed(
            lambda: self.gate.groups.update_field(field.name, new_name=new), "renamed", new
        )

    def action_required(self) -> None:
        if self.current is not None:
            self.switch_required(self.current)

    @work(group="field-change", exit_on_error=False)
    async def switch_required(self, field: FieldDefinition) -> None:
        await self.changed(
            lambda: self.gate.groups.update_field(field.name, required=not field.required),
            "saved",
            field.name,
        )

    def action_retire(self) -> None:
        if self.current is not None:
            self.switch_retired(self.current)

    @work(group="field-change", exit_on_error=False)
    async def switch_retired(self, field: FieldDefinition) -> None:
        await self.changed(
            lambda: self.gate.groups.update_field(field.name, retired=not field.retired),
            "saved",
            field.name,
        )

    def _swap(self, step: int) -> None:
        """Swap positions with the neighbour, so the order is the list's order."""
        field = self.current
        index = self.records.index(field) if field is not None else -1
        other_index = index + step
        if field is not None and 0 <= other_index < len(self.records):
            self.swap_fields(field, self.records[other_index])

    @work(group="field-change", exit_on_error=False)
    async def swap_fields(self, field: FieldDefinition, other: FieldDefinition) -> None:
        def swap() -> None:
            self.gate.groups.update_field(field.name, position=other.position)
            self.gate.groups.update_field(other.name, position=field.position)

        await self.changed(swap, "moved", field.name)

    def action_up(self) -> None:
        self._swap(-1)

    def action_down(self) -> None:
        self._swap(1)
