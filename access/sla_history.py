"""Tickets' histories as the service-level clock reads them (`access.sla_clock.History`), from
the store: the messages, and the audit log's changes of status, priority and usergroup.

A ticket's state at its creation is what the first logged change of each kind replaced (or, if
none was logged, what it is now). The audit log names a usergroup by the name it had then; a
name no usergroup has any more reads as no usergroup, so a condition on a group renamed since
no longer matches that stretch of the ticket's past (it is never matched by a guess).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import peewee

from access.audit_actions import TICKET_MOVE, TICKET_PRIORITY, TICKET_STATUS
from access.sla_clock import PRIORITY, STATUS, USERGROUP, Event, History
from access.sla_rules import Attributes
from store.models import AuditEvent, Message, Usergroup
from store.rows import tuple_rows

# The audit actions that change what the clock reads, and the event each one is.
_CHANGES = {TICKET_STATUS: STATUS, TICKET_PRIORITY: PRIORITY, TICKET_MOVE: USERGROUP}


def ticket_histories(
    tickets: Iterable[tuple[int, datetime, str, str, int, int | None]],
    selected: peewee.SelectQuery,
) -> dict[int, History]:
    """The histories of `tickets` (number, created_at, status, priority, source id, usergroup
    id as they are now); `selected` is a query of those tickets' numbers, for the two
    statements that read their messages and logged changes."""
    events: dict[int, list[Event]] = {}
    messages = (
        Message.select(Message.ticket, Message.created_at, Message.kind)
        .where(Message.ticket.in_(selected))
        .order_by(Message.ticket, Message.created_at, Message.id)
    )
    for number, at, kind in tuple_rows(messages):
        events.setdefault(number, []).append(Event(at, kind))
    first_before: dict[tuple[int, str], Any] = {}
    changes = (
        AuditEvent.select(AuditEvent.ticket, AuditEvent.at, AuditEvent.action, AuditEvent.before)
        .select_extend(AuditEvent.after)
        .where(AuditEvent.ticket.in_(selected) & AuditEvent.action.in_(list(_CHANGES)))
        .order_by(AuditEvent.ticket, AuditEvent.at, AuditEvent.id)
    )
    groups = Usergroup.select(Usergroup.id, Usergroup.name)
    group_ids = {name: id_ for id_, name in tuple_rows(groups)}
    for number, at, action, before, after in tuple_rows(changes):
        kind = _CHANGES[action]
        first_before.setdefault((number, kind), _decoded(before))
        value = _decoded(after)
        if kind == USERGROUP:
            value = group_ids.get(value) if isinstance(value, str) else None
        events.setdefault(number, []).append(Event(at, kind, value))
    histories = {}
    for number, created_at, status, priority, source, group in tickets:
        histories[number] = History(
            created_at,
            str(first_before.get((number, STATUS), status)),
            _initial(number, priority, source, group, first_before, group_ids),
            events.get(number, ()),
        )
    return histories


def _initial(
    number: int,
    priority: str,
    source: int,
    group: int | None,
    first_before: Mapping[tuple[int, str], Any],
    group_ids: Mapping[str, int],
) -> Attributes:
    if (number, USERGROUP) in first_before:
        named = first_before[(number, USERGROUP)]
        group = group_ids.get(named) if isinstance(named, str) else None
    return Attributes(str(first_before.get((number, PRIORITY), priority)), source, group)


def _decoded(logged: str) -> Any:
    """A value as the audit log keeps it (JSON; empty for none)."""
    return json.loads(logged) if logged else None
