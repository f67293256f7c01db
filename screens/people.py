"""People: add, edit, deactivate and reactivate; give and take roles."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text

from access.catalogue import PEOPLE_EDIT, ROLES_ASSIGN
from access.views import PersonView
from tui.listing import ListingScreen, pairs
from tui.screen import Action


class PeopleScreen(ListingScreen):
    TITLE_TEXT = "People"
    COLUMNS = ("Username", "Name", "Active", "Roles")
    WATCHES = ("person", "role")
    ACTIONS: ClassVar[tuple[Action, ...]] = (
        Action("n", "new", "New", "people.new", PEOPLE_EDIT),
        Action("e", "edit", "Edit", "people.edit", PEOPLE_EDIT),
        Action("d", "active", "Active on/off", "people.deactivate", PEOPLE_EDIT),
        Action("a", "give_role", "Give role", "people.give_role", ROLES_ASSIGN),
        Action("x", "take_role", "Take role", "people.take_role", ROLES_ASSIGN),
    )

    def key_of(self, record: PersonView) -> str:
        return record.username

    def fetch(self) -> list[PersonView]:
        return self.gate.list_people()

    def cells(self, record: PersonView) -> Sequence[str]:
        return (
            record.username,
            record.display_name,
            "yes" if record.active else "no",
            ", ".join(record.roles) or "-",
        )

    def describe(self, record: PersonView) -> Text:
        return pairs(
            [
                ("Name", record.display_name),
                ("E-mail", record.email or "-"),
                ("Phone", record.phone or "-"),
                ("Active", "yes" if record.active else "no: cannot open Ticketty"),
                ("Roles", ", ".join(record.roles) or "-"),
            ],
            record.username,
        )

    def action_new(self) -> None:
        def named(username: str) -> None:
            self.ask(
                f"Display name of {username}",
                lambda name: self.change(
                    lambda: self.gate.add_person(username, name), f"added {username}", username
                ),
            )

        self.ask("Username of the new person (lowercase)", named)

    def action_edit(self) -> None:
        person = self.current
        if person is None:
            return
        fields = [("name", "Display name"), ("email", "E-mail"), ("phone", "Phone")]
        current = {"name": person.display_name, "email": person.email, "phone": person.phone}

        def chosen(which: str) -> None:
            def save(value: str) -> None:
                arguments: dict[str, Any] = {{"name": "display_name"}.get(which, which): value}
                self.change(
                    lambda: self.gate.edit_person(
                        person.username, expected_version=person.version, **arguments
                    ),
                    "saved",
                    person.username,
                )

            self.ask(dict(fields)[which], save, current[which])

        self.pick(f"Edit {person.username}", fields, chosen)

    def action_active(self) -> None:
        person = self.current
        if person is None:
            return
        verb = "Deactivate" if person.active else "Reactivate"
        self.confirm(
            f"{verb} {person.username}? Their tickets stay.",
            lambda: self.change(
                lambda: self.gate.set_active(
                    person.username, not person.active, expected_version=person.version
                ),
                f"{verb.lower()}d {person.username}",
                person.username,
            ),
        )

    def action_give_role(self) -> None:
        person = self.current
        if person is None:
            return

        def loaded(roles: list[Any]) -> None:
            choices = [(r.name, r.name) for r in roles if r.name not in person.roles]
            self.pick(
                f"Give {person.username} the role",
                choices,
                lambda role: self.change(
                    lambda: self.gate.grant_role(person.username, role),
                    f"gave {role}",
                    person.username,
                ),
            )

        self.app.run_gate(self.gate.list_roles, loaded)

    def action_take_role(self) -> None:
        person = self.current
        if person is not None and person.roles:
            self.pick(
                f"Take from {person.username} the role",
                [(r, r) for r in person.roles],
                lambda role: self.change(
                    lambda: self.gate.revoke_role(person.username, role),
                    f"took {role}",
                    person.username,
                ),
            )
