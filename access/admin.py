"""People, roles, usergroups, custom fields, sources and the audit log through the gate.

Anti-escalation rule: nobody gives what they do not hold. A role may only gain permissions its
editor holds, and a role may only be given by someone who holds all of its permissions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import peewee

from access.catalogue import FIELD_KINDS_HELP, PERMISSIONS
from access.errors import InvalidInput, NotFound, PermissionDenied
from access.gate import GateBase
from access.grants import Grants
from access.tickets import fields_of_group
from access.views import (
    AuditView,
    FieldDefinition,
    FieldValue,
    GroupView,
    PersonView,
    RoleView,
    SourceView,
)
from store.models import (
    FIELD_KINDS,
    SOURCE_KINDS,
    TICKET_SCOPES,
    AuditEvent,
    CustomField,
    CustomFieldValue,
    GroupMember,
    GroupSupervisor,
    Person,
    PersonRole,
    Role,
    RolePermission,
    RoleSource,
    Source,
    Ticket,
    Usergroup,
)

_USERNAME = re.compile(r"^[a-z][a-z0-9._-]{0,31}$")
_FIELD_RULES: dict[str, re.Pattern[str]] = {
    "phone": re.compile(r"^\+?[0-9][0-9 ()./-]{3,24}$"),
    "email": re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    "url": re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE),
}


def _name(text: str, what: str, limit: int = 80) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(f"the {what} is empty")
    if len(text) > limit:
        raise InvalidInput(f"the {what} is longer than {limit} characters")
    if any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F for ch in text):
        raise InvalidInput(f"the {what} contains control characters")
    return text


def validate_field_value(kind: str, value: str, required: bool, name: str) -> str:
    """A custom field's value checked against its kind; the message names the field."""
    value = (value or "").strip()
    if not value:
        if required:
            raise InvalidInput(f"{name} is required")
        return ""
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        raise InvalidInput(f"{name} contains control characters")
    rule = _FIELD_RULES.get(kind)
    if rule is not None and not rule.match(value):
        raise InvalidInput(f"{name} must be {FIELD_KINDS_HELP[kind]}")
    return value


class Administration(GateBase):
    # ---------------------------------------------------------------- people

    def _person(self, username: str) -> Person:
        person = Person.get_or_none(Person.username == username)
        if person is None:
            raise NotFound(f"no person named {username!r}")
        return person

    def list_people(self, *, include_inactive: bool = True) -> list[PersonView]:
        self.require("people.list")
        roles: dict[int, list[str]] = {}
        for link in PersonRole.select(PersonRole.person, Role.name).join(Role).order_by(Role.name):
            roles.setdefault(link.person_id, []).append(link.role.name)
        query = Person.select().order_by(Person.username)
        if not include_inactive:
            query = query.where(Person.active == True)  # noqa: E712
        return [
            PersonView(
                p.username, p.display_name, p.email, p.phone, p.active, tuple(roles.get(p.id, ()))
            )
            for p in query
        ]

    def find_people(self, text: str, *, limit: int = 20) -> list[PersonView]:
        """A person picker's search: username or display name containing `text`."""
        self.require("people.list")
        text = text.strip()
        query = Person.select().where(Person.active == True)  # noqa: E712
        if text:
            query = query.where(Person.username.contains(text) | Person.display_name.contains(text))
        return [
            PersonView(p.username, p.display_name, p.email, p.phone, p.active, ())
            for p in query.order_by(Person.username).limit(limit)
        ]

    def add_person(
        self, username: str, display_name: str, *, email: str = "", phone: str = ""
    ) -> None:
        self.require("people.edit")
        if not _USERNAME.match(username or ""):
            raise InvalidInput(
                f"{username!r} is not a valid username (lowercase letters, digits, . _ -)"
            )
        display_name = _name(display_name, "display name")
        email = validate_field_value("email", email, False, "the e-mail")
        phone = validate_field_value("phone", phone, False, "the phone")
        with self.writing():
            if Person.get_or_none(Person.username == username):
                raise InvalidInput(f"{username} already exists")
            person = Person.create(
                username=username, display_name=display_name, email=email, phone=phone
            )
            self.record(
                "person.add",
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
    ) -> None:
        self.require("people.edit")
        changes: dict[peewee.Field, str] = {}
        if display_name is not None:
            changes[Person.display_name] = _name(display_name, "display name")
        if email is not None:
            changes[Person.email] = validate_field_value("email", email, False, "the e-mail")
        if phone is not None:
            changes[Person.phone] = validate_field_value("phone", phone, False, "the phone")
        with self.writing():
            person = self._person(username)
            before = {f.name: getattr(person, f.name) for f in changes}
            Person.update(changes).where(Person.id == person.id).execute()
            self.record(
                "person.edit",
                "person",
                person.id,
                before=before,
                after={f.name: v for f, v in changes.items()},
            )

    def set_active(self, username: str, active: bool) -> None:
        """Deactivate (or reactivate) a person: they cannot start the app; tickets stay."""
        self.require("people.edit")
        with self.writing():
            person = self._person(username)
            Person.update(active=active).where(Person.id == person.id).execute()
            self.record(
                "person.activate" if active else "person.deactivate",
                "person",
                person.id,
                before={"active": person.active},
                after={"active": active},
            )
            self.check_role_editors_remain()

    def grant_role(self, username: str, role_name: str) -> None:
        grants = self.require("roles.assign")
        with self.writing():
            person = self._person(username)
            role = self._role(role_name)
            self._no_escalation(grants, self._role_permissions(role.id), f"role {role.name}")
            if PersonRole.get_or_none(person=person.id, role=role.id):
                raise InvalidInput(f"{username} already holds {role.name}")
            PersonRole.create(person=person.id, role=role.id)
            self.record("role.grant", "person", person.id, after={"role": role.name})

    def revoke_role(self, username: str, role_name: str) -> None:
        grants = self.require("roles.assign")
        with self.writing():
            person = self._person(username)
            role = self._role(role_name)
            self._no_escalation(grants, self._role_permissions(role.id), f"role {role.name}")
            deleted = (
                PersonRole.delete()
                .where((PersonRole.person == person.id) & (PersonRole.role == role.id))
                .execute()
            )
            if not deleted:
                raise InvalidInput(f"{username} does not hold {role.name}")
            self.record("role.revoke", "person", person.id, before={"role": role.name})
            self.check_role_editors_remain()

    # ----------------------------------------------------------------- roles

    def _role(self, name: str) -> Role:
        role = Role.get_or_none(Role.name == name)
        if role is None:
            raise NotFound(f"no role named {name!r}")
        return role

    @staticmethod
    def _role_permissions(role_id: int) -> frozenset[str]:
        return frozenset(
            r.permission
            for r in RolePermission.select(RolePermission.permission).where(
                RolePermission.role == role_id
            )
        )

    def _no_escalation(self, grants: Grants, permissions: Iterable[str], what: str) -> None:
        missing = sorted(set(permissions) - grants.permissions)
        if missing:
            raise PermissionDenied(
                f"{self.username} cannot give {what}: it holds {missing[0]}, which "
                f"{self.username} does not"
            )

    def _role_view(self, role: Role) -> RoleView:
        sources = tuple(
            s.name
            for s in Source.select(Source.name)
            .join(RoleSource)
            .where(RoleSource.role == role.id)
            .order_by(Source.name)
        )
        holders = tuple(
            p.username
            for p in Person.select(Person.username)
            .join(PersonRole)
            .where(PersonRole.role == role.id)
            .order_by(Person.username)
        )
        return RoleView(
            role.name,
            role.description,
            self._role_permissions(role.id),
            role.all_sources,
            sources,
            role.ticket_scope,
            holders,
        )

    def list_roles(self) -> list[RoleView]:
        self.require("roles.list")
        return [self._role_view(r) for r in Role.select().order_by(Role.name)]

    def get_role(self, name: str) -> RoleView:
        self.require("roles.list")
        return self._role_view(self._role(name))

    def create_role(
        self,
        name: str,
        permissions: Iterable[str] = (),
        *,
        description: str = "",
        all_sources: bool = True,
        sources: Iterable[str] = (),
        ticket_scope: str = "all",
    ) -> None:
        grants = self.require("roles.edit")
        name = _name(name, "role name")
        permissions = self._checked_permissions(permissions)
        self._no_escalation(grants, permissions, f"role {name}")
        if ticket_scope not in TICKET_SCOPES:
            raise InvalidInput(f"unknown ticket scope {ticket_scope!r}")
        with self.writing():
            if Role.get_or_none(Role.name == name):
                raise InvalidInput(f"a role named {name!r} already exists")
            role = Role.create(
                name=name,
                description=description,
                all_sources=all_sources,
                ticket_scope=ticket_scope,
            )
            for key in sorted(permissions):
                RolePermission.create(role=role.id, permission=key)
            for source in self._sources_named(sources):
                RoleSource.create(role=role.id, source=source.id)
            self.record("role.create", "role", role.id, after=self._role_view(role).__dict__)

    def copy_role(self, name: str, new_name: str) -> None:
        view = self.get_role(name)
        self.create_role(
            new_name,
            view.permissions,
            description=view.description,
            all_sources=view.all_sources,
            sources=view.sources,
            ticket_scope=view.ticket_scope,
        )

    def rename_role(self, name: str, new_name: str) -> None:
        self.require("roles.edit")
        new_name = _name(new_name, "role name")
        with self.writing():
            role = self._role(name)
            if new_name != name and Role.get_or_none(Role.name == new_name):
                raise InvalidInput(f"a role named {new_name!r} already exists")
            Role.update(name=new_name).where(Role.id == role.id).execute()
            self.record("role.rename", "role", role.id, before=name, after=new_name)

    def delete_role(self, name: str) -> None:
        grants = self.require("roles.edit")
        with self.writing():
            role = self._role(name)
            before = self._role_view(role)
            self._no_escalation(grants, before.permissions, f"role {name}")
            Role.delete().where(Role.id == role.id).execute()
            self.record("role.delete", "role", role.id, before=before.__dict__)
            self.check_role_editors_remain()

    def set_role_permissions(self, name: str, permissions: Iterable[str]) -> None:
        """Replace a role's permissions. Only what the editor holds may be added or removed."""
        grants = self.require("roles.edit")
        wanted = self._checked_permissions(permissions)
        with self.writing():
            role = self._role(name)
            current = self._role_permissions(role.id)
            self._no_escalation(grants, wanted ^ current, f"those permissions to {name}")
            RolePermission.delete().where(
                (RolePermission.role == role.id)
                & RolePermission.permission.in_(sorted(current - wanted) or [""])
            ).execute()
            for key in sorted(wanted - current):
                RolePermission.create(role=role.id, permission=key)
            self.record(
                "role.permissions", "role", role.id, before=sorted(current), after=sorted(wanted)
            )
            self.check_role_editors_remain()

    def set_role_scope(
        self,
        name: str,
        *,
        all_sources: bool,
        sources: Iterable[str] = (),
        ticket_scope: str = "all",
    ) -> None:
        grants = self.require("roles.edit")
        if ticket_scope not in TICKET_SCOPES:
            raise InvalidInput(
                f"unknown ticket scope {ticket_scope!r}; one of all, usergroups, own"
            )
        with self.writing():
            role = self._role(name)
            before = self._role_view(role)
            self._no_escalation(grants, before.permissions, f"role {name}")
            chosen = self._sources_named(sources)
            Role.update(all_sources=all_sources, ticket_scope=ticket_scope).where(
                Role.id == role.id
            ).execute()
            RoleSource.delete().where(RoleSource.role == role.id).execute()
            for source in chosen:
                RoleSource.create(role=role.id, source=source.id)
            self.record(
                "role.scope",
                "role",
                role.id,
                before={
                    "all_sources": before.all_sources,
                    "sources": before.sources,
                    "ticket_scope": before.ticket_scope,
                },
                after={
                    "all_sources": all_sources,
                    "sources": sorted(s.name for s in chosen),
                    "ticket_scope": ticket_scope,
                },
            )

    @staticmethod
    def _checked_permissions(permissions: Iterable[str]) -> frozenset[str]:
        chosen = frozenset(permissions)
        unknown = sorted(chosen - PERMISSIONS.keys())
        if unknown:
            raise InvalidInput(f"unknown permission {unknown[0]!r}")
        return chosen

    @staticmethod
    def _sources_named(names: Iterable[str]) -> list[Source]:
        found = []
        for name in names:
            source = Source.get_or_none(Source.name == name)
            if source is None:
                raise NotFound(f"no source named {name!r}")
            found.append(source)
        return found

    # ------------------------------------------------------------ usergroups

    def _group(self, name: str, grants: Grants | None = None) -> Usergroup:
        group = Usergroup.get_or_none(Usergroup.name == name)
        grants = grants or self.grants()
        if group is None or not (grants.holds("usergroups.list") or group.id in grants.groups):
            raise NotFound(f"no usergroup named {name!r}")
        return group

    def list_groups(self) -> list[GroupView]:
        """All groups with `usergroups.list`; otherwise the groups the person belongs to."""
        grants = self.grants()
        query = Usergroup.select().order_by(Usergroup.name)
        if not grants.holds("usergroups.list"):
            query = query.where(Usergroup.id.in_(sorted(grants.groups) or [-1]))
        groups = list(query)
        ids = [g.id for g in groups]
        members: dict[int, list[str]] = {}
        supervisors: dict[int, list[str]] = {}
        for link_model, into in ((GroupMember, members), (GroupSupervisor, supervisors)):
            for row in (
                link_model.select(link_model.usergroup, Person.username)
                .join(Person)
                .where(link_model.usergroup.in_(ids or [-1]))
                .order_by(Person.username)
            ):
                into.setdefault(row.usergroup_id, []).append(row.person.username)
        return [
            GroupView(
                g.id,
                g.name,
                g.description,
                tuple(members.get(g.id, ())),
                tuple(supervisors.get(g.id, ())),
                fields_of_group(g.id),
            )
            for g in groups
        ]

    def create_group(self, name: str, description: str = "") -> None:
        self.require("usergroups.edit")
        name = _name(name, "group name")
        with self.writing():
            if Usergroup.get_or_none(Usergroup.name == name):
                raise InvalidInput(f"a usergroup named {name!r} already exists")
            group = Usergroup.create(name=name, description=description)
            self.record("group.create", "usergroup", group.id, after={"name": name})

    def rename_group(self, name: str, new_name: str) -> None:
        grants = self.require("usergroups.edit")
        new_name = _name(new_name, "group name")
        with self.writing():
            group = self._group(name, grants)
            if new_name != name and Usergroup.get_or_none(Usergroup.name == new_name):
                raise InvalidInput(f"a usergroup named {new_name!r} already exists")
            Usergroup.update(name=new_name).where(Usergroup.id == group.id).execute()
            self.record("group.rename", "usergroup", group.id, before=name, after=new_name)

    def group_ticket_count(self, name: str) -> int:
        """All tickets of a group, for the delete question (admins decide their fate)."""
        grants = self.require("usergroups.edit")
        group = self._group(name, grants)
        return Ticket.select().where(Ticket.usergroup == group.id).count()

    def delete_group(self, name: str, *, move_tickets_to: str | None = None) -> int:
        """Delete a group; its tickets move to `move_tickets_to` or are left without a group.
        Returns how many tickets were moved."""
        grants = self.require("usergroups.edit")
        with self.writing():
            group = self._group(name, grants)
            target = self._group(move_tickets_to, grants) if move_tickets_to else None
            if target is not None and target.id == group.id:
                raise InvalidInput("tickets cannot move to the group being deleted")
            moved = (
                Ticket.update(
                    usergroup=target.id if target else None,
                    version=Ticket.version + 1,
                )
                .where(Ticket.usergroup == group.id)
                .execute()
            )
            Usergroup.delete().where(Usergroup.id == group.id).execute()
            self.record(
                "group.delete",
                "usergroup",
                group.id,
                before={"name": name},
                after={"tickets_moved": moved, "to": target.name if target else None},
            )
            return moved

    def _membership(
        self,
        model: type[GroupMember] | type[GroupSupervisor],
        what: str,
        group_name: str,
        username: str,
        add: bool,
    ) -> None:
        grants = self.require("usergroups.members")
        with self.writing():
            group = self._group(group_name, grants)
            person = self._person(username)
            link = model.get_or_none(usergroup=group.id, person=person.id)
            if add:
                if link is not None:
                    raise InvalidInput(f"{username} is already a {what} of {group.name}")
                model.create(usergroup=group.id, person=person.id)
            else:
                if link is None:
                    raise InvalidInput(f"{username} is not a {what} of {group.name}")
                model.delete().where(model.id == link.id).execute()
            self.record(
                f"group.{what}.{'add' if add else 'remove'}",
                "usergroup",
                group.id,
                after={"person": username},
            )

    def add_member(self, group: str, username: str) -> None:
        self._membership(GroupMember, "member", group, username, True)

    def remove_member(self, group: str, username: str) -> None:
        self._membership(GroupMember, "member", group, username, False)

    def add_supervisor(self, group: str, username: str) -> None:
        self._membership(GroupSupervisor, "supervisor", group, username, True)

    def remove_supervisor(self, group: str, username: str) -> None:
        self._membership(GroupSupervisor, "supervisor", group, username, False)

    # --------------------------------------------------------- custom fields

    def list_fields(self, *, include_retired: bool = False) -> list[FieldDefinition]:
        grants = self.grants()
        if not (grants.holds("usergroups.list") or grants.holds("usergroups.fields")):
            raise PermissionDenied(f"{self.username} lacks usergroups.list")
        query = CustomField.select().order_by(CustomField.position, CustomField.name)
        if not include_retired:
            query = query.where(CustomField.retired == False)  # noqa: E712
        return [FieldDefinition(f.name, f.kind, f.required, f.position, f.retired) for f in query]

    def _field(self, name: str) -> CustomField:
        field = CustomField.get_or_none(CustomField.name == name)
        if field is None:
            raise NotFound(f"no custom field named {name!r}")
        return field

    def define_field(self, name: str, kind: str = "text", *, required: bool = False) -> None:
        self.require("usergroups.fields")
        name = _name(name, "field name", 60)
        if kind not in FIELD_KINDS:
            raise InvalidInput(f"unknown field kind {kind!r}; one of {', '.join(FIELD_KINDS)}")
        with self.writing():
            if CustomField.get_or_none(CustomField.name == name):
                raise InvalidInput(f"a field named {name!r} already exists")
            position = (CustomField.select(peewee.fn.MAX(CustomField.position)).scalar() or 0) + 1
            field = CustomField.create(name=name, kind=kind, required=required, position=position)
            self.record(
                "field.define",
                "field",
                field.id,
                after={"name": name, "kind": kind, "required": required},
            )

    def update_field(
        self,
        name: str,
        *,
        new_name: str | None = None,
        required: bool | None = None,
        retired: bool | None = None,
        position: int | None = None,
    ) -> None:
        self.require("usergroups.fields")
        changes: dict[peewee.Field, object] = {}
        if new_name is not None:
            changes[CustomField.name] = _name(new_name, "field name", 60)
        if required is not None:
            changes[CustomField.required] = required
        if retired is not None:
            changes[CustomField.retired] = retired
        if position is not None:
            changes[CustomField.position] = position
        with self.writing():
            field = self._field(name)
            before = {f.name: getattr(field, f.name) for f in changes}
            CustomField.update(changes).where(CustomField.id == field.id).execute()
            self.record(
                "field.update",
                "field",
                field.id,
                before=before,
                after={f.name: v for f, v in changes.items()},
            )

    def set_field_value(self, group: str, field_name: str, value: str) -> None:
        grants = self.require("usergroups.fields")
        with self.writing():
            target = self._group(group, grants)
            field = self._field(field_name)
            if field.retired:
                raise InvalidInput(f"{field.name} is retired")
            value = validate_field_value(field.kind, value, field.required, field.name)
            existing = CustomFieldValue.get_or_none(field=field.id, usergroup=target.id)
            before = existing.value if existing else ""
            if existing:
                CustomFieldValue.update(value=value).where(
                    CustomFieldValue.id == existing.id
                ).execute()
            else:
                CustomFieldValue.create(field=field.id, usergroup=target.id, value=value)
            self.record(
                "group.field",
                "usergroup",
                target.id,
                before={field.name: before},
                after={field.name: value},
            )

    def group_fields(self, group: str) -> tuple[FieldValue, ...]:
        return fields_of_group(self._group(group).id)

    # --------------------------------------------------------------- sources

    def list_sources(self) -> list[SourceView]:
        self.require("sources.list")
        return [
            SourceView(s.id, s.name, s.kind, s.archived)
            for s in Source.select().order_by(Source.name)
        ]

    def _source(self, name: str) -> Source:
        source = Source.get_or_none(Source.name == name)
        if source is None:
            raise NotFound(f"no source named {name!r}")
        return source

    def add_source(self, name: str, kind: str = "email") -> None:
        self.require("sources.edit")
        name = _name(name, "source name")
        if kind not in SOURCE_KINDS:
            raise InvalidInput(f"unknown source kind {kind!r}; one of {', '.join(SOURCE_KINDS)}")
        with self.writing():
            if Source.get_or_none(Source.name == name):
                raise InvalidInput(f"a source named {name!r} already exists")
            source = Source.create(name=name, kind=kind)
            self.record("source.add", "source", source.id, after={"name": name, "kind": kind})

    def rename_source(self, name: str, new_name: str) -> None:
        self.require("sources.edit")
        new_name = _name(new_name, "source name")
        with self.writing():
            source = self._source(name)
            if new_name != name and Source.get_or_none(Source.name == new_name):
                raise InvalidInput(f"a source named {new_name!r} already exists")
            Source.update(name=new_name).where(Source.id == source.id).execute()
            self.record("source.rename", "source", source.id, before=name, after=new_name)

    def set_archived(self, name: str, archived: bool) -> None:
        self.require("sources.edit")
        with self.writing():
            source = self._source(name)
            Source.update(archived=archived).where(Source.id == source.id).execute()
            self.record(
                "source.archive" if archived else "source.restore",
                "source",
                source.id,
                before={"archived": source.archived},
                after={"archived": archived},
            )

    # ------------------------------------------------------------- audit log

    def list_audit(
        self,
        *,
        person: str | None = None,
        ticket: int | None = None,
        target_kind: str | None = None,
        target_name: str | None = None,
        limit: int = 200,
        offset: int = 0,
    ) -> list[AuditView]:
        """Audit events, newest first, filtered by actor, ticket, or a role/group/person/source."""
        self.require("audit.view")
        Actor = Person.alias("actor")
        query = (
            AuditEvent.select(AuditEvent, Actor.username)
            .join(Actor, peewee.JOIN.LEFT_OUTER, on=(AuditEvent.actor == Actor.id))
            .order_by(AuditEvent.id.desc())
        )
        if person:
            query = query.where(AuditEvent.actor == self._person(person).id)
        if ticket is not None:
            query = query.where(AuditEvent.ticket == ticket)
        if target_kind:
            query = query.where(AuditEvent.target_kind == target_kind)
            if target_name:
                model = {
                    "role": Role,
                    "usergroup": Usergroup,
                    "person": Person,
                    "source": Source,
                }.get(target_kind)
                if model is None:
                    raise InvalidInput(f"cannot filter {target_kind} by name")
                name_field = model.username if model is Person else model.name
                found = model.get_or_none(name_field == target_name)
                query = query.where(AuditEvent.target_id == (found.id if found else -1))
        return [
            AuditView(
                e.id,
                e.at,
                e.actor.username if e.actor_id else None,
                e.action,
                e.target_kind,
                e.target_id,
                e.ticket,
                e.before,
                e.after,
            )
            for e in query.offset(offset).limit(limit)
        ]
