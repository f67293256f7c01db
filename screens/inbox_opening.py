"""What the inbox opens: a ticket picked in the list or named by its number (`#`), a new
ticket (`n`), and the other screens this person may go to (`o`, `b`, `R`)."""

from __future__ import annotations

from textual import work
from textual.screen import Screen

from access.catalogue import (
    AUDIT_VIEW,
    MACROS_EDIT,
    MACROS_LIST,
    PEOPLE_LIST,
    REPLIES_EDIT,
    REPLIES_LIST,
    REPORTS_OWN,
    ROLES_LIST,
    RULES_LIST,
    SOURCES_LIST,
    USERGROUPS_FIELDS,
    PermissionKey,
)
from access.list_views import TicketQuery, ticket_reference
from tui.screen import ScreenPart
from tui.ticket_list import TicketList
from wording.safe_text import one_line

# The screens reachable from the inbox, and the permissions that open each, any one of them
# (none: everyone, e.g. usergroups, where a person without usergroups.list sees their own
# groups). A scoped editor of canned replies or macros who may not list them all opens the
# screen on those they may edit.
DESTINATIONS: tuple[tuple[str, str, tuple[PermissionKey, ...]], ...] = (
    ("usergroups", "Usergroups", ()),
    ("fields", "Custom fields", (USERGROUPS_FIELDS,)),
    ("people", "People", (PEOPLE_LIST,)),
    ("sources", "Sources", (SOURCES_LIST,)),
    ("roles", "Roles", (ROLES_LIST,)),
    ("audit", "Audit log", (AUDIT_VIEW,)),
    ("rules", "Rules", (RULES_LIST,)),
    ("replies", "Canned replies", (REPLIES_LIST, REPLIES_EDIT)),
    ("macros", "Macros", (MACROS_LIST, MACROS_EDIT)),
    ("reports", "Workload report", (REPORTS_OWN,)),
    ("sla report", "SLA report", (REPORTS_OWN,)),
    ("notifications", "Notifications", ()),
)


def open_destination(key: str) -> Screen[None]:
    if key == "notifications":
        from screens.notifications import NotificationsScreen

        return NotificationsScreen()
    if key == "usergroups":
        from screens.usergroups import UsergroupsScreen

        return UsergroupsScreen()
    if key == "fields":
        from screens.custom_fields import CustomFieldsScreen

        return CustomFieldsScreen()
    if key == "people":
        from screens.people import PeopleScreen

        return PeopleScreen()
    if key == "sources":
        from screens.sources import SourcesScreen

        return SourcesScreen()
    if key == "reports":
        from screens.reports import ReportsScreen

        return ReportsScreen()
    if key == "sla report":
        from screens.sla_report import SlaReportScreen

        return SlaReportScreen()
    if key == "rules":
        from screens.rules import RulesScreen

        return RulesScreen()
    if key == "replies":
        from screens.canned_replies import CannedRepliesScreen

        return CannedRepliesScreen()
    if key == "macros":
        from screens.macros import MacrosScreen

        return MacrosScreen()
    if key == "audit":
        from screens.audit_log import AuditLogScreen

        return AuditLogScreen()
    from screens.role_editor import RoleEditorScreen

    return RoleEditorScreen()


class InboxOpening(ScreenPart):
    """The opening actions of the inbox (`screens.inbox`), whose table binds their keys."""

    def on_ticket_list_opened(self, message: TicketList.Opened) -> None:
        from screens.ticket_detail import TicketDetailScreen

        self.app.push_screen(TicketDetailScreen(message.row.number))

    def action_open_number(self) -> None:
        self.open_number()

    @work(group="inbox-open", exit_on_error=False)
    async def open_number(self) -> None:
        """Open a ticket by its number, whatever the filters; a ticket the person may not see
        gets the answer of one that does not exist."""
        from screens.ticket_detail import TicketDetailScreen
        from tui.widgets import PromptModal

        text = await self.app.asked(PromptModal("Open ticket number", "#"))
        if text is None or not text.strip():
            return
        number = ticket_reference("#" + text.strip().removeprefix("#"))
        if number is None:
            self.notify(f"{one_line(text.strip())!r} is not a ticket number", severity="error")
            return
        found = await self.app.gate_call(
            lambda: self.gate.inbox.count_tickets(TicketQuery(search=f"#{number}"))
        )
        if found:
            self.app.push_screen(TicketDetailScreen(number))
        else:
            self.notify(f"no ticket #{number}", severity="error")

    def action_new_ticket(self) -> None:
        from screens.new_ticket import NewTicketScreen

        self.app.push_screen(NewTicketScreen())

    def action_go(self) -> None:
        self.go_to()

    @work(group="inbox-open", exit_on_error=False)
    async def go_to(self) -> None:
        """The other screens this person may open."""
        from tui.widgets import PickerModal

        choices = [
            (key, label)
            for key, label, needed in DESTINATIONS
            if not needed or any(self.can(permission) for permission in needed)
        ]
        key: str | None = await self.app.asked(PickerModal("Go to", choices))
        if key is not None:
            self.app.push_screen(open_destination(key))

    def action_notifications(self) -> None:
        self.app.push_screen(open_destination("notifications"))

    def action_roles(self) -> None:
        from screens.role_editor import RoleEditorScreen

        self.app.push_screen(RoleEditorScreen())
