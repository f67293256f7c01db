"""Who may edit a canned reply or a macro: `replies.edit` and `macros.edit` are scoped like the
roles that grant them. A role of every source and every ticket edits any; a role of some
sources edits only those offered in some of its sources and none other; a role of its
usergroups' tickets (or its own) edits only those offered in some of its usergroups and none
other. What is offered everywhere (no source or no usergroup named) is for an editor whose
role reaches everywhere."""

from __future__ import annotations

import json
from collections.abc import Collection

from access.catalogue import PermissionKey
from access.errors import PermissionDenied
from access.grants import Grants, RoleGrant

ALL_TICKETS = "all"


def covers(grants: Grants, permission: PermissionKey, sources: str, usergroups: str) -> bool:
    """Whether a role granting `permission` reaches a row offered in `sources` and
    `usergroups` (JSON lists of ids, as stored; empty: everywhere)."""
    source_ids, group_ids = json.loads(sources), json.loads(usergroups)
    roles = grants.roles_with(permission)
    return any(_reaches(role, grants, source_ids, group_ids) for role in roles)


def _reaches(
    role: RoleGrant, grants: Grants, source_ids: Collection[int], group_ids: Collection[int]
) -> bool:
    sources_within = role.all_sources or (bool(source_ids) and set(source_ids) <= role.source_ids)
    groups_within = role.ticket_scope == ALL_TICKETS or (
        bool(group_ids) and set(group_ids) <= grants.groups
    )
    return sources_within and groups_within


def require_covers(
    grants: Grants, permission: PermissionKey, sources: str, usergroups: str, what: str
) -> None:
    """Refuse an edit of `what` (offered in `sources` and `usergroups`) beyond the editor's
    scope, in one line that names it."""
    if not covers(grants, permission, sources, usergroups):
        raise PermissionDenied(
            f"{grants.username} lacks {permission} for {what}: it is offered beyond "
            "your sources or usergroups"
        )
