"""People: staff (who hold a role) and customers (who hold none), searched by name, username
and, with `tickets.view_contact`, e-mail; add, edit, deactivate and reactivate; give and take
roles."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text

from access.catalogue import PEOPLE_EDIT, ROLES_ASSIGN, TICKETS_VIEW_CONTACT
from access.views import PersonView
from tui.listing import ListingScreen, pairs
from tui.screen import Action
from tui.widgets import PromptModal
from wording.safe_text import one_line

SEARCH_LIMIT = 1000  # people a search lists at most


def kind_of(person: PersonView, *, long: bool = False) -> str:
    """`staff` (holds a role) or `customer` (holds none)."""
    if not long:
        return "staff" if person.staff else "customer"
    if person.staff:
        return "staff: holds a role"
    return "customer: holds no role; files and reads their own tickets"


class PeopleScreen(ListingScreen):
    TITLE_TEXT = "People"
    COLUMNS = ("Username", "Name", "Kind", "Active", "Roles")
    WATCHES = ("person", "role")
    ACTIONS: ClassVar[tuple[Action, ...]] = (
        Action("slash", "search", "Search", "people.search"),
        Action("n", "new", "New", "people.new", PEOPLE_EDIT, show=False),
        Action("e", "edit", "Edit", "people.edit", PEOPLE_EDIT),
        Action("d", "active", "Active on/off", "people.deactivate", PEOPLE_EDIT),
        Action("a", "give_role", "Give role", "people.give_role", ROLES_ASSIGN),
        Action("x", "take_role", "Take role", "people.take_role", ROLES_ASSIGN),
    )

    def __init__(self) -> None:
        super().__init__()
        self.search = ""  # what the list is narrowed to; empty: everyone

    def key_of(self, record: PersonView) -> str:
        return record.username

    def fetch(self) -> list[PersonView]:
        if not self.search:
            return self.gate.people.list_people()
        return self.gate.people.find_people(self.search, limit=SEARCH_LIMIT, include_inactive=True)

    def reload(self, select: str | None = None) -> None:
        self.sub_title = f"search: {one_line(self.search)}" if self.search else ""
        super().reload(select)

    def cells(self, record: PersonView) -> Sequence[str]:
        return (
            record.username,
            record.display_name,
            kind_of(record),
            "yes" if record.active else "no",
            ", ".join(record.roles) or "-",
        )

    def describe(self, record: PersonView) -> Text:
        return pairs(
            [
                ("Name", record.display_name),
                ("Kind", kind_of(record, long=True)),
                ("E-mail", record.email or "-"),
                ("Phone", record.phone or "-"),
                ("Active", "yes" if record.active else "no: cannot open Ticketty"),
                ("Roles", ", ".join(record.roles) or "-"),
            ],
            record.username,
        )

    def action_search(self) -> None:
        """Narrow the list to people whose name or username (or, with the right to see contact
        data, e-mail) contains the text; an empty search shows everyone again."""

        def answered(text: str | None) -> None:
            if text is not None:
                self.search = text.strip()
                self.reload()

        hint = "name or username" + (" or e-mail" if self.can(TICKETS_VIEW_CONTACT) else "")
        self.app.push_screen(
            PromptModal(f"Search people by {hint} (empty: everyone)", self.search), answered
        )

    def action_new(self) -> None:
        def named(username: str) -> None:
            self.ask(
                f"Display name of {username}",
                lambda name: self.change(
                    lambda: self.gate.people.add_person(username, name),
                    f"added {username}",
                    username,
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
                    lambda: self.gate.people.edit_person(
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
                lambda: self.gate.people.set_active(
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
                    lambda: self.gate.roles.grant_role(person.username, role),
                    f"gave {role}",
                    person.username,
                ),
            )

        self.app.run_gate(self.gate.roles.list_roles, loaded)

    def action_take_role(self) -> None:
        person = self.current
        if person is not None and person.roles:
            self.pick(
                f"Take from {person.username} the role",
                [(r, r) for r in person.roles],
                lambda role: self.change(
                    lambda: self.gate.roles.revoke_role(person.username, role),
                    f"took {role}",
                    person.username,
                ),
            )
