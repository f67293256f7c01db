"""Usergroups through the gate: the groups, their members and supervisors, and the custom
fields valued per group."""

from __future__ import annotations

import peewee

from access import scope
from access.audit_actions import (
    FIELD_DEFINE,
    FIELD_UPDATE,
    GROUP_CREATE,
    GROUP_DELETE,
    GROUP_FIELD,
    GROUP_RENAME,
    TICKET_MOVE,
)
from access.catalogue import (
    TICKETS_CHANGE_GROUP,
    USERGROUPS_EDIT,
    USERGROUPS_FIELDS,
    USERGROUPS_LIST,
    USERGROUPS_MEMBERS,
)
from access.delegation import Change, RightsGuard, but_not, grants_of
from access.due_times import keep_due_times
from access.errors import InvalidInput, NoChange, NotFound, PermissionDenied
from access.grants import Grants
from access.lookup import field_named, person_named, require_free_name
from access.request import Part, Request
from access.tickets import fields_of_group
from access.validation import checked_name, validate_field_value
from access.versions import bump, changed_meanwhile, check_fresh, renamed_from
from access.views import FieldDefinition, FieldValue, GroupView
from access.vocabulary import FIELD_KINDS
from store.models import (
    CustomField,
    CustomFieldValue,
    GroupMember,
    GroupSupervisor,
    Person,
    PersonRole,
    Ticket,
    Usergroup,
)


class UsergroupAdmin(Part):
    """`gate.groups`: usergroups, their members and supervisors, and the custom fields valued
    per group."""

    def _group(self, name: str, grants: Grants) -> Usergroup:
        """A group the person may see: all with `usergroups.list`, else their own groups."""
        group = Usergroup.get_or_none(Usergroup.name == name)
        if group is None:
            renamed = renamed_from(Usergroup, name)
            if renamed is not None and self._may_see(renamed, grants):
                raise changed_meanwhile(renamed, f"usergroup {name}")
        if group is None or not self._may_see(group, grants):
            raise NotFound(f"no usergroup named {name!r}")
        return group

    @staticmethod
    def _may_see(group: Usergroup, grants: Grants) -> bool:
        return grants.holds(USERGROUPS_LIST) or group.id in grants.groups

    def list_groups(self) -> list[GroupView]:
        """All groups with `usergroups.list`; otherwise the groups the person belongs to."""
        grants = self._open().grants()
        query = Usergroup.select().order_by(Usergroup.name)
        if not grants.holds(USERGROUPS_LIST):
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
                g.version,
            )
            for g in groups
        ]

    def create_group(self, name: str, description: str = "") -> None:
        request = self._open()
        request.require(USERGROUPS_EDIT)
        name = checked_name(name, "group name")
        with request.writing():
            require_free_name(Usergroup.name, name, "usergroup")
            group = Usergroup.create(name=name, description=description)
            request.record(GROUP_CREATE, "usergroup", group.id, after={"name": name})

    def rename_group(
        self, name: str, new_name: str, *, expected_version: int | None = None
    ) -> None:
        request = self._open()
        grants = request.require(USERGROUPS_EDIT)
        new_name = checked_name(new_name, "group name")
        with request.writing():
            group = self._group(name, grants)
            request.rename(group, new_name, expected_version, "usergroup", GROUP_RENAME)

    def group_ticket_count(self, name: str) -> int:
        """The group's tickets the person sees, for the delete question."""
        request = self._open()
        grants = request.require(USERGROUPS_EDIT)
        group = self._group(name, grants)
        return Ticket.select().where((Ticket.usergroup == group.id) & scope.visible(grants)).count()

    def delete_group(
        self,
        name: str,
        *,
        move_tickets_to: str | None = None,
        expected_version: int | None = None,
    ) -> int:
        """Delete a group; its tickets move to `move_tickets_to` or are left without a group.
        Returns how many tickets were moved."""
        request = self._open()
        grants = request.require(USERGROUPS_EDIT)
        with request.writing():
            group = self._group(name, grants)
            check_fresh(group, expected_version, f"usergroup {name}")
            target = self._group(move_tickets_to, grants) if move_tickets_to else None
            if target is not None and target.id == group.id:
                raise InvalidInput("tickets cannot move to the group being deleted")
            self._may_move_all(grants, group, target)
            numbers = [
                t.number
                for t in Ticket.select(Ticket.number)
                .where(Ticket.usergroup == group.id)
                .order_by(Ticket.number)
            ]
            moved = (
                Ticket.update(
                    usergroup=target.id if target else None,
                    version=Ticket.version + 1,
                )
                .where(Ticket.usergroup == group.id)
                .execute()
            )
            for number in numbers:
                request.record(
                    TICKET_MOVE,
                    "ticket",
                    number,
                    ticket=number,
                    before=name,
                    after=target.name if target else None,
                )
            Usergroup.delete().where(Usergroup.id == group.id).execute()
            keep_due_times(request, numbers)  # a group is a condition of policies
            request.record(
                GROUP_DELETE,
                "usergroup",
                group.id,
                before={"name": name},
                after={"tickets_moved": moved, "to": target.name if target else None},
            )
            return moved

    @staticmethod
    def _may_move_all(grants: Grants, group: Usergroup, target: Usergroup | None) -> None:
        """Deleting a group acts on each of its tickets: the actor needs `tickets.change_group`
        on every one, and nobody may gain through the move a right the actor lacks there.
        Checked before the move, on the tickets as they are: after it, a person's rights on a
        moved ticket are what they hold in the target group."""
        what = f"delete {group.name}"
        in_group = Ticket.usergroup == group.id
        beyond = but_not(in_group, scope.may(grants, TICKETS_CHANGE_GROUP))
        if Ticket.select(Ticket.number).where(beyond).exists():
            raise PermissionDenied(
                f"{grants.username} cannot {what}: it holds tickets {grants.username} may not move"
            )
        links: list[type[GroupMember] | type[GroupSupervisor]] = [GroupMember, GroupSupervisor]
        related = {
            row.person_id
            for model in links
            for row in model.select(model.person).where(
                model.usergroup.in_([group.id] + ([target.id] if target else []))
            )
        }
        changes = []
        for person_id in sorted(related):
            before = grants_of(person_id)
            after = None
            if before is not None:
                after = before._replace(
                    member_of=_as_group(before.member_of, target, group),
                    supervises=_as_group(before.supervises, target, group),
                )
            changes.append(Change(person_id, before, after))
        RightsGuard(grants, tickets=in_group, what=what).compare(changes)

    def _membership(
        self,
        request: Request,
        model: type[GroupMember] | type[GroupSupervisor],
        what: str,
        group_name: str,
        username: str,
        add: bool,
        expected_version: int | None,
    ) -> None:
        grants = request.require(USERGROUPS_MEMBERS)
        with request.writing():
            group = self._group(group_name, grants)
            person = person_named(username)
            verb = "add" if add else "remove"
            guard = RightsGuard(
                grants,
                tickets=Ticket.usergroup == group.id,
                what=f"{verb} {username} as {what} of {group.name}",
                gives=add,
                takes=not add,
            ).watch([person.id])
            link = model.get_or_none(usergroup=group.id, person=person.id)
            if add:
                if link is not None:
                    raise NoChange(
                        f"{username} is already a {what} of {group.name}; nothing changed"
                    )
                model.create(usergroup=group.id, person=person.id)
            else:
                if link is None:
                    raise NoChange(f"{username} is not a {what} of {group.name}; nothing changed")
                model.delete().where(model.id == link.id).execute()
            bump(group, expected_version, f"usergroup {group.name}")
            guard.verify()
            request.record(
                f"group.{what}.{'add' if add else 'remove'}",
                "usergroup",
                group.id,
                after={"person": username},
            )

    def add_member(self, group: str, username: str, *, expected_version: int | None = None) -> None:
        self._membership(
            self._open(), GroupMember, "member", group, username, True, expected_version
        )

    def remove_member(
        self, group: str, username: str, *, expected_version: int | None = None
    ) -> None:
        self._membership(
            self._open(), GroupMember, "member", group, username, False, expected_version
        )

    def add_supervisor(
        self,
        group: str,
        username: str,
        *,
        customer: bool = True,
        expected_version: int | None = None,
    ) -> None:
        """Make `username` a supervisor of `group`. Without `customer`, a customer (a person
        holding no role) is refused: a supervisor views, replies to, assigns and closes the
        group's tickets, rights no customer should get by a slip. The channels ask first (the
        app a question, the command line `--customer`)."""
        request = self._open()
        if not customer:
            person = Person.get_or_none(Person.username == username)
            if (
                person is not None
                and not PersonRole.select().where(PersonRole.person == person.id).exists()
            ):
                request.require(USERGROUPS_MEMBERS)
                raise InvalidInput(
                    f"{username} is a customer (holds no role): a supervisor of {group} views, "
                    "replies to, assigns and closes its tickets; say so to make them one "
                    "(--customer)"
                )
        self._membership(
            request, GroupSupervisor, "supervisor", group, username, True, expected_version
        )

    def remove_supervisor(
        self, group: str, username: str, *, expected_version: int | None = None
    ) -> None:
        self._membership(
            self._open(), GroupSupervisor, "supervisor", group, username, False, expected_version
        )

    # --------------------------------------------------------- custom fields

    def list_fields(self, *, include_retired: bool = False) -> list[FieldDefinition]:
        grants = self._open().grants()
        if not (grants.holds(USERGROUPS_LIST) or grants.holds(USERGROUPS_FIELDS)):
            raise PermissionDenied(f"{grants.username} lacks usergroups.list")
        query = CustomField.select().order_by(CustomField.position, CustomField.name)
        if not include_retired:
            query = query.where(CustomField.retired == False)  # noqa: E712
        return [FieldDefinition(f.name, f.kind, f.required, f.position, f.retired) for f in query]

    def define_field(self, name: str, kind: str = "text", *, required: bool = False) -> None:
        request = self._open()
        request.require(USERGROUPS_FIELDS)
        name = checked_name(name, "field name", 60)
        if kind not in FIELD_KINDS:
            raise InvalidInput(f"unknown field kind {kind!r}; one of {', '.join(FIELD_KINDS)}")
        with request.writing():
            require_free_name(CustomField.name, name, "field")
            position = (CustomField.select(peewee.fn.MAX(CustomField.position)).scalar() or 0) + 1
            field = CustomField.create(name=name, kind=kind, required=required, position=position)
            request.record(
                FIELD_DEFINE,
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
        request = self._open()
        request.require(USERGROUPS_FIELDS)
        changes: dict[peewee.Field, object] = {}
        if new_name is not None:
            changes[CustomField.name] = checked_name(new_name, "field name", 60)
        if required is not None:
            changes[CustomField.required] = required
        if retired is not None:
            changes[CustomField.retired] = retired
        if position is not None:
            changes[CustomField.position] = position
        with request.writing():
            request.update_recorded(field_named(name), changes, FIELD_UPDATE, "field")

    def set_field_value(
        self, group: str, field_name: str, value: str, *, expected_version: int | None = None
    ) -> None:
        request = self._open()
        grants = request.require(USERGROUPS_FIELDS)
        with request.writing():
            target = self._group(group, grants)
            field = field_named(field_name)
            if field.retired:
                raise InvalidInput(f"{field.name} is retired")
            value = validate_field_value(field.kind, value, field.required, field.name)
            existing = CustomFieldValue.get_or_none(field=field.id, usergroup=target.id)
            before = existing.value if existing else ""
            if value == before:
                raise NoChange(f"{field.name} of {target.name} is already so; nothing changed")
            bump(target, expected_version, f"usergroup {target.name}")
            if existing:
                CustomFieldValue.update(value=value).where(
                    CustomFieldValue.id == existing.id
                ).execute()
            else:
                CustomFieldValue.create(field=field.id, usergroup=target.id, value=value)
            request.record(
                GROUP_FIELD,
                "usergroup",
                target.id,
                before={field.name: before},
                after={field.name: value},
            )

    def group_fields(self, group: str) -> tuple[FieldValue, ...]:
        return fields_of_group(self._group(group, self._open().grants()).id)


def _as_group(groups: frozenset[int], target: Usergroup | None, group: Usergroup) -> frozenset[int]:
    """Memberships as they bear on the deleted group's tickets once moved to `target`: on
    those tickets, belonging to the target is what belonging to the group was."""
    return frozenset({group.id}) if target is not None and target.id in groups else frozenset()
