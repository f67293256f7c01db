"""People: staff (who hold a role) and customers (who hold none), searched by name, username
and, with `tickets.view_contact`, e-mail; add, edit, deactivate and reactivate; give and take
roles."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import work

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
        self.search_people()

    @work(group="people-change", exit_on_error=False)
    async def search_people(self) -> None:
        """Narrow the list to people whose name or username (or, with the right to see contact
        data, e-mail) contains the text; an empty search shows everyone again."""
        hint = "name or username" + (" or e-mail" if self.can(TICKETS_VIEW_CONTACT) else "")
        question = PromptModal(f"Search people by {hint} (empty: everyone)", self.search)
        text = await self.app.asked(question)
        if text is not None:
            self.search = text.strip()
            self.reload()

    def action_new(self) -> None:
        self.add_person()

    @work(group="people-change", exit_on_error=False)
    async def add_person(self) -> None:
        username = await self.asked_text("Username of the new person (lowercase)")
        if username is None:
            return
        name = await self.asked_text(f"Display name of {username}")
        if name is None:
            return
        await self.changed(
            lambda: self.gate.people.add_person(username, name), f"added {username}", username
        )

    def action_edit(self) -> None:
        if self.current is not None:
            self.edit_person(self.current)

    @work(group="people-change", exit_on_error=False)
    async def edit_person(self, person: PersonView) -> None:
        fields = [("name", "Display name"), ("email", "E-mail"), ("phone", "Phone")]
        current = {"name": person.display_name, "email": person.email, "phone": person.phone}
        which = await self.asked_choice(f"Edit {person.username}", fields)
        if which is None:
            return
        value = await self.asked_text(dict(fields)[which], current[which])
        if value is None:
            return
        arguments: dict[str, Any] = {{"name": "display_name"}.get(which, which): value}
        await self.changed(
            lambda: self.gate.people.edit_person(
                person.username, expected_version=person.version, **arguments
            ),
            "saved",
            person.username,
        )

    def action_active(self) -> None:
        if self.current is not None:
            self.switch_active(self.current)

    @work(group="people-change", exit_on_error=False)
    async def switch_active(self, person: PersonView) -> None:
        verb = "Deactivate" if person.active else "Reactivate"
        if not await self.asked_yes(f"{verb} {person.username}? Their tickets stay."):
            return
        await self.changed(
            lambda: self.gate.people.set_active(
                person.username, not person.active, expected_version=person.version
            ),
            f"{verb.lower()}d {person.username}",
            person.username,
        )

    def action_give_role(self) -> None:
        if self.current is not None:
            self.give_role(self.current)

    @work(group="people-change", exit_on_error=False)
    async def give_role(self, person: PersonView) -> None:
        roles = await self.app.gate_call(self.gate.roles.list_roles)
        choices = [(r.name, r.name) for r in roles if r.name not in person.roles]
        role = await self.asked_choice(f"Give {person.username} the role", choices)
        if role is None:
            return
        await self.changed(
            lambda: self.gate.roles.grant_role(person.username, role),
            f"gave {role}",
            person.username,
        )

    def action_take_role(self) -> None:
        person = self.current
        if person is not None and person.roles:
            self.take_role(person)

    @work(group="people-change", exit_on_error=False)
    async def take_role(self, person: PersonView) -> None:
        choices = [(r, r) for r in person.roles]
        role = await self.asked_choice(f"Take from {person.username} the role", choices)
        if role is None:
            return
        await self.changed(
            lambda: self.gate.roles.revoke_role(person.username, role),
            f"took {role}",
            person.username,
        )
