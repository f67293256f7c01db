"""Versions of people, roles, usergroups and sources, as tickets have: every change bumps the
row's version in the change's transaction, and a change made on a version someone else has
since changed is a `Conflict` that says what that other change was."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from access.audit import encode
from access.audit_actions import DENIED_PREFIX, GROUP_RENAME, ROLE_RENAME, SOURCE_RENAME
from access.errors import Conflict
from store.models import AuditEvent, BusinessCalendar, Person, Role, SlaPolicy, Source, Usergroup
from store.reply_models import CannedReply, Macro
from store.rule_models import Rule

Versioned = (
    Person | Role | Usergroup | Source | BusinessCalendar | SlaPolicy | CannedReply | Macro | Rule
)
TARGET_KIND = {
    Person: "person",
    Role: "role",
    Usergroup: "usergroup",
    Source: "source",
    BusinessCalendar: "calendar",
    SlaPolicy: "policy",
    CannedReply: "canned",
    Macro: "macro",
    Rule: "rule",
}


def check_fresh(row: Versioned, expected: int | None, what: str) -> None:
    """Refuse a change made on an older version than `row`'s (None: the caller read no
    version, as the command line, and acts on whatever is there)."""
    if expected is not None and expected != row.version:
        raise changed_meanwhile(row, what)


def changed_meanwhile(row: Versioned, what: str) -> Conflict:
    """The refusal of a change to `what`, read before someone else's newest change to `row`
    (which it names)."""
    return Conflict(
        f"{what} was changed by someone else since you read it: "
        f"{last_change(TARGET_KIND[type(row)], row.id)}"
    )


def bump(row: Versioned, expected: int | None, what: str) -> int:
    """Check `expected`, then compare-and-set the next version; returns it. Call inside the
    write transaction of the change."""
    check_fresh(row, expected, what)
    model = type(row)
    updated = (
        model.update(version=model.version + 1)
        .where((model.id == row.id) & (model.version == row.version))
        .execute()
    )
    if not updated:
        raise Conflict(f"{what} was changed by someone else meanwhile; read it again")
    return row.version + 1


Row = TypeVar("Row", Role, Usergroup, Source)
RENAMES: dict[type[Role | Usergroup | Source], str] = {
    Role: ROLE_RENAME,
    Usergroup: GROUP_RENAME,
    Source: SOURCE_RENAME,
}


def renamed_from(model: type[Row], name: str) -> Row | None:
    """The row that was last renamed away from `name` and is now named otherwise, if any: a
    name someone read before another person renamed it (not found now, but not gone)."""
    event = (
        AuditEvent.select(AuditEvent.target_id)
        .where(
            (AuditEvent.target_kind == TARGET_KIND[model])
            # An id is never negative: the bound has SQLite search (target_kind, target_id)
            # instead of walking the whole log newest first when no rename matches.
            & (AuditEvent.target_id >= 0)
            & (AuditEvent.action == RENAMES[model])
            & (AuditEvent.before == encode(name))
        )
        .order_by(AuditEvent.id.desc())
        .first()
    )
    if event is None:
        return None
    row: Row | None = model.get_or_none((model.id == event.target_id) & (model.name != name))
    return row


def last_change(target_kind: str, target_id: int) -> str:
    """The newest change to one person, role, group or source, in one line: who, when, what."""
    event = (
        AuditEvent.select(AuditEvent, Person.username)
        .join(Person, on=(AuditEvent.actor == Person.id))
        .where(
            (AuditEvent.target_kind == target_kind)
            & (AuditEvent.target_id == target_id)
            & ~AuditEvent.action.startswith(DENIED_PREFIX)
        )
        .order_by(AuditEvent.id.desc())
        .first()
    )
    if event is None:
        return "it changed"
    return f"{event.actor.username} at {event.at:%H:%M:%S}: {_what(event)}"


def _what(event: AuditEvent) -> str:
    before, after = _decoded(event.before), _decoded(event.after)
    if isinstance(before, list) and isinstance(after, list):
        added = sorted(set(after) - set(before))
        removed = sorted(set(before) - set(after))
        parts = [f"added {', '.join(added)}"] if added else []
        parts += [f"removed {', '.join(removed)}"] if removed else []
        return f"{event.action} ({'; '.join(parts) or 'same'})"
    if after not in (None, ""):
        return f"{event.action} {json.dumps(after, ensure_ascii=True, sort_keys=True)[:120]}"
    return str(event.action)


def _decoded(value: str) -> Any:
    return json.loads(value) if value else None


def conflict_if_stale(expected: int | None, actual: int, what: str) -> None:
    """A ticket's change made on another version than `actual` (None: any) is a `Conflict`."""
    if expected is not None and expected != actual:
        raise Conflict(f"{what} was changed by someone else; reload it and try again")
