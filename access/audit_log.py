"""Reading the audit log through the gate."""

from __future__ import annotations

import peewee

from access.errors import InvalidInput
from access.gate import GateBase
from access.lookup import person_named
from access.views import AuditView
from store.models import AuditEvent, Person, Role, Source, Usergroup


class AuditLog(GateBase):
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
            query = query.where(AuditEvent.actor == person_named(person).id)
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
