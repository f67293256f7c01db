"""The permission catalogue: a tree of groups, each with a view-only `list` leaf and action leaves.

A role is made view-only by ticking only the `list` leaves (and `tickets.view`, which opens a
ticket without changing it).
"""

from __future__ import annotations

from typing import NamedTuple, NewType

# A permission's name as the catalogue knows it. Only `known` and the catalogue make one, so mypy
# refuses a bare string where a check expects a permission.
PermissionKey = NewType("PermissionKey", str)


class Permission(NamedTuple):
    group: str
    leaf: str
    description: str

    @property
    def key(self) -> PermissionKey:
        return PermissionKey(f"{self.group}.{self.leaf}")


class PermissionGroup(NamedTuple):
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
        ("merge", "Merge a ticket into another, split a message off into a new one"),
        ("tag", "Add and remove tags on a ticket"),
        ("set_fields", "Set the custom fields of a ticket"),
    ),
    _group(
        "tags",
        "Tags on tickets",
        ("edit", "Add and remove tags of the list, and lock the list"),
    ),
    _group(
        "fields",
        "Custom fields of tickets",
        ("edit", "Define the custom fields of tickets"),
    ),
    _group(
        "views",
        "Saved views of the inbox",
        ("share", "Share saved views with a role or a usergroup, and remove shared ones"),
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
        "sla",
        "Service levels (business calendars)",
        ("list", "See business calendars and service-level policies"),
        ("edit", "Add, change and delete business calendars and policies"),
    ),
    _group(
        "replies",
        "Canned replies and signatures",
        ("list", "See canned replies and signatures"),
        ("edit", "Add, change and delete canned replies and signatures"),
    ),
    _group(
        "macros",
        "Macros (several changes to tickets at once)",
        ("list", "See macros"),
        ("edit", "Add, change and delete macros"),
    ),
    _group(
        "rules",
        "Rules (automation acting as their owners)",
        ("list", "See rules and try them on past tickets"),
        ("edit", "Add, change, order, disable and delete rules"),
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

PERMISSIONS: dict[PermissionKey, Permission] = {
    leaf.key: leaf for group in CATALOGUE for leaf in group.leaves
}


def known(key: str) -> PermissionKey:
    """`key`, checked against the catalogue: a misspelt permission fails at import, where a bare
    string would silently hide an action."""
    if key not in PERMISSIONS:
        raise KeyError(f"{key!r} is not in the permission catalogue")
    return PermissionKey(key)


TICKETS_LIST = known("tickets.list")
TICKETS_VIEW = known("tickets.view")
TICKETS_VIEW_NOTES = known("tickets.view_notes")
TICKETS_VIEW_CONTACT = known("tickets.view_contact")
TICKETS_CREATE = known("tickets.create")
TICKETS_CREATE_PRIVATE = known("tickets.create_private")
TICKETS_CHOOSE_GROUP = known("tickets.choose_group")
TICKETS_REPLY = known("tickets.reply")
TICKETS_NOTE = known("tickets.note")
TICKETS_TAKE = known("tickets.take")
TICKETS_ASSIGN = known("tickets.assign")
TICKETS_CHANGE_GROUP = known("tickets.change_group")
TICKETS_CHANGE_STATUS = known("tickets.change_status")
TICKETS_CLOSE = known("tickets.close")
TICKETS_DELETE = known("tickets.delete")
TICKETS_MERGE = known("tickets.merge")
TICKETS_TAG = known("tickets.tag")
TICKETS_SET_FIELDS = known("tickets.set_fields")
TAGS_EDIT = known("tags.edit")
FIELDS_EDIT = known("fields.edit")
VIEWS_SHARE = known("views.share")
USERGROUPS_LIST = known("usergroups.list")
USERGROUPS_EDIT = known("usergroups.edit")
USERGROUPS_MEMBERS = known("usergroups.members")
USERGROUPS_FIELDS = known("usergroups.fields")
PEOPLE_LIST = known("people.list")
PEOPLE_EDIT = known("people.edit")
ROLES_LIST = known("roles.list")
ROLES_EDIT = known("roles.edit")
ROLES_ASSIGN = known("roles.assign")
SOURCES_LIST = known("sources.list")
SOURCES_EDIT = known("sources.edit")
SOURCES_ARCHIVED = known("sources.archived")
SLA_LIST = known("sla.list")
SLA_EDIT = known("sla.edit")
REPLIES_LIST = known("replies.list")
REPLIES_EDIT = known("replies.edit")
MACROS_LIST = known("macros.list")
MACROS_EDIT = known("macros.edit")
RULES_LIST = known("rules.list")
RULES_EDIT = known("rules.edit")
REPORTS_OWN = known("reports.own")
REPORTS_TEAM = known("reports.team")
AUDIT_VIEW = known("audit.view")

# Leaves whose meaning is "see", never "change": what a view-only role may hold.
VIEW_ONLY: frozenset[PermissionKey] = frozenset(
    key for key in PERMISSIONS if key.endswith(".list") or key == TICKETS_VIEW
)

# Ticket permissions that a role's scopes narrow to the tickets they cover.
TICKET_PERMISSIONS: frozenset[PermissionKey] = frozenset(
    k for k in PERMISSIONS if k.startswith("tickets.")
)

# What a supervisor may do on the non-private tickets of the groups they supervise, whatever
# their roles say (the Usergroups add-on).
SUPERVISOR_RIGHTS: frozenset[PermissionKey] = frozenset(
    {TICKETS_LIST, TICKETS_VIEW, TICKETS_REPLY, TICKETS_ASSIGN, TICKETS_CLOSE}
)
