"""Each screen declares its actions once: the bindings (and so the footer, palette and help)
and the permission checks follow from that table, and a permission the catalogue does not know
fails where it is written."""

from __future__ import annotations

import pytest

from access.catalogue import PermissionKey, known
from screens.audit_log import AuditLogScreen
from screens.custom_fields import CustomFieldsScreen
from screens.group_filter import GroupFilterScreen
from screens.inbox import InboxScreen
from screens.new_ticket import NewTicketScreen
from screens.people import PeopleScreen
from screens.role_editor import RoleEditorScreen
from screens.sources import SourcesScreen
from screens.ticket_detail import TicketDetailScreen
from screens.usergroups import UsergroupsScreen
from tui.screen import Action, GateAccess

SCREENS: list[type[GateAccess]] = [
    InboxScreen,
    TicketDetailScreen,
    RoleEditorScreen,
    UsergroupsScreen,
    PeopleScreen,
    SourcesScreen,
    CustomFieldsScreen,
    AuditLogScreen,
    NewTicketScreen,
    GroupFilterScreen,
]


def test_a_misspelt_permission_fails_where_it_is_written() -> None:
    with pytest.raises(KeyError, match=r"tickets\.asign"):
        Action("a", "assign", "Assign", "inbox.assign", PermissionKey("tickets.asign"))
    with pytest.raises(KeyError, match=r"tickets\.asign"):
        known("tickets.asign")


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: s.__name__)
def test_bindings_and_checks_follow_the_action_table(screen: type[GateAccess]) -> None:
    table = [a for base in screen.__mro__ for a in base.__dict__.get("ACTIONS", ())]
    merged = screen._merged_bindings  # Textual's own, per class
    assert merged is not None
    # Textual's own screen bindings (focus moves) carry no id; every one of ours does.
    bound = {b.id: b for keys in merged.key_to_bindings.values() for b in keys if b.id}
    assert set(bound) == {a.binding_id for a in table}
    for action in table:
        binding = bound[action.binding_id]
        assert binding.key in action.key.split(",")  # Textual binds each key of "a,b" apart
        assert (binding.action, binding.description, binding.show) == (
            action.name,
            action.label,
            action.show,
        )
    # An action with an argument (`jump_view(3)`) is checked under its name (`jump_view`).
    assert screen._needs == {a.name.split("(")[0]: a.permission for a in table if a.permission}
