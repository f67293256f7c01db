"""A person's effective grants: every role they hold, with its scopes, and the groups they belong
to or supervise. Small enough to load per request, so a role change takes effect at once."""

from __future__ import annotations

from dataclasses import dataclass

from store.models import (
    GroupMember,
    GroupSupervisor,
    Person,
    PersonRole,
    Role,
    RolePermission,
    RoleSource,
    Source,
)


@dataclass(frozen=True)
class RoleGrant:
    role_id: int
    name: str
    permissions: frozenset[str]
    all_sources: bool
    source_ids: frozenset[int]
    ticket_scope: str  # all, usergroups or own


@dataclass(frozen=True)
class Grants:
    person_id: int
    username: str
    display_name: str
    roles: tuple[RoleGrant, ...]
    member_of: frozenset[int]
    supervises: frozenset[int]
    archived_source_ids: frozenset[int]

    def holds(self, permission: str) -> bool:
        """True when any role grants `permission` (for a ticket permission: in some scope)."""
        return any(permission in role.permissions for role in self.roles)

    def roles_with(self, permission: str) -> tuple[RoleGrant, ...]:
        return tuple(role for role in self.roles if permission in role.permissions)

    @property
    def permissions(self) -> frozenset[str]:
        held: set[str] = set()
        for role in self.roles:
            held |= role.permissions
        return frozenset(held)

    @property
    def groups(self) -> frozenset[int]:
        """The usergroups the person belongs to, as member or as supervisor."""
        return self.member_of | self.supervises


def load_grants(person: Person) -> Grants:
    role_rows = list(
        Role.select(Role).join(PersonRole).where(PersonRole.person == person.id).order_by(Role.name)
    )
    role_ids = [role.id for role in role_rows]
    permissions: dict[int, set[str]] = {rid: set() for rid in role_ids}
    sources: dict[int, set[int]] = {rid: set() for rid in role_ids}
    if role_ids:
        for link in RolePermission.select().where(RolePermission.role.in_(role_ids)):
            permissions[link.role_id].add(link.permission)
        for link in RoleSource.select().where(RoleSource.role.in_(role_ids)):
            sources[link.role_id].add(link.source_id)
    roles = tuple(
        RoleGrant(
            role_id=role.id,
            name=role.name,
            permissions=frozenset(permissions[role.id]),
            all_sources=role.all_sources,
            source_ids=frozenset(sources[role.id]),
            ticket_scope=role.ticket_scope,
        )
        for role in role_rows
    )
    member_of = frozenset(
        row.usergroup_id
        for row in GroupMember.select(GroupMember.usergroup).where(GroupMember.person == person.id)
    )
    supervises = frozenset(
        row.usergroup_id
        for row in GroupSupervisor.select(GroupSupervisor.usergroup).where(
            GroupSupervisor.person == person.id
        )
    )
    archived = frozenset(s.id for s in Source.select(Source.id).where(Source.archived == True))  # noqa: E712
    return Grants(
        person_id=person.id,
        username=person.username,
        display_name=person.display_name,
        roles=roles,
        member_of=member_of,
        supervises=supervises,
        archived_source_ids=archived,
    )
