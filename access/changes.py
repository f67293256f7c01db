"""The kinds of ticket change, one row each: the field it writes, the permission it needs, its
audit action, how it is worded, and the resolver that turns what was asked (a name, a status)
into the value written. `access.change_pipeline` applies any of them to one ticket or many.

A new kind of change is one row in `KINDS` and, when its value needs looking up, one resolver.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import peewee

from access import tags, ticket_fields
from access.audit_actions import (
    TICKET_ASSIGN,
    TICKET_FIELD,
    TICKET_MOVE,
    TICKET_PRIORITY,
    TICKET_STATUS,
    TICKET_TAG,
    TICKET_TAKE,
    TICKET_UNTAG,
)
from access.catalogue import (
    TICKETS_ASSIGN,
    TICKETS_CHANGE_GROUP,
    TICKETS_CHANGE_STATUS,
    TICKETS_CLOSE,
    TICKETS_REPLY,
    TICKETS_SET_FIELDS,
    TICKETS_TAG,
    TICKETS_TAKE,
    USERGROUPS_LIST,
    PermissionKey,
)
from access.errors import InvalidInput, NotFound
from access.grants import Grants, read_grants
from access.vocabulary import CLOSED, TICKET_PRIORITIES, TICKET_STATUSES
from store.models import Person, Usergroup
from store.prepared import PreparedSelect


class Target(NamedTuple):
    """A change's new value, resolved once for all its tickets."""

    value: Any  # what the field gets
    shown: str | None  # how the audit log and the summaries name it (None: nobody, no group)
    worker: Grants | None = None  # whose own right to reply must cover each ticket
    nobody: bool = False  # a name unknown or deactivated: no ticket can be given to it
    # The worker is the person changing (take): a ticket they cannot work on is a refusal of
    # this permission, audited like any other, instead of a name that cannot take it.
    worker_refused: PermissionKey | None = None
    subject: Any = None  # what a change beside the ticket's row is about: a tag, a field


class Wording(NamedTuple):
    """What people read about a change; `{}` is the new value's name."""

    change: str  # the change as a whole: "assign to {}"
    change_to_none: str  # ... when the new value is nobody / no group: "unassign"
    already: str  # why a ticket is skipped among many: "already assigned to {}"
    already_none: str  # ... when it is already nobody / no group: "already unassigned"
    one_already: str  # the one-ticket form: "#12 is already assigned to {}" (None: "nobody")


Resolver = Callable[[Grants, str | None], Target]


class JoinedWrite(NamedTuple):
    """A change kept beside the ticket's row (a tag, a field's value): how a ticket's current
    value reads (compared with the target's value), and how the tickets that change are
    written (their version and time are set by the pipeline, as for a column)."""

    current: Callable[[Target], peewee.ColumnBase]
    write: Callable[[Target, list[int]], None]


class ChangeKind(NamedTuple):
    """One row of the table."""

    name: str  # as the command line and the app ask for it: "assign"
    field: str  # the `Ticket` column written
    permission: PermissionKey
    action: str  # the audit action of a change; a refusal is `denied.` + it
    verb: str  # "not in your scope to {verb}"
    wording: Wording
    resolve: Resolver
    hand_back: bool = False  # the assignee may set it to nobody without the permission
    joined: JoinedWrite | None = None  # written beside the ticket's row, not to `field`


def _assignee(grants: Grants, username: str | None) -> Target:
    """Someone who may work on the ticket (reply) through their own roles or supervision;
    None unassigns. A name that is unknown or deactivated reads like someone whose scope
    misses every ticket: an assign must not tell whether a name exists."""
    if username is None:
        return Target(None, None)
    assignee = read_grants(Person.username == username)
    if assignee is None or not assignee.active:
        return Target(-1, username, nobody=True)
    return Target(assignee.person_id, username, worker=assignee)


def _taker(grants: Grants, _: str | None) -> Target:
    """The person themselves, who must be able to work on the ticket as anyone assigned."""
    return Target(grants.person_id, grants.username, grants, worker_refused=TICKETS_REPLY)


def _usergroup(grants: Grants, name: str | None) -> Target:
    """A group this person can see (None: no group), so a move cannot probe for hidden ones."""
    if name is None:
        return Target(None, None)
    group = _GROUP_NAMED.first(name)
    if group is None or not (grants.holds(USERGROUPS_LIST) or group[0] in grants.groups):
        raise NotFound(f"no usergroup named {name!r}")
    return Target(group[0], group[1])


_GROUP_NAMED = PreparedSelect(
    lambda name: Usergroup.select(Usergroup.id, Usergroup.name).where(Usergroup.name == name)
)


def _status(grants: Grants, status: str | None) -> Target:
    if status not in TICKET_STATUSES:
        raise InvalidInput(f"unknown status {status!r}; one of {', '.join(TICKET_STATUSES)}")
    return Target(status, status)


def _closed(grants: Grants, _: str | None) -> Target:
    return Target(CLOSED, CLOSED)


def _priority(grants: Grants, priority: str | None) -> Target:
    if priority not in TICKET_PRIORITIES:
        raise InvalidInput(f"unknown priority {priority!r}; one of {', '.join(TICKET_PRIORITIES)}")
    return Target(priority, priority)


def _tag(grants: Grants, name: str | None) -> Target:
    """A tag to put on: present (1) after the change."""
    name = tags.usable(name)
    return Target(1, name, subject=name)


def _untag(grants: Grants, name: str | None) -> Target:
    """A tag to take off: absent (0) after the change."""
    name = tags.checked_name(name)
    return Target(0, name, subject=name)


def _field_value(grants: Grants, asked: str | None) -> Target:
    """`Order number=123`: the field's new value ("" clears it)."""
    field, value = ticket_fields.name_and_value(asked)
    return Target(value, f"{field.name} = {value or '(none)'}", subject=field.id)


_ASSIGNEE = Wording(
    "assign to {}",
    "unassign",
    "already assigned to {}",
    "already unassigned",
    "is already assigned to {}",
)
_STATUS = Wording("status {}", "status {}", "already {}", "already {}", "is already {}")

KINDS: dict[str, ChangeKind] = {
    kind.name: kind
    for kind in (
        ChangeKind(
            "assign",
            "assignee",
            TICKETS_ASSIGN,
            TICKET_ASSIGN,
            "assign",
            _ASSIGNEE,
            _assignee,
            hand_back=True,
        ),
        ChangeKind("take", "assignee", TICKETS_TAKE, TICKET_TAKE, "take", _ASSIGNEE, _taker),
        ChangeKind(
            "move",
            "usergroup",
            TICKETS_CHANGE_GROUP,
            TICKET_MOVE,
            "move",
            Wording(
                "move to {}",
                "move out of any group",
                "already in {}",
                "already without a group",
                "is already in usergroup {}",
            ),
            _usergroup,
        ),
        ChangeKind(
            "status",
            "status",
            TICKETS_CHANGE_STATUS,
            TICKET_STATUS,
            "change the status of",
            _STATUS,
            _status,
        ),
        ChangeKind(
            "close",
            "status",
            TICKETS_CLOSE,
            TICKET_STATUS,
            "close",
            _STATUS._replace(change="close"),
            _closed,
        ),
        ChangeKind(
            "priority",
            "priority",
            TICKETS_CHANGE_STATUS,
            TICKET_PRIORITY,
            "change the priority of",
            Wording(
                "priority {}", "priority {}", "already {} priority", "", "already has priority {}"
            ),
            _priority,
        ),
        ChangeKind(
            "tag",
            "tag",
            TICKETS_TAG,
            TICKET_TAG,
            "tag",
            Wording("tag {}", "", "already tagged {}", "", "is already tagged {}"),
            _tag,
            joined=JoinedWrite(tags.present, tags.add_to),
        ),
        ChangeKind(
            "untag",
            "tag",
            TICKETS_TAG,
            TICKET_UNTAG,
            "untag",
            Wording("remove tag {}", "", "not tagged {}", "", "is not tagged {}"),
            _untag,
            joined=JoinedWrite(tags.present, tags.remove_from),
        ),
        ChangeKind(
            "field",
            "field",
            TICKETS_SET_FIELDS,
            TICKET_FIELD,
            "set the fields of",
            Wording("set {}", "", "already {}", "", "already has {}"),
            _field_value,
            joined=JoinedWrite(ticket_fields.current_value, ticket_fields.write_value),
        ),
    )
}


def kind_for(name: str, value: str | None) -> ChangeKind:
    """The row for a change asked by name; setting the status to closed is closing (it needs
    `tickets.close`)."""
    if name not in KINDS:
        raise InvalidInput(f"unknown change {name!r}; one of {', '.join(KINDS)}")
    if name == "status" and value == CLOSED:
        return KINDS["close"]
    return KINDS[name]


def describe(kind: ChangeKind, target: Target) -> str:
    """The change as a whole: "assign to tom", "close"."""
    if target.shown is None:
        return kind.wording.change_to_none
    return kind.wording.change.format(target.shown)


def already(kind: ChangeKind, target: Target) -> str:
    """Why a ticket already so is skipped among many."""
    if target.shown is None:
        return kind.wording.already_none
    return kind.wording.already.format(target.shown)


def already_one(kind: ChangeKind, target: Target, number: int) -> str:
    """What the one-ticket form says of a ticket already so."""
    shown = "nobody" if target.shown is None else target.shown
    return f"#{number} {kind.wording.one_already.format(shown)}; nothing changed"


def cannot_work(target: Target) -> str:
    """Why a ticket is skipped that the new assignee could not work on."""
    if target.worker_refused is not None:
        return "you cannot work on them (no reply there)"
    return f"outside what {target.shown} may work on"
