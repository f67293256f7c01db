"""Reading the audit log through the gate, scoped like everything else.

An event about a ticket is shown only to people who see that ticket, and a note's event only
where they may read notes; an event about a person, role, group, field or source only with the
`list` right of that kind; an event about the whole database (the demo's creation) only to
someone who sees everything. The actor and the target are shown by name.
"""

from __future__ import annotations

import json

import peewee

from access import scope
from access.audit_actions import GROUP_DELETE, ROLE_DELETE, TICKET_NOTE, denied
from access.catalogue import (
    AUDIT_VIEW,
    PEOPLE_LIST,
    ROLES_LIST,
    SOURCES_LIST,
    TICKETS_VIEW_NOTES,
    USERGROUPS_LIST,
)
from access.contact import readable_contacts, without_contact
from access.errors import InvalidInput
from access.follow_ups import without_unseen_links
from access.grants import Grants
from access.request import Part
from access.views import AuditView
from store.models import AuditEvent, CustomField, Person, Role, Source, Ticket, Usergroup
from store.rows import selected, tuple_rows

# The `list` right that shows events about each kind of target.
_LIST_RIGHT = {
    "person": PEOPLE_LIST,
    "role": ROLES_LIST,
    "usergroup": USERGROUPS_LIST,
    "field": USERGROUPS_LIST,
    "source": SOURCES_LIST,
    "quarantine": SOURCES_LIST,
}
# The kinds of target shown by name: each one's model and its name column.
_NamedModel = type[Person] | type[Role] | type[Usergroup] | type[CustomField] | type[Source]
_NAMED: dict[str, tuple[_NamedModel, peewee.Field]] = {
    "person": (Person, Person.username),
    "role": (Role, Role.name),
    "usergroup": (Usergroup, Usergroup.name),
    "field": (CustomField, CustomField.name),
    "source": (Source, Source.name),
}
_NOTE_ACTIONS = (TICKET_NOTE, denied(TICKET_NOTE))


def _about_ticket() -> scope.Predicate:
    return AuditEvent.ticket.is_null(False) | (AuditEvent.target_kind == "ticket")


def _ticket_of_event() -> peewee.ColumnBase:
    return peewee.fn.COALESCE(AuditEvent.ticket, AuditEvent.target_id)


def _tickets_where(condition: scope.Predicate) -> scope.Predicate:
    """Events whose ticket satisfies `condition` (TRUE keeps events of deleted tickets too)."""
    if condition is scope.TRUE:
        return scope.TRUE
    if condition is scope.FALSE:
        return scope.FALSE
    return _ticket_of_event().in_(Ticket.select(Ticket.number).where(condition))


def readable_events(grants: Grants) -> scope.Predicate:
    """The audit events this person may read."""
    seen = _tickets_where(scope.visible(grants))
    notes = _tickets_where(scope.may(grants, TICKETS_VIEW_NOTES))
    ticket_events = scope._all(
        _about_ticket(),
        seen,
        scope._any([~AuditEvent.action.in_(_NOTE_ACTIONS), notes]),
    )
    listed = sorted(kind for kind, right in _LIST_RIGHT.items() if grants.holds(right))
    kinds: scope.Predicate = AuditEvent.target_kind.in_(listed or [""])
    if scope.visible(grants) is scope.TRUE and len(listed) == len(_LIST_RIGHT):
        kinds = scope.TRUE  # events about the whole database: for those who see all of it
    return scope._any([ticket_events, scope._all(~_about_ticket(), kinds)])


class AuditLog(Part):
    """`gate.audit`: the audit log, each reader seeing the events they may."""

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
        """Audit events, newest first, filtered by actor, ticket, or a role/group/person/source.
        A name nobody holds filters to nothing, like a name the person may not see."""
        grants = self._open().require(AUDIT_VIEW)
        if offset < 0 or limit < 0:
            raise InvalidInput("offset and limit must not be negative")
        Actor = Person.alias("actor")
        query = (
            AuditEvent.select(AuditEvent, Actor.username.alias("actor_name"))
            .join(Actor, peewee.JOIN.LEFT_OUTER, on=(AuditEvent.actor == Actor.id))
            .where(readable_events(grants))
            .order_by(AuditEvent.id.desc())
        )
        if person:
            query = query.where(Actor.username == person)
        if ticket is not None:
            query = query.where(_ticket_of_event() == ticket)
        if target_kind:
            query = query.where(AuditEvent.target_kind == target_kind)
            if target_name:
                if target_kind not in _NAMED:
                    raise InvalidInput(f"cannot filter {target_kind} by name")
                model, name_field = _NAMED[target_kind]
                found = model.get_or_none(name_field == target_name)
                query = query.where(AuditEvent.target_id == (found.id if found else -1))
        events = list(query.offset(offset).limit(limit).objects())
        names = _target_names(events)
        people = {e.target_id for e in events if e.target_kind == "person" and e.target_id}
        contact_ok = readable_contacts(grants, people)
        views = [
            AuditView(
                e.id,
                e.at,
                selected(e, "actor_name"),
                e.action,
                e.target_kind,
                e.target_id,
                e.ticket,
                *_shown_values(e, contact_ok),
                names.get((e.target_kind, e.target_id)),
            )
            for e in events
        ]
        return without_unseen_links(grants, views)


def _shown_values(event: AuditEvent, contact_ok: set[int]) -> tuple[str, str]:
    """The event's values before and after, a person's e-mail and phone hidden from a reader
    who may not read that person's contact data."""
    if event.target_kind != "person" or event.target_id in contact_ok:
        return event.before, event.after
    return without_contact(event.before), without_contact(event.after)


# The event that deletes a target of each kind, which records the name it had.
_DELETIONS = {"role": ROLE_DELETE, "usergroup": GROUP_DELETE}


def _target_names(events: list[AuditEvent]) -> dict[tuple[str, int | None], str]:
    """The current name of each event's target: a person's username, a role's name, `#12`;
    a deleted role or group by the name its deletion recorded, `Returns team (deleted)`."""
    wanted: dict[str, set[int]] = {}
    for e in events:
        if e.target_id is not None:
            wanted.setdefault(e.target_kind, set()).add(e.target_id)
    names: dict[tuple[str, int | None], str] = {
        ("ticket", number): f"#{number}" for number in wanted.get("ticket", ())
    }
    for kind, ids in wanted.items():
        if kind in _NAMED:
            model, name_field = _NAMED[kind]
            for row in model.select(model.id, name_field).where(model.id.in_(sorted(ids))):
                names[(kind, row.id)] = getattr(row, name_field.name)
        gone = sorted(i for i in ids if (kind, i) not in names)
        if gone and kind in _DELETIONS:
            names.update(_deleted_names(kind, gone))
    return names


def _deleted_names(kind: str, ids: list[int]) -> dict[tuple[str, int | None], str]:
    deletions = AuditEvent.select(AuditEvent.target_id, AuditEvent.before).where(
        (AuditEvent.action == _DELETIONS[kind])
        & (AuditEvent.target_kind == kind)
        & AuditEvent.target_id.in_(ids)
    )
    names: dict[tuple[str, int | None], str] = {}
    for target_id, before in tuple_rows(deletions):
        recorded = json.loads(before or "null")
        if isinstance(recorded, dict) and isinstance(recorded.get("name"), str):
            names[(kind, target_id)] = f"{recorded['name']} (deleted)"
    return names
