"""Usergroups: members, supervisors and custom field values; create, rename, delete."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import work

from access import Conflict
from access.catalogue import USERGROUPS_EDIT, USERGROUPS_FIELDS, USERGROUPS_MEMBERS
from access.views import GroupView, PersonView
from screens.people import kind_of
from tui.listing import ListingScreen, pairs
from tui.screen import Action
from tui.widgets import PromptModal
from wording.safe_text import one_line


class UsergroupsScreen(ListingScreen):
    TITLE_TEXT = "Usergroups"
    COLUMNS = ("Usergroup", "Supervisors", "Members")
    WATCHES = ("usergroup", "field", "person")
    ACTIONS: ClassVar[tuple[Action, ...]] = (
        Action("n", "new", "New", "groups.new", USERGROUPS_EDIT),
        Action("R", "rename", "Rename", "groups.rename", USERGROUPS_EDIT, show=False),
        Action("d", "delete", "Delete", "groups.delete", USERGROUPS_EDIT, show=False),
        Action("a", "add_member", "Member", "groups.add_member", USERGROUPS_MEMBERS),
        Action("s", "add_supervisor", "Supervisor", "groups.add_supervisor", USERGROUPS_MEMBERS),
        Action("x", "remove_person", "Remove", "groups.remove_person", USERGROUPS_MEMBERS),
        Action("e", "set_field", "Field", "groups.set_field", USERGROUPS_FIELDS),
        Action("f", "fields", "Fields", "groups.fields", USERGROUPS_FIELDS),
    )

    def fetch(self) -> list[GroupView]:
        return self.gate.groups.list_groups()

    def cells(self, record: GroupView) -> Sequence[str]:
        return (record.name, ", ".join(record.supervisors) or "-", str(len(record.members)))

    def describe(self, record: GroupView) -> Text:
        rows = [
            ("Supervisors", ", ".join(record.supervisors) or "-"),
            ("Members", ", ".join(record.members) or "-"),
        ]
        rows += [(f.name, f.value or "-") for f in record.fields]
        return pairs(rows, record.name)

    def action_new(self) -> None:
        self.create_group()

    @work(group="group-change", exit_on_error=False)
    async def create_group(self) -> None:
        name = await self.asked_text("Name of the new usergroup")
        if name is not None:
            await self.changed(lambda: self.gate.groups.create_group(name), f"created {name}", name)

    def action_rename(self) -> None:
        if self.current is not None:
            self.rename_group(self.current)

    @work(group="group-change", exit_on_error=False)
    async def rename_group(self, group: GroupView) -> None:
        """Ask for the new name and rename; refused (another admin renamed or changed it
        meanwhile, which the notification names), the question comes back on the group as it
        now is, with the typed name kept."""
        typed = group.name
        while (name := await self.asked_text(f"Rename {group.name} to", typed)) is not None:
            if await self._renamed(group, name):
                self.notify(one_line(f"renamed to {name}"))
                self.reload(name)
                return
            records = await self.app.gate_call(self.fetch)
            now = next((r for r in records if r.id == group.id), None)
            self._show(records, None if now is None else now.name)
            if now is None:
                return
            group, typed = now, name

    async def _renamed(self, group: GroupView, name: str) -> bool:
        """Whether `group`, as shown, was renamed to `name` (the person was told if not)."""
        return (
            await self.refusal(
                lambda: self.gate.groups.rename_group(
                    group.name, name, expected_version=group.version
                )
            )
            is None
        )

    def action_delete(self) -> None:
        if self.current is not None:
            self.delete_group(self.current)

    @work(group="group-change", exit_on_error=False)
    async def delete_group(self, group: GroupView) -> None:
        """Delete a group; one with tickets asks where they go: another group, or none."""
        count = await self.app.gate_call(lambda: self.gate.groups.group_ticket_count(group.name))
        target: str | None = None
        if not count:
            if not await self.asked_yes(f"Delete usergroup {group.name}?"):
                return
        else:
            choices = [("", "leave them without a group")] + [
                (g.name, f"move them to {g.name}") for g in self.records if g.name != group.name
            ]
            title = f"{group.name} has {count} tickets: what happens to them?"
            picked = await self.asked_choice(title, choices)
            if picked is None:
                return
            target = picked or None
        await self.changed(
            lambda: self.gate.groups.delete_group(
                group.name, move_tickets_to=target, expected_version=group.version
            ),
            f"deleted {group.name}",
        )

    async def picked_person(self, title: str) -> PersonView | None:
        """In a flow: a person the person picks, staff first, then customers, each marked as
        which; None when cancelled."""
        people = await self.app.gate_call(lambda: self.gate.people.find_people("", limit=1000))
        ordered = sorted(people, key=lambda p: (not p.staff, p.username))
        by_name = {p.username: p for p in ordered}
        choices = [(p.username, f"{p.username} — {p.display_name} ({kind_of(p)})") for p in ordered]
        who = await self.asked_choice(title, choices)
        return None if who is None else by_name[who]

    def action_add_member(self) -> None:
        if self.current is not None:
            self.add_member(self.current)

    @work(group="group-change", exit_on_error=False)
    async def add_member(self, group: GroupView) -> None:
        who = await self.picked_person(
            f"Add a member to {group.name} (staff first; a customer joins their "
            "organisation's group)"
        )
        if who is None:
            return
        await self.changed(
            lambda: self.gate.groups.add_member(
                group.name, who.username, expected_version=group.version
            ),
            f"{who.username} joined {group.name}",
            group.name,
        )

    def action_add_supervisor(self) -> None:
        if self.current is not None:
            self.add_supervisor(self.current)

    @work(group="group-change", exit_on_error=False)
    async def add_supervisor(self, group: GroupView) -> None:
        """A supervisor views, replies to, assigns and closes the group's tickets: staff are
        offered first, and making a customer one is asked about first."""
        who = await self.picked_person(f"Add a supervisor to {group.name} (staff first)")
        if who is None:
            return
        if not who.staff and not await self.asked_yes(
            f"{who.username} is a customer (holds no role). Make them a supervisor of "
            f"{group.name}? A supervisor views, replies to, assigns and closes the "
            "group's tickets."
        ):
            return
        await self.changed(
            lambda: self.gate.groups.add_supervisor(
                group.name,
                who.username,
                customer=not who.staff,  # asked about just before
                expected_version=group.version,
            ),
            f"{who.username} supervises {group.name}",
            group.name,
        )

    def action_remove_person(self) -> None:
        if self.current is not None:
            self.remove_person(self.current)

    @work(group="group-change", exit_on_error=False)
    async def remove_person(self, group: GroupView) -> None:
        choices = [(f"m:{u}", f"member {u}") for u in group.members]
        choices += [(f"s:{u}", f"supervisor {u}") for u in group.supervisors]
        choice = await self.asked_choice(f"Remove from {group.name}", choices)
        if choice is None:
            return
        kind, who = choice.split(":", 1)
        call = self.gate.groups.remove_member if kind == "m" else self.gate.groups.remove_supervisor
        await self.changed(
            lambda: call(group.name, who, expected_version=group.version),
            f"removed {who}",
            group.name,
        )

    def action_set_field(self) -> None:
        if self.current is not None:
            self.set_field_value(self.current)

    @work(group="group-change", exit_on_error=False)
    async def set_field_value(self, group: GroupView) -> None:
        """Pick a field and ask for its value; when the gate refuses it (a bad phone, say),
        ask again with what was typed kept, so nothing is lost. After a conflict (someone
        changed the group; the notification says how) the list shows the group as it is now,
        and saving the kept value again is a choice made knowing that."""
        values = {f.name: f.value for f in group.fields}
        field = await self.asked_choice(f"Which field of {group.name}?", [(n, n) for n in values])
        if field is None:
            return
        value = values.get(field, "")
        version: int | None = group.version
        prompt = f"{field} of {group.name}"
        while (text := await self.app.asked(PromptModal(prompt, value))) is not None:
            refusal = await self._field_refusal(group.name, field, text, version)
            if refusal is None:
                self.notify(f"{field} saved")
                self.reload(group.name)
                return
            value = text
            version = None if isinstance(refusal, Conflict) else version

    async def _field_refusal(
        self, group: str, field: str, text: str, version: int | None
    ) -> Exception | None:
        """Set the field's value: None when saved, else the gate's refusal."""
        return await self.refusal(
            lambda: self.gate.groups.set_field_value(group, field, text, expected_version=version)
        )

    def action_fields(self) -> None:
        from screens.custom_fields import CustomFieldsScreen

        self.app.push_screen(CustomFieldsScreen())
