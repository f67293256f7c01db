"""Custom fields of tickets (`gate.ticket_fields`): defined like the usergroups' fields, set on
tickets through the change pipeline (`access.changes`, kind `field`, asked as `NAME=VALUE`),
shown on the ticket and found by a search's `field:"Order number"=123`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee

from access.audit_actions import TICKET_FIELD_DEFINE
from access.catalogue import FIELDS_EDIT, TICKETS_LIST
from access.errors import InvalidInput, NotFound
from access.lookup import require_free_name
from access.request import Part
from access.validation import checked_name, validate_field_value
from access.views import FieldDefinition, FieldValue
from access.vocabulary import FIELD_KINDS
from store.models import Ticket
from store.rows import tuple_rows
from store.tag_models import TicketField, TicketFieldValue

if TYPE_CHECKING:
    from access.changes import Target

# Between a field's name and the value in a change asked by name (`Order number=123`).
ASSIGNED = "="
MAX_NAME = 60


def field_called(name: str) -> TicketField:
    field = TicketField.get_or_none(TicketField.name == name.strip())
    if field is None:
        raise NotFound(f"no ticket field named {name.strip()!r}")
    return field


def name_and_value(asked: str | None) -> tuple[TicketField, str]:
    """`Order number=123`: a field in use and its value checked against its kind ("" clears
    it)."""
    name, assigned, value = (asked or "").partition(ASSIGNED)
    if not assigned:
        raise InvalidInput(f"give a ticket field as NAME{ASSIGNED}VALUE: {asked!r}")
    field = field_called(name)
    if field.retired:
        raise InvalidInput(f"{field.name} is retired")
    return field, validate_field_value(field.kind, value, False, field.name)


def current_value(target: Target) -> peewee.ColumnBase:
    """The ticket's value of the field, "" when it has none (the pipeline's current value)."""
    kept = TicketFieldValue.select(TicketFieldValue.value).where(
        (TicketFieldValue.ticket == Ticket.number) & (TicketFieldValue.field == target.subject)
    )
    return peewee.fn.COALESCE(kept, "")


def write_value(target: Target, numbers: list[int]) -> None:
    """The field's value on `numbers`: the old rows deleted, the new inserted (none for "")."""
    TicketFieldValue.delete().where(
        TicketFieldValue.ticket.in_(numbers) & (TicketFieldValue.field == target.subject)
    ).execute()
    if target.value:
        TicketFieldValue.insert_many(
            [{"ticket": n, "field": target.subject, "value": target.value} for n in numbers]
        ).execute()


def fields_of_ticket(number: int) -> tuple[FieldValue, ...]:
    """The fields in use with the ticket's values ("" where it has none), in their order."""
    rows = (
        TicketField.select(TicketField.name, TicketField.kind, TicketFieldValue.value)
        .join(
            TicketFieldValue,
            peewee.JOIN.LEFT_OUTER,
            on=((TicketFieldValue.field == TicketField.id) & (TicketFieldValue.ticket == number)),
        )
        .where(TicketField.retired == False)  # noqa: E712
        .order_by(TicketField.position, TicketField.name)
    )
    return tuple(FieldValue(name, kind, value or "") for name, kind, value in tuple_rows(rows))


def with_value(name: str, value: str) -> peewee.ColumnBase:
    """Tickets whose field `name` (in any case) is exactly `value` (a search's
    `field:NAME=VALUE`)."""
    field = TicketField.select(TicketField.id).where(
        peewee.fn.LOWER(TicketField.name) == name.lower()
    )
    held = TicketFieldValue.select(TicketFieldValue.ticket).where(
        (TicketFieldValue.field == field) & (TicketFieldValue.value == value)
    )
    return Ticket.number.in_(held)


class TicketFieldAdmin(Part):
    """`gate.ticket_fields`: the custom fields of tickets."""

    def list_ticket_fields(self, *, include_retired: bool = False) -> list[FieldDefinition]:
        """Everyone who sees tickets sees their fields."""
        self._open().require(TICKETS_LIST)
        query = TicketField.select().order_by(TicketField.position, TicketField.name)
        if not include_retired:
            query = query.where(TicketField.retired == False)  # noqa: E712
        return [FieldDefinition(f.name, f.kind, False, f.position, f.retired) for f in query]

    def define_ticket_field(self, name: str, kind: str = "text") -> None:
        request = self._open()
        request.require(FIELDS_EDIT)
        name = checked_name(name, "field name", MAX_NAME)
        if ASSIGNED in name or '"' in name:
            raise InvalidInput(f'a field name has no {ASSIGNED} or " in it: {name!r}')
        if kind not in FIELD_KINDS:
            raise InvalidInput(f"unknown field kind {kind!r}; one of {', '.join(FIELD_KINDS)}")
        with request.writing():
            require_free_name(TicketField.name, name, "ticket field")
            last = TicketField.select(peewee.fn.MAX(TicketField.position)).scalar() or 0
            field = TicketField.create(name=name, kind=kind, position=last + 1)
            request.record(
                TICKET_FIELD_DEFINE, "ticket_field", field.id, after={"name": name, "kind": kind}
            )
