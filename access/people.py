"""People through the gate: list, find, add, edit, deactivate."""

from __future__ import annotations

import peewee

from access.audit_actions import PERSON_ACTIVATE, PERSON_ADD, PERSON_DEACTIVATE, PERSON_EDIT
from access.catalogue import PEOPLE_EDIT, PEOPLE_LIST
from access.contact import contact_column, contact_readable
from access.delegation import RightsGuard, exceeds, grants_of
from access.errors import InvalidInput, NoChange, PermissionDenied
from access.grants import Grants
from access.lookup import person_named
from access.request import Part
from access.roles import check_role_editors_remain
from access.validation import checked_name, checked_username, validate_field_value
from access.versions import bump
from access.views import PersonView
from store.models import Person, PersonRole, Role
from store.rows import selected


class PeopleAdmin(Part):
    """`gate.people`: the people who work in Ticketty or write to it."""

    @staticmethod
    def _people(grants: Grants) -> peewee.ModelSelect[Person]:
        """People, each with whether this person may read their contact data
        (`access.contact`)."""
        return Person.select(Person, contact_column(grants).alias("contact"))

    @staticmethod
    def _view(person: Person, roles: tuple[str, ...]) -> PersonView:
        """E-mail and phone only where `access.contact` allows (the `contact` column)."""
        contact = bool(selected(person, "contact"))
        return PersonView(
            person.username,
            person.display_name,
            person.email if contact else "",
            person.phone if contact else "",
            person.active,
            roles,
            person.version,
        )

    def list_people(self, *, include_inactive: bool = True) -> list[PersonView]:
        grants = self._open().require(PEOPLE_LIST)
        query = self._people(grants).order_by(Person.username)
        if not include_inactive:
            query = query.where(Person.active == True)  # noqa: E712
        return self._views(query)

    def find_people(
        self, text: str, *, limit: int = 20, include_inactive: bool = False
    ) -> list[PersonView]:
        """A person picker's or the people list's search: username or display name containing
        `text`, and the e-mail only for someone who may see contact data (without that right
        an address is never matched, so a search cannot reveal one). Each with their roles,
        which tell staff from customers."""
        grants = self._open().require(PEOPLE_LIST)
        text = text.strip()
        query = self._people(grants)
        if not include_inactive:
            query = query.where(Person.active == True)  # noqa: E712
        if text:
            matches = Person.username.contains(text) | Person.display_name.contains(text)
            # An address is matched only where the person may read it (`access.contact`).
            matches |= Person.email.contains(text) & contact_readable(grants)
            query = query.where(matches)
        return self._views(query.order_by(Person.username).limit(limit), few=True)

    def _views(self, people: peewee.ModelSelect[Person], *, few: bool = False) -> list[PersonView]:
        """The people of `people` as views, each with their roles (one statement more; `few`:
        a search's page, whose roles are read by their ids, not everyone's)."""
        found = list(people)
        roles: dict[int, list[str]] = {}
        links = PersonRole.select(PersonRole.person, Role.name).join(Role).order_by(Role.name)
        if few:
            links = links.where(PersonRole.person.in_([p.id for p in found]))
        for link in links:
            roles.setdefault(link.person_id, []).append(link.role.name)
        return [self._view(p, tuple(roles.get(p.id, ()))) for p in found]

    def add_person(
        self, username: str, display_name: str, *, email: str = "", phone: str = ""
    ) -> None:
        request = self._open()
        request.require(PEOPLE_EDIT)
        checked_username(username)
        display_name = checked_name(display_name, "display name")
        email = validate_field_value("email", email, False, "the e-mail")
        phone = validate_field_value("phone", phone, False, "the phone")
        with request.writing():
            if Person.get_or_none(Person.username == username):
                raise InvalidInput(f"{username} already exists")
            person = Person.create(
                username=username, display_name=display_name, email=email, phone=phone
            )
            request.record(
                PERSON_ADD,
                "person",
                person.id,
                after={"username": username, "display_name": display_name},
            )

    def edit_person(
        self,
        username: str,
        *,
        display_name: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        expected_version: int | None = None,
    ) -> None:
        request = self._open()
        grants = request.require(PEOPLE_EDIT)
        changes: dict[peewee.Field, str] = {}
        if display_name is not None:
            changes[Person.display_name] = checked_name(display_name, "display name")
        if email is not None:
            changes[Person.email] = validate_field_value("email", email, False, "the e-mail")
        if phone is not None:
            changes[Person.phone] = validate_field_value("phone", phone, False, "the phone")
        with request.writing():
            person = person_named(username)
            if exceeds(grants_of(person.id), grants):
                raise PermissionDenied(
                    f"{request.username} cannot edit {username}, who holds more than "
                    f"{request.username}"
                )
            if all(getattr(person, f.name) == v for f, v in changes.items()):
                raise NoChange(f"{username} is already so; nothing changed")
            bump(person, expected_version, username)
            request.update_recorded(person, changes, PERSON_EDIT, "person")

    def set_active(
        self, username: str, active: bool, *, expected_version: int | None = None
    ) -> None:
        """Deactivate (or reactivate) a person: they cannot start the app, a session of theirs
        ends; tickets stay."""
        request = self._open()
        grants = request.require(PEOPLE_EDIT)
        with request.writing():
            person = person_named(username)
            if person.active == active:
                state = "active" if active else "deactivated"
                raise NoChange(f"{username} is already {state}; nothing changed")
            bump(person, expected_version, username)
            verb = "reactivate" if active else "deactivate"
            guard = RightsGuard(
                grants, what=f"{verb} {username}", gives=active, takes=not active
            ).watch([person.id])
            Person.update(active=active).where(Person.id == person.id).execute()
            request.record(
                PERSON_ACTIVATE if active else PERSON_DEACTIVATE,
                "person",
                person.id,
                before={"active": person.active},
                after={"active": active},
            )
            guard.verify()
            check_role_editors_remain()
