"""Roles through the gate: their permissions and scopes, and who holds them.

Nobody gives what they do not hold: a role may only gain permissions its editor holds, and a
role may only be given by someone who holds all of its permissions.
"""

from __future__ import annotations

from collections.abc import Iterable

from access.audit_actions import (
    ROLE_CREATE,
    ROLE_DELETE,
    ROLE_GRANT,
    ROLE_PERMISSIONS,
    ROLE_RENAME,
    ROLE_REVOKE,
    ROLE_SCOPE,
)
from access.catalogue import ROLES_ASSIGN, ROLES_EDIT, ROLES_LIST
from access.delegation import RightsGuard
from access.errors import NoChange, PermissionDenied, StillHeld
from access.grants import Grants
from access.lookup import (
    person_named,
    require_free_name,
    role_named,
    role_permissions,
    sources_named,
)
from access.request import Part, Request
from access.validation import checked_name, checked_permissions, checked_ticket_scope
from access.versions import bump, check_fresh
from access.views import RoleView
from store.models import Person, PersonRole, Role, RolePermission, RoleSource, Source


class RoleAdmin(Part):
    """`gate.roles`: roles, their permissions and scopes, and who holds them."""

    @staticmethod
    def _no_escalation(grants: Grants, permissions: Iterable[str], what: str) -> None:
        missing = sorted(set(permissions) - grants.permissions)
        if missing:
            raise PermissionDenied(
                f"{grants.username} cannot give {what}: it holds {missing[0]}, which "
                f"{grants.username} does not"
            )

    @staticmethod
    def _holder_ids(role_id: int) -> list[int]:
        return [
            link.person_id
            for link in PersonRole.select(PersonRole.person).where(PersonRole.role == role_id)
        ]

    @staticmethod
    def _role_view(role: Role) -> RoleView:
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
            role_permissions(role.id),
            role.all_sources,
            sources,
            role.ticket_scope,
            holders,
            role.version,
        )

    def list_roles(self) -> list[RoleView]:
        self._open().require(ROLES_LIST)
        return [self._role_view(r) for r in Role.select().order_by(Role.name)]

    def get_role(self, name: str) -> RoleView:
        return self._get_role(self._open(), name)

    def _get_role(self, request: Request, name: str) -> RoleView:
        request.require(ROLES_LIST)
        return self._role_view(role_named(name))

    def grant_role(self, username: str, role_name: str) -> None:
        request = self._open()
        grants = request.require(ROLES_ASSIGN)
        with request.writing():
            person = person_named(username)
            role = role_named(role_name)
            self._no_escalation(grants, role_permissions(role.id), f"role {role.name}")
            if PersonRole.get_or_none(person=person.id, role=role.id):
                raise NoChange(f"{username} already holds {role.name}; nothing changed")
            guard = RightsGuard(grants, what=f"give {role.name} to {username}", takes=False).watch(
                [person.id]
            )
            PersonRole.create(person=person.id, role=role.id)
            bump(person, None, username)
            guard.verify()
            request.record(ROLE_GRANT, "person", person.id, after={"role": role.name})

    def revoke_role(self, username: str, role_name: str) -> None:
        request = self._open()
        grants = request.require(ROLES_ASSIGN)
        with request.writing():
            person = person_named(username)
            role = role_named(role_name)
            self._no_escalation(grants, role_permissions(role.id), f"role {role.name}")
            guard = RightsGuard(grants, what=f"take {role.name} from {username}", gives=False)
            guard.watch([person.id])
            deleted = (
                PersonRole.delete()
                .where((PersonRole.person == person.id) & (PersonRole.role == role.id))
                .execute()
            )
            if not deleted:
                raise NoChange(f"{username} does not hold {role.name}; nothing changed")
            bump(person, None, username)
            guard.verify()
            request.record(ROLE_REVOKE, "person", person.id, before={"role": role.name})
            check_role_editors_remain()

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
        self._create_role(
            self._open(),
            name,
            permissions,
            description=description,
            all_sources=all_sources,
            sources=sources,
            ticket_scope=ticket_scope,
        )

    def _create_role(
        self,
        request: Request,
        name: str,
        permissions: Iterable[str],
        *,
        description: str,
        all_sources: bool,
        sources: Iterable[str],
        ticket_scope: str,
    ) -> None:
        grants = request.require(ROLES_EDIT)
        name = checked_name(name, "role name")
        permissions = checked_permissions(permissions)
        self._no_escalation(grants, permissions, f"role {name}")
        checked_ticket_scope(ticket_scope)
        with request.writing():
            require_free_name(Role.name, name, "role")
            role = Role.create(
                name=name,
                description=description,
                all_sources=all_sources,
                ticket_scope=ticket_scope,
            )
            for key in sorted(permissions):
                RolePermission.create(role=role.id, permission=key)
            for source in sources_named(sources):
                RoleSource.create(role=role.id, source=source.id)
            request.record(ROLE_CREATE, "role", role.id, after=self._role_view(role)._asdict())

    def copy_role(self, name: str, new_name: str) -> None:
        request = self._open()
        view = self._get_role(request, name)
        self._create_role(
            request,
            new_name,
            view.permissions,
            description=view.description,
            all_sources=view.all_sources,
            sources=view.sources,
            ticket_scope=view.ticket_scope,
        )

    def rename_role(self, name: str, new_name: str, *, expected_version: int | None = None) -> None:
        request = self._open()
        request.require(ROLES_EDIT)
        new_name = checked_name(new_name, "role name")
        with request.writing():
            request.rename(role_named(name), new_name, expected_version, "role", ROLE_RENAME)

    def delete_role(
        self, name: str, *, even_if_held: bool = False, expected_version: int | None = None
    ) -> None:
        """Delete a role. One still held is deleted only when asked `even_if_held` (the
        command line's --force, the app's question), since its holders lose what it gives."""
        request = self._open()
        grants = request.require(ROLES_EDIT)
        with request.writing():
            role = role_named(name)
            check_fresh(role, expected_version, f"role {name}")
            before = self._role_view(role)
            self._no_escalation(grants, before.permissions, f"role {name}")
            if before.holders and not even_if_held:
                raise StillHeld(f"{name} is held by {before.who_loses_what()}")
            guard = RightsGuard(grants, what=f"delete {name}", gives=False).watch(
                self._holder_ids(role.id)
            )
            Role.delete().where(Role.id == role.id).execute()
            guard.verify()
            request.record(ROLE_DELETE, "role", role.id, before=before._asdict())
            check_role_editors_remain()

    def set_role_permissions(
        self, name: str, permissions: Iterable[str], *, expected_version: int | None = None
    ) -> int:
        """Replace a role's permissions; returns the role's new version. Only what the editor
        holds may be added or removed; `expected_version` refuses a save on a stale read."""
        request = self._open()
        grants = request.require(ROLES_EDIT)
        wanted = checked_permissions(permissions)
        with request.writing():
            role = role_named(name)
            current = role_permissions(role.id)
            check_fresh(role, expected_version, f"role {name}")
            if wanted == current:
                raise NoChange(f"role {name} already has those permissions; nothing changed")
            self._no_escalation(grants, wanted ^ current, f"those permissions to {name}")
            guard = RightsGuard(
                grants,
                what=f"change the permissions of {name}",
                gives=not wanted <= current,
                takes=not current <= wanted,
            )
            guard.watch(self._holder_ids(role.id))
            RolePermission.delete().where(
                (RolePermission.role == role.id)
                & RolePermission.permission.in_(sorted(current - wanted) or [""])
            ).execute()
            for key in sorted(wanted - current):
                RolePermission.create(role=role.id, permission=key)
            version = bump(role, expected_version, f"role {name}")
            guard.verify()
            request.record(
                ROLE_PERMISSIONS, "role", role.id, before=sorted(current), after=sorted(wanted)
            )
            check_role_editors_remain()
            return version

    def set_role_scope(
        self,
        name: str,
        *,
        all_sources: bool,
        sources: Iterable[str] = (),
        ticket_scope: str = "all",
        expected_version: int | None = None,
    ) -> None:
        request = self._open()
        grants = request.require(ROLES_EDIT)
        checked_ticket_scope(ticket_scope)
        with request.writing():
            role = role_named(name)
            bump(role, expected_version, f"role {name}")
            before = self._role_view(role)
            self._no_escalation(grants, before.permissions, f"role {name}")
            chosen = sources_named(sources)
            narrower = _within(all_sources, {s.name for s in chosen}, ticket_scope, before)
            guard = RightsGuard(grants, what=f"change the scope of {name}", gives=not narrower)
            guard.watch(self._holder_ids(role.id))
            Role.update(all_sources=all_sources, ticket_scope=ticket_scope).where(
                Role.id == role.id
            ).execute()
            RoleSource.delete().where(RoleSource.role == role.id).execute()
            for source in chosen:
                RoleSource.create(role=role.id, source=source.id)
            guard.verify()
            request.record(
                ROLE_SCOPE,
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


def _within(all_sources: bool, sources: set[str], ticket_scope: str, role: RoleView) -> bool:
    """True when a new scope reaches no ticket the role's current scope does not (`all`
    tickets of a source include its group tickets and everyone's own)."""
    sources_within = role.all_sources or (not all_sources and sources <= set(role.sources))
    scope_within = ticket_scope == role.ticket_scope or role.ticket_scope == "all"
    return sources_within and scope_within


def check_role_editors_remain() -> None:
    """The last active person able to edit roles cannot lose that right. Call inside the
    transaction after the change; raising rolls it back."""
    holders = (
        Person.select(Person.id)
        .join(PersonRole)
        .join(RolePermission, on=(RolePermission.role == PersonRole.role))
        .where((RolePermission.permission == ROLES_EDIT) & (Person.active == True))  # noqa: E712
        .count()
    )
    if holders == 0:
        raise PermissionDenied(
            "this would leave nobody able to edit roles; give roles.edit to someone else first"
        )
