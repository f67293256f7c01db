"""Usergroups: members, supervisors and custom field values; create, rename, delete."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import work

from access import Conflict
from access.catalogue import USERGROUPS_EDIT, USERGROUPS_FIELDS, USERGROUPS_MEMBERS
from access.views import GroupView, PersonView
from screens.people import kind_of
from tui.listing import ListingScreen, pairs
from tui.screen import Action
from tui.widgets import ConfirmModal, PickerModal, PromptModal
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
        self.ask(
            "Name of the new usergroup",
            lambda name: self.change(
                lambda: self.gate.groups.create_group(name), f"created {name}", name
            ),
        )

    def action_rename(self) -> None:
        group = self.current
        if group is not None:
            self.ask(f"Rename {group.name} to", lambda name: self._rename(group, name), group.name)

    def _rename(self, group: GroupView, name: str) -> None:
        """Rename; refused (another admin renamed or changed it meanwhile, which the
        notification names), the question comes back on the group as it now is, with the
        typed name kept."""

        def done(_: object) -> None:
            self.notify(one_line(f"renamed to {name}"))
            self.reload(name)

        def reloaded(records: list[GroupView]) -> None:
            now = next((r for r in records if r.id == group.id), None)
            self._show(records, None if now is None else now.name)
            if now is not None:
                self.ask(f"Rename {now.name} to", lambda typed: self._rename(now, typed), name)

        self.app.run_gate(
            lambda: self.gate.groups.rename_group(group.name, name, expected_version=group.version),
            done,
            failed=lambda _: self.app.run_gate(self.fetch, reloaded),
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
            question = ConfirmModal(f"Delete usergroup {group.name}?")
            if not await self.app.asked(question):
                return
        else:
            choices = [("", "leave them without a group")] + [
                (g.name, f"move them to {g.name}") for g in self.records if g.name != group.name
            ]
            title = f"{group.name} has {count} tickets: what happens to them?"
            picked = await self.app.asked(PickerModal(title, choices))
            if picked is None:
                return
            target = picked or None
        await self.changed(
            lambda: self.gate.groups.delete_group(
                group.name, move_tickets_to=target, expected_version=group.version
            ),
            f"deleted {group.name}",
            None,
        )

    def _pick_person(self, title: str, then: Callable[[PersonView], None]) -> None:
        """Pick a person: staff first, then customers, each marked as which."""

        def loaded(people: list[PersonView]) -> None:
            ordered = sorted(people, key=lambda p: (not p.staff, p.username))
            by_name = {p.username: p for p in ordered}
            choices = [
                (p.username, f"{p.username} — {p.display_name} ({kind_of(p)})") for p in ordered
            ]
            self.pick(title, choices, lambda who: then(by_name[who]))

        self.app.run_gate(lambda: self.gate.people.find_people("", limit=1000), loaded)

    def action_add_member(self) -> None:
        group = self.current
        if group is not None:
            self._pick_person(
                f"Add a member to {group.name} (staff first; a customer joins their "
                "organisation's group)",
                lambda who: self.change(
                    lambda: self.gate.groups.add_member(
                        group.name, who.username, expected_version=group.version
                    ),
                    f"{who.username} joined {group.name}",
                    group.name,
                ),
            )

    def action_add_supervisor(self) -> None:
        """A supervisor views, replies to, assigns and closes the group's tickets: staff are
        offered first, and making a customer one is asked about first."""
        group = self.current
        if group is None:
            return

        def add(who: PersonView) -> None:
            self.change(
                lambda: self.gate.groups.add_supervisor(
                    group.name,
                    who.username,
                    customer=not who.staff,  # asked about just before
                    expected_version=group.version,
                ),
                f"{who.username} supervises {group.name}",
                group.name,
            )

        def chosen(who: PersonView) -> None:
            if who.staff:
                add(who)
                return
            self.confirm(
                f"{who.username} is a customer (holds no role). Make them a supervisor of "
                f"{group.name}? A supervisor views, replies to, assigns and closes the "
                "group's tickets.",
                lambda: add(who),
            )

        self._pick_person(f"Add a supervisor to {group.name} (staff first)", chosen)

    def action_remove_person(self) -> None:
        group = self.current
        if group is None:
            return
        choices = [(f"m:{u}", f"member {u}") for u in group.members]
        choices += [(f"s:{u}", f"supervisor {u}") for u in group.supervisors]

        def remove(choice: str) -> None:
            kind, who = choice.split(":", 1)
            call = (
                self.gate.groups.remove_member
                if kind == "m"
                else self.gate.groups.remove_supervisor
            )
            self.change(
                lambda: call(group.name, who, expected_version=group.version),
                f"removed {who}",
                group.name,
            )

        self.pick(f"Remove from {group.name}", choices, remove)

    def action_set_field(self) -> None:
        group = self.current
        if group is None:
            return
        values = {f.name: f.value for f in group.fields}

        def field_chosen(name: str) -> None:
            self._ask_value(group.name, name, values.get(name, ""), group.version)

        self.pick(f"Which field of {group.name}?", [(n, n) for n in values], field_chosen)

    def _ask_value(self, group: str, field: str, value: str, version: int | None) -> None:
        """Ask for a value; when the gate refuses it (a bad phone, say), ask again with what
        was typed kept, so nothing is lost. After a conflict (someone changed the group; the
        notification says how) the list shows the group as it is now, and saving the kept value
        again is a choice made knowing that."""

        def answered(text: str | None) -> None:
            if text is None:
                return

            def done(_: object) -> None:
                self.notify(f"{field} saved")
                self.reload(group)

            self.app.run_gate(
                lambda: self.gate.groups.set_field_value(
                    group, field, text, expected_version=version
                ),
                done,
                failed=lambda error: self._ask_value(
                    group, field, text, None if isinstance(error, Conflict) else version
                ),
            )

        self.app.push_screen(PromptModal(f"{field} of {group}", value), answered)

    def action_fields(self) -> None:
        from screens.custom_fields import CustomFieldsScreen

        self.app.push_screen(CustomFieldsScreen())
