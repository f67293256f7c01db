"""Why a person sees a ticket or holds a right, and who holds a permission: the gate explaining
itself from the same predicates it enforces."""

from __future__ import annotations

from access import scope
from access.catalogue import (
    PERMISSIONS,
    ROLES_LIST,
    SOURCES_ARCHIVED,
    SUPERVISOR_RIGHTS,
    TICKETS_LIST,
    known,
)
from access.errors import InvalidInput, NotFound, UnknownPerson
from access.grants import Grants, RoleGrant, read_grants
from access.request import Part, Request
from access.tickets import parse_number
from access.views import Holder, Reason
from access.vocabulary import describe_scope
from store.models import (
    GroupSupervisor,
    Person,
    PersonRole,
    RolePermission,
    Source,
    Ticket,
    Usergroup,
)
from store.rows import tuple_rows


def describe_role_scope(role: RoleGrant) -> str:
    chosen = Source.select(Source.name).where(Source.id.in_(sorted(role.source_ids)))
    names = [s.name for s in chosen] if role.source_ids else []
    return describe_scope(role.ticket_scope, role.all_sources, names)


class Explanation(Part):
    """`gate.explain`: why a person sees a ticket or holds a right, and who holds one."""

    @staticmethod
    def _subject(request: Request, username: str | None) -> Grants:
        """The grants of the person being explained: oneself, or another with `roles.list`."""
        if username is None or username == request.username:
            return request.grants()
        request.require(ROLES_LIST)
        grants = read_grants(Person.username == username)
        if grants is None:
            raise UnknownPerson(f"no person named {username!r}")
        return grants

    @staticmethod
    def _holds(number: int, expression: scope.Predicate) -> bool:
        return Ticket.select().where((Ticket.number == number) & expression).exists()

    def explain_ticket(self, number: int | str, username: str | None = None) -> list[Reason]:
        """Every rule by which the person sees the ticket; empty when they do not see it.

        The asker must see the ticket themselves: explaining cannot probe hidden numbers."""
        number = parse_number(number)
        request = self._open()
        if not self._holds(number, scope.visible(request.grants())):
            raise NotFound(f"no ticket #{number}")
        grants = self._subject(request, username)
        ticket = Ticket.get_by_id(number)
        reasons: list[Reason] = []
        if not self._holds(number, scope.not_archived(grants)):
            source = Source.get_by_id(ticket.source_id)
            return [
                Reason(
                    "archived",
                    f"source {source.name} is archived and "
                    f"{grants.username} lacks sources.archived",
                )
            ]
        if ticket.requester_id == grants.person_id:
            reasons.append(Reason("requester", "filed the ticket"))
        if ticket.assignee_id == grants.person_id:
            reasons.append(Reason("assignee", "the ticket is assigned to them"))
        for role in grants.roles_with(TICKETS_LIST):
            if self._holds(number, scope.role_covers(role, grants)):
                reasons.append(
                    Reason(
                        "role",
                        f"role {role.name} grants tickets.list on {describe_role_scope(role)}",
                    )
                )
        if self._holds(number, scope.supervised(grants)):
            group = Usergroup.get_by_id(ticket.usergroup_id)
            reasons.append(Reason("supervisor", f"supervises usergroup {group.name}"))
        if reasons and ticket.source_id in grants.archived_source_ids:
            holders = ", ".join(r.name for r in grants.roles_with(SOURCES_ARCHIVED))
            reasons.append(
                Reason(
                    "archived",
                    f"source is archived; seen through sources.archived of role {holders}",
                )
            )
        return reasons

    def explain_permission(
        self, permission: str, *, number: int | str | None = None, username: str | None = None
    ) -> list[Reason]:
        """Where a person's right comes from (on one ticket, when a number is given)."""
        if permission not in PERMISSIONS:
            raise InvalidInput(f"unknown permission {permission!r}")
        key = known(permission)
        request = self._open()
        if number is not None:
            number = parse_number(number)
            if not self._holds(number, scope.visible(request.grants())):
                raise NotFound(f"no ticket #{number}")
        grants = self._subject(request, username)
        reasons = []
        for role in grants.roles_with(key):
            covers = scope.role_covers(role, grants) & scope.visible(grants)
            ticket_bound = key.startswith("tickets.")
            if number is not None and ticket_bound and not self._holds(number, covers):
                continue
            detail = f"role {role.name}"
            if key.startswith("tickets."):
                detail += f" on {describe_role_scope(role)}"
            reasons.append(Reason("role", detail))
        if key in SUPERVISOR_RIGHTS and grants.supervises:
            groups = Usergroup.select(Usergroup.id, Usergroup.name).where(
                Usergroup.id.in_(sorted(grants.supervises))
            )
            for group in groups:
                if number is not None and not self._holds(
                    number,
                    (Ticket.usergroup == group.id)
                    & (Ticket.private == False)  # noqa: E712
                    & scope.visible(grants),
                ):
                    continue
                reasons.append(Reason("supervisor", f"supervisor of {group.name}"))
        return reasons

    def who(self, permission: str) -> list[Holder]:
        """Active people who hold `permission`, each with the role or supervised group."""
        self._open().require(ROLES_LIST)
        if permission not in PERMISSIONS:
            raise InvalidInput(f"unknown permission {permission!r}")
        from store.models import Role

        holders = [
            Holder(username, display_name, f"role {role}")
            for username, display_name, role in tuple_rows(
                Person.select(Person.username, Person.display_name, Role.name)
                .join(PersonRole)
                .join(Role)
                .join(RolePermission, on=(RolePermission.role == Role.id))
                .where((RolePermission.permission == permission) & (Person.active == True))  # noqa: E712
                .order_by(Person.username, Role.name)
            )
        ]
        if permission in SUPERVISOR_RIGHTS:
            holders += [
                Holder(username, display_name, f"supervisor of {group}")
                for username, display_name, group in tuple_rows(
                    Person.select(Person.username, Person.display_name, Usergroup.name)
                    .join(GroupSupervisor)
                    .join(Usergroup)
                    .where(Person.active == True)  # noqa: E712
                    .order_by(Person.username, Usergroup.name)
                )
            ]
        holders.sort(key=lambda h: (h.username, h.via))
        return holders
