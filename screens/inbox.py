"""The inbox: tickets in scope, newest activity first, with filters, search, marks and bulk
actions. Its list reads pages through the gate in thread workers."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Header, Static

from access import Gate
from access.views import (
    INBOX_DEFAULT,
    TICKET_PRIORITIES,
    TICKET_STATUSES,
    BulkOutcome,
    TicketQuery,
    TicketRow,
)
from tui.footer import KeyFooter
from tui.safe_text import as_text, one_line
from tui.ticket_changes import apply_change, choose_value
from tui.ticket_list import TicketList
from tui.widgets import ChecklistModal, PickerModal, PromptModal

ORDER_LABELS = {
    "activity": "Newest activity",
    "waiting": "Oldest waiting",
    "priority": "Priority, most urgent first",
}


class GateRowSource:
    """The inbox query as the list's `RowSource`; called from the list's thread workers."""

    def __init__(self, gate: Gate, query: TicketQuery) -> None:
        self.gate = gate
        self.query = query

    def count(self) -> int:
        return self.gate.count_tickets(self.query)

    def page(self, offset: int, limit: int, total: int | None) -> list[TicketRow]:
        return self.gate.list_tickets(self.query, offset=offset, limit=limit, total=total)


# Which permission each action needs somewhere in the person's scope; the gate still checks
# each ticket.
NEEDS: dict[str, str] = {
    "assign": "tickets.assign",
    "move": "tickets.change_group",
    "status": "tickets.change_status",
    "priority": "tickets.change_status",
    "close": "tickets.close",
    "take": "tickets.take",
    "new_ticket": "tickets.create",
    "roles": "roles.list",
    "filter_source": "sources.list",
}


# The screens reachable from the inbox, and the permission each needs (None: everyone, e.g.
# usergroups, where a person without usergroups.list sees their own groups).
DESTINATIONS: tuple[tuple[str, str, str | None], ...] = (
    ("usergroups", "Usergroups", None),
    ("fields", "Custom fields", "usergroups.fields"),
    ("people", "People", "people.list"),
    ("sources", "Sources", "sources.list"),
    ("roles", "Roles", "roles.list"),
    ("audit", "Audit log", "audit.view"),
    ("reports", "Workload report", "reports.own"),
)


def open_destination(key: str) -> Screen[None]:
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
    if key == "audit":
        from screens.audit_log import AuditLogScreen

        return AuditLogScreen()
    from screens.role_editor import RoleEditorScreen

    return RoleEditorScreen()


class InboxScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", id="inbox.search"),
        Binding("f", "filter_status", "Status filter", id="inbox.filter_status"),
        Binding("P", "filter_priority", "Priority filter", show=False, id="inbox.filter_priority"),
        Binding("O", "order", "Sort", show=False, id="inbox.order"),
        Binding("F", "filter_groups", "Groups", id="inbox.filter_groups"),
        Binding("S", "filter_source", "Source filter", show=False, id="inbox.filter_source"),
        Binding("M", "toggle_mine", "Mine", show=False, id="inbox.mine"),
        Binding("U", "toggle_unassigned", "Unassigned", show=False, id="inbox.unassigned"),
        Binding("x", "clear_filters", "Clear filters", show=False, id="inbox.clear"),
        Binding("t", "take", "Take", id="inbox.take"),
        Binding("a", "assign", "Assign", id="inbox.assign"),
        Binding("m", "move", "Move group", id="inbox.move"),
        Binding("s", "status", "Status", id="inbox.status"),
        Binding("p", "priority", "Priority", id="inbox.priority"),
        Binding("c", "close", "Close", id="inbox.close"),
        Binding("n", "new_ticket", "New", id="inbox.new"),
        Binding("R", "roles", "Roles", id="inbox.roles"),
        Binding("o", "go", "Go to", id="inbox.go"),
        Binding("ctrl+r", "reload", "Reload", show=False, id="inbox.reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.query_filter = INBOX_DEFAULT
        self.group_names: dict[int | None, str] = {}
        self.source_names: dict[int, str] = {}
        self._total = 0
        self._last_change = -1
        self._away = False

    @property
    def gate(self) -> Gate:
        return self.app.gate  # type: ignore[attr-defined,no-any-return]

    def compose(self) -> ComposeResult:
        yield Header()
        yield TicketList(now=self.app.clock, id="tickets")  # type: ignore[attr-defined]
        yield Static("", classes="status-line", id="status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "Inbox"
        opening = self.app.opening  # type: ignore[attr-defined]
        self._last_change = opening.last_change
        tickets = self.query_one(TicketList)
        tickets.set_source(GateRowSource(self.gate, self.query_filter), opening.first_page)
        tickets.focus()
        self.set_interval(self.app.refresh_seconds, self._poll)  # type: ignore[attr-defined]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        needed = NEEDS.get(action)
        if needed is None:
            return True
        return needed in self.app.permissions  # type: ignore[attr-defined]

    # --------------------------------------------------------------- refresh

    def _poll(self) -> None:
        """Others' changes show within a couple of seconds: reload when the log moved."""
        self.app.run_gate(self.gate.last_change, self._maybe_reload, group="poll", exclusive=True)

    def _maybe_reload(self, marker: int) -> None:
        if self._last_change not in (-1, marker):
            self.query_one(TicketList).reload()
        self._last_change = marker

    def action_reload(self) -> None:
        self.query_one(TicketList).reload()

    def on_screen_suspend(self) -> None:
        self._away = True

    def on_screen_resume(self) -> None:
        """Back from a ticket or a modal: show what changed meanwhile (not on first show)."""
        if self._away:
            self._away = False
            self.query_one(TicketList).reload()

    def on_ticket_list_counted(self, message: TicketList.Counted) -> None:
        self._total = message.total
        self._show_status()

    def on_ticket_list_marks_changed(self, _: TicketList.MarksChanged) -> None:
        self._show_status()

    def _show_status(self) -> None:
        q = self.query_filter
        parts = [f"{self._total} tickets"]
        if q.statuses:
            parts.append("status " + ",".join(q.statuses))
        if q.priorities:
            parts.append("priority " + ",".join(q.priorities))
        if q.usergroups:
            parts.append("groups " + ", ".join(self.group_names.get(g, "?") for g in q.usergroups))
        if q.sources:
            parts.append("source " + ", ".join(self.source_names.get(s, "?") for s in q.sources))
        if q.mine:
            parts.append("mine")
        if q.unassigned:
            parts.append("unassigned")
        if q.search:
            parts.append(f"search “{q.search}”")
        if q.order != "activity":
            parts.append(f"sorted by {ORDER_LABELS[q.order].lower()}")
        marks = len(self.query_one(TicketList).marked)
        if marks:
            parts.append(f"{marks} marked")
        self.query_one("#status", Static).update(as_text(one_line(" · ".join(parts))))

    def apply(self, query: TicketQuery) -> None:
        self.query_filter = query
        tickets = self.query_one(TicketList)
        tickets.clear_marks()
        tickets.set_source(GateRowSource(self.gate, query))

    # --------------------------------------------------------------- filters

    def action_search(self) -> None:
        def done(text: str | None) -> None:
            if text is not None:
                self.apply(replace(self.query_filter, search=text.strip()))

        self.app.push_screen(
            PromptModal(
                "Search: whole words, refund* for words it begins, or #number",
                self.query_filter.search,
            ),
            done,
        )

    def action_filter_status(self) -> None:
        def done(statuses: tuple[str, ...] | None) -> None:
            if statuses is not None:
                self.apply(replace(self.query_filter, statuses=statuses))

        choices = [(s, s) for s in TICKET_STATUSES]
        title = "Show tickets with status (none ticked: any)"
        self.app.push_screen(ChecklistModal(title, choices, self.query_filter.statuses), done)

    def action_filter_priority(self) -> None:
        def done(priorities: tuple[str, ...] | None) -> None:
            if priorities is not None:
                self.apply(replace(self.query_filter, priorities=priorities))

        choices = [(p, p) for p in reversed(TICKET_PRIORITIES)]
        title = "Show tickets with priority (none ticked: any)"
        self.app.push_screen(ChecklistModal(title, choices, self.query_filter.priorities), done)

    def action_order(self) -> None:
        def done(order: str | None) -> None:
            if order:
                self.apply(replace(self.query_filter, order=order))

        self.app.push_screen(PickerModal("Sort by", list(ORDER_LABELS.items())), done)

    def action_filter_groups(self) -> None:
        from screens.group_filter import GroupFilterScreen

        def done(chosen: dict[int | None, str] | None) -> None:
            if chosen is not None:
                self.group_names = chosen
                self.apply(replace(self.query_filter, usergroups=tuple(chosen)))

        self.app.push_screen(GroupFilterScreen(self.query_filter), done)

    def action_filter_source(self) -> None:
        def loaded(sources: list[Any]) -> None:
            choices = [("", "any source")] + [(str(s.id), s.name) for s in sources]
            self.source_names = {s.id: s.name for s in sources}

            def done(value: str | None) -> None:
                if value is not None:
                    chosen = (int(value),) if value else ()
                    self.apply(replace(self.query_filter, sources=chosen))

            self.app.push_screen(PickerModal("Show tickets from source", choices), done)

        self.app.run_gate(self.gate.list_sources, loaded)

    def action_toggle_mine(self) -> None:
        self.apply(replace(self.query_filter, mine=not self.query_filter.mine))

    def action_toggle_unassigned(self) -> None:
        self.apply(replace(self.query_filter, unassigned=not self.query_filter.unassigned))

    def action_clear_filters(self) -> None:
        self.group_names = {}
        self.apply(INBOX_DEFAULT)

    # ----------------------------------------------------------------- open

    def on_ticket_list_opened(self, message: TicketList.Opened) -> None:
        from screens.ticket_detail import TicketDetailScreen

        self.app.push_screen(TicketDetailScreen(message.row.number))

    def action_new_ticket(self) -> None:
        from screens.new_ticket import NewTicketScreen

        self.app.push_screen(NewTicketScreen())

    def action_go(self) -> None:
        """The other screens this person may open."""
        permissions = self.app.permissions  # type: ignore[attr-defined]
        choices = [
            (key, label)
            for key, label, needed in DESTINATIONS
            if needed is None or needed in permissions
        ]

        def chosen(key: str | None) -> None:
            if key is not None:
                self.app.push_screen(open_destination(key))

        self.app.push_screen(PickerModal("Go to", choices), chosen)

    def action_roles(self) -> None:
        from screens.role_editor import RoleEditorScreen

        self.app.push_screen(RoleEditorScreen())

    # ----------------------------------------------------------- bulk actions

    def _targets(self) -> tuple[list[int], dict[int, int], bool]:
        """The marked tickets (previewed before a change), else the one under the cursor
        (with the version the list shows, so a change made meanwhile is not overwritten)."""
        tickets = self.query_one(TicketList)
        if tickets.marked:
            return sorted(tickets.marked), {}, True
        row = tickets.current_row()
        if row is None:
            return [], {}, False
        return [row.number], {row.number: row.version}, False

    def _change(self, kind: str, value: str | None = None) -> None:
        numbers, versions, preview = self._targets()
        if not numbers:
            return

        def finished(_: BulkOutcome) -> None:
            tickets = self.query_one(TicketList)
            tickets.clear_marks()
            tickets.reload()

        apply_change(
            self, kind, numbers, value, versions=versions, preview=preview, finished=finished
        )

    def _choose_then_change(self, kind: str) -> None:
        numbers, _, _ = self._targets()
        if numbers:
            choose_value(self, kind, numbers, lambda value: self._change(kind, value))

    def action_take(self) -> None:
        self._change("take")

    def action_assign(self) -> None:
        self._choose_then_change("assign")

    def action_move(self) -> None:
        self._choose_then_change("move")

    def action_status(self) -> None:
        self._choose_then_change("status")

    def action_priority(self) -> None:
        self._choose_then_change("priority")

    def action_close(self) -> None:
        self._change("close")
