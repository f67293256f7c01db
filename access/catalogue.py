"""The permission catalogue: a tree of groups, each with a view-only `list` leaf and action leaves.

A role is made view-only by ticking only the `list` leaves (and `tickets.view`, which opens a
ticket without changing it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Permission:
    group: str
    leaf: str
    description: str

    @property
    def key(self) -> str:
        return f"{self.group}.{self.leaf}"


@dataclass(frozen=True)
class PermissionGroup:
    name: str
    description: str
    leaves: tuple[Permission, ...]


def _group(name: str, description: str, *leaves: tuple[str, str]) -> PermissionGroup:
    return PermissionGroup(
        name, description, tuple(Permission(name, leaf, text) for leaf, text in leaves)
    )


CATALOGUE: tuple[PermissionGroup, ...] = (
    _group(
        "tickets",
        "Tickets and their conversations",
        ("list", "See tickets in the inbox, counts and search"),
        ("view", "Open a ticket and read its conversation"),
        ("view_notes", "Read internal notes"),
        ("view_contact", "See the requester's e-mail and phone"),
        ("create", "File a ticket"),
        ("create_private", "File a private ticket that the group does not see"),
        ("choose_group", "Choose the usergroup of a new ticket"),
        ("reply", "Reply to the requester"),
        ("note", "Add an internal note"),
        ("take", "Assign a ticket to oneself"),
        ("assign", "Assign a ticket to anyone"),
        ("change_group", "Move a ticket to another usergroup"),
        ("change_status", "Change a ticket's status"),
        ("close", "Close a ticket"),
        ("delete", "Delete a ticket"),
    ),
    _group(
        "usergroups",
        "Usergroups (teams, locations, projects, customers)",
        ("list", "See usergroups and their members"),
        ("edit", "Create, rename and delete usergroups"),
        ("members", "Add and remove members and supervisors"),
        ("fields", "Define custom fields and set their values"),
    ),
    _group(
        "people",
        "People",
        ("list", "See people"),
        ("edit", "Add, edit and deactivate people"),
    ),
    _group(
        "roles",
        "Roles and permissions",
        ("list", "See roles and their permissions"),
        ("edit", "Create, change and delete roles"),
        ("assign", "Give roles to people and take them away"),
    ),
    _group(
        "sources",
        "Sources (mailboxes, marketplace accounts, forms, phone)",
        ("list", "See sources"),
        ("edit", "Add, rename, archive and restore sources"),
        ("archived", "See the tickets of archived sources"),
    ),
    _group(
        "reports",
        "Reports",
        ("own", "See one's own workload and response times"),
        ("team", "See everyone's workload and response times"),
    ),
    _group(
        "audit",
        "The audit log",
        ("view", "Read the audit log"),
    ),
)

PERMISSIONS: dict[str, Permission] = {
    leaf.key: leaf for group in CATALOGUE for leaf in group.leaves
}

# Leaves whose meaning is "see", never "change": what a view-only role may hold.
VIEW_ONLY: frozenset[str] = frozenset(
    key for key in PERMISSIONS if key.endswith(".list") or key == "tickets.view"
)

# Ticket permissions that a role's scopes narrow to the tickets they cover.
TICKET_PERMISSIONS: frozenset[str] = frozenset(k for k in PERMISSIONS if k.startswith("tickets."))

# What a supervisor may do on the non-private tickets of the groups they supervise, whatever
# their roles say (the Usergroups add-on).
SUPERVISOR_RIGHTS: frozenset[str] = frozenset(
    {"tickets.list", "tickets.view", "tickets.reply", "tickets.assign", "tickets.close"}
)


def is_known(key: str) -> bool:
    return key in PERMISSIONS


def group_of(key: str) -> PermissionGroup:
    name = key.split(".", 1)[0]
    for group in CATALOGUE:
        if group.name == name:
            return group
    raise KeyError(key)


# How each custom field kind is described in a validation message.
FIELD_KINDS_HELP: dict[str, str] = {
    "text": "text",
    "phone": "a phone number such as +48 12 345 67 89",
    "email": "an e-mail address such as team@example.com",
    "url": "a web address starting with http:// or https://",
    "address": "a postal address",
}
