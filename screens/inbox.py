"""The inbox: tickets in scope, newest activity first, with filters, search, marks and bulk
actions. Its list reads pages through the gate in thread workers."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.widgets import Static

from access import InvalidInput
from access.catalogue import (
    ROLES_LIST,
    SOURCES_LIST,
    TICKETS_ASSIGN,
    TICKETS_CHANGE_GROUP,
    TICKETS_CHANGE_STATUS,
    TICKETS_CLOSE,
    TICKETS_CREATE,
    TICKETS_LIST,
    TICKETS_REPLY,
    TICKETS_TAG,
    TICKETS_TAKE,
    TICKETS_VIEW,
)
from access.list_views import INBOX_DEFAULT, TicketQuery, TicketRow, ticket_reference
from access.presence_states import PresenceView
from access.vocabulary import TICKET_PRIORITIES, TICKET_STATUSES
from screens.inbox_opening import InboxOpening
from screens.inbox_views import InboxViews
from tui.due_cells import CHECK_SECONDS, due_within
from tui.footer import KeyFooter
from tui.header import TitleBar
from tui.inbox_summary import ORDER_LABELS, ListState, summary_items, wrap
from tui.presence import MARKERS, PresenceReader
from tui.screen import Action, TickettyScreen
from tui.ticket_list import TicketList
from tui.views_bar import ViewsBar
from wording.safe_text import as_text, one_line

if TYPE_CHECKING:
    from access import Gate
    from tui.live import OthersChanged


def _present_views(present: dict[int, PresenceView]) -> list[PresenceView]:
    return list(present.values())


class GateRowSource:
    """The inbox query as the list's `RowSource`; called from the list's thread workers.

    A search for `#42` lists that ticket whatever the other filters (if the person may see
    it); `outside_filters` then says whether the filters would have left it out."""

    def __init__(self, gate: Gate, query: TicketQuery) -> None:
        self.gate = gate
        self.filtered = query
        named = ticket_reference(query.search) is not None
        self.query = TicketQuery(search=query.search, order=query.order) if named else query
        self.outside_filters = False

    def count(self) -> int:
        total = self.gate.inbox.count_tickets(self.query)
        if total and self.query is not self.filtered:
            self.outside_filters = self.gate.inbox.count_tickets(self.filtered) == 0
        return total

    def page(self, offset: int, limit: int, total: int | None) -> list[TicketRow]:
        return self.gate.inbox.list_tickets(self.query, offset=offset, limit=limit, total=total)

    def position(self, number: int) -> int | None:
        return self.gate.inbox.ticket_position(self.query, number)


# The column a sort keeps on a narrow screen.
PINNED = {"priority": "Prio", "due": "Due"}


class InboxScreen(InboxViews, InboxOpening, TickettyScreen[None]):
    # Ticket actions need their permission somewhere in the person's scope; the gate still
    # checks each ticket. The footer shows what fits 80 columns with `?` and `q`; the rest is
    # in the help and the palette.
    ACTIONS: ClassVar[tuple[Action, ...]] = (
        Action("slash", "search", "Search", "inbox.search"),
        Action("f", "filter_status", "Filter", "inbox.filter_status"),
        Action("P", "filter_priority", "Priority filter", "inbox.filter_priority", show=False),
        Action("O", "order", "Sort", "inbox.order", show=False),
        Action("F", "filter_groups", "Groups", "inbox.filter_groups"),
        Action(
            "S", "filter_source", "Source filter", "inbox.filter_source", SOURCES_LIST, show=False
        ),
        Action("M", "toggle_mine", "Mine", "inbox.mine", show=False),
        Action("U", "toggle_unassigned", "Unassigned", "inbox.unassigned", show=False),
        Action("B", "toggle_breached", "Breached", "inbox.breached", show=False),
        Action("D", "due_within", "Due within", "inbox.due_within", show=False),
        Action("x", "clear_filters", "Clear filters", "inbox.clear", show=False),
        Action("number_sign", "open_number", "Open by number", "inbox.open_number", show=False),
        Action("t", "take", "Take", "inbox.take", TICKETS_TAKE),
        Action("a", "assign", "Assign", "inbox.assign", TICKETS_ASSIGN),
        Action("m", "move", "Move", "inbox.move", TICKETS_CHANGE_GROUP, show=False),
        Action("s", "status", "Status", "inbox.status", TICKETS_CHANGE_STATUS),
        Action("p", "priority", "Priority", "inbox.priority", TICKETS_CHANGE_STATUS, show=False),
        Action("c", "close", "Close", "inbox.close", TICKETS_CLOSE),
        Action("l", "tag", "Tags", "inbox.tag", TICKETS_TAG, show=False),
        Action("z", "macro", "Macro", "inbox.macro", TICKETS_VIEW, show=False),
        Action("n", "new_ticket", "New ticket", "inbox.new", TICKETS_CREATE, show=False),
        Action("R", "roles", "Roles", "inbox.roles", ROLES_LIST, show=False),
        Action("A", "toggle_away", "Away/back", "inbox.away", TICKETS_REPLY, show=False),
        Action("o", "go", "Go", "inbox.go"),
        Action("v", "views", "Views", "inbox.views", TICKETS_LIST, show=False),
        Action("V", "save_view", "Save view", "inbox.save_view", TICKETS_LIST, show=False),
        *(
            Action(str(n), f"jump_view({n})", f"View {n}", f"inbox.view_{n}", TICKETS_LIST, False)
            for n in range(1, 10)
        ),
        Action("b", "notifications", "Notifications", "inbox.notifications", show=False),
        Action("ctrl+r", "reload", "Reload", "inbox.reload", show=False),
    )

    def __init__(self) -> None:
        super().__init__()
        self.query_filter = INBOX_DEFAULT
        self.group_names: dict[int | None, str] = {}
        self.source_names: dict[int, str] = {}
        self._source = GateRowSource(self.gate, self.query_filter)
        self._total = 0
        self._away = False
        self.presence = PresenceReader(
            self,
            self.app.gate_call,
            lambda: self.gate.presence.others_present(),  # its part made when first read
            _present_views,
            self._show_present,
        )

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield ViewsBar(id="views")
        yield TicketList(now=self.app.clock, id="tickets")
        yield Static("", classes="status-line", id="status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "Inbox"
        opening = self.app.opening
        tickets = self.query_one(TicketList)
        tickets.set_source(self._source, opening.first_page)
        tickets.focus()
        self.call_after_refresh(self.presence.read)
        self.call_after_refresh(self.read_views)
        # The due and age columns count from the clock: painted again, nothing read.
        self.set_interval(CHECK_SECONDS, tickets.refresh)

    # --------------------------------------------------------------- refresh

    def on_others_changed(self, message: OthersChanged) -> None:
        """Tickets, their groups or sources, or what the person may see changed: read the
        rows in view again (hidden under another screen, the inbox reads them on its return)."""
        changes = message.changes
        if changes.presence or changes.grants_may_differ:
            self.presence.read()
        concerned = changes.tickets or changes.touches("usergroup", "source")
        if self.is_current and (concerned or changes.grants_may_differ):
            self.query_one(TicketList).reload()
            self.views_changed()

    def action_reload(self) -> None:
        self.query_one(TicketList).reload()

    def on_screen_suspend(self) -> None:
        self._away = True

    def on_screen_resume(self) -> None:
        """Back from a ticket or a modal: show what changed meanwhile (not on first show)."""
        if self._away:
            self._away = False
            self.query_one(TicketList).reload()
            self.read_views()

    def _show_present(self, present: dict[int, PresenceView]) -> None:
        markers = {number: MARKERS[view.state] for number, view in present.items()}
        self.query_one(TicketList).show_present(markers)

    def on_ticket_list_counted(self, message: TicketList.Counted) -> None:
        self._total = message.total
        self._show_status()

    def on_ticket_list_marks_changed(self, _: TicketList.MarksChanged) -> None:
        self._show_status()

    def on_ticket_list_left(self, _: TicketList.Left) -> None:
        self._show_status()

    def on_resize(self) -> None:
        self._show_status()

    def _show_status(self) -> None:
        """Every active filter and the sort, wrapped to the screen's width."""
        tickets = self.query_one(TicketList)
        state = ListState(
            self._total, len(tickets.marked), tickets.left, self._source.outside_filters
        )
        items = summary_items(self.query_filter, state, self.group_names, self.source_names)
        status = self.query_one("#status", Static)
        width = max(20, self.size.width - status.styles.gutter.width)
        status.update(as_text(wrap(items, width)))

    def apply(self, query: TicketQuery) -> None:
        self.query_filter = query
        self._source = GateRowSource(self.gate, query)
        tickets = self.query_one(TicketList)
        tickets.pinned = PINNED.get(query.order, "")
        tickets.clear_marks()
        tickets.set_source(self._source)
        self.show_views()

    # --------------------------------------------------------------- filters

    def action_search(self) -> None:
        self.search_tickets()

    @work(group="inbox-filter", exit_on_error=False)
    async def search_tickets(self) -> None:
        from tui.widgets import PromptModal

        question = PromptModal(
            "Search: words, numbers, a requester; refund* for words it begins; #42 a ticket",
            self.query_filter.search,
        )
        text = await self.app.asked(question)
        if text is not None:
            self.apply(self.query_filter._replace(search=text.strip()))

    def action_filter_status(self) -> None:
        self.filter_statuses()

    @work(group="inbox-filter", exit_on_error=False)
    async def filter_statuses(self) -> None:
        from tui.widgets import ChecklistModal

        choices = [(s, s) for s in TICKET_STATUSES]
        title = "Show tickets with status (none ticked: any)"
        statuses = await self.app.asked(ChecklistModal(title, choices, self.query_filter.statuses))
        if statuses is not None:
            self.apply(self.query_filter._replace(statuses=statuses))

    def action_filter_priority(self) -> None:
        self.filter_priorities()

    @work(group="inbox-filter", exit_on_error=False)
    async def filter_priorities(self) -> None:
        from tui.widgets import ChecklistModal

        choices = [(p, p) for p in reversed(TICKET_PRIORITIES)]
        title = "Show tickets with priority (none ticked: any)"
        priorities = await self.app.asked(
            ChecklistModal(title, choices, self.query_filter.priorities)
        )
        if priorities is not None:
            self.apply(self.query_filter._replace(priorities=priorities))

    def action_order(self) -> None:
        self.choose_order()

    @work(group="inbox-filter", exit_on_error=False)
    async def choose_order(self) -> None:
        from tui.widgets import PickerModal

        order: str | None = await self.app.asked(PickerModal("Sort by", list(ORDER_LABELS.items())))
        if order:
            self.apply(self.query_filter._replace(order=order))

    def action_filter_groups(self) -> None:
        self.filter_groups()

    @work(group="inbox-filter", exit_on_error=False)
    async def filter_groups(self) -> None:
        from screens.group_filter import GroupFilterScreen

        chosen = await self.app.asked(GroupFilterScreen(self.query_filter))
        if chosen is not None:
            self.group_names = chosen
            self.apply(self.query_filter._replace(usergroups=tuple(chosen)))

    def action_filter_source(self) -> None:
        self.filter_source()

    @work(group="inbox-filter", exit_on_error=False)
    async def filter_source(self) -> None:
        from tui.widgets import PickerModal

        sources = await self.app.gate_call(self.gate.sources.list_sources)
        choices = [("", "any source")] + [(str(s.id), s.name) for s in sources]
        self.source_names = {s.id: s.name for s in sources}
        value: str | None = await self.app.asked(PickerModal("Show tickets from source", choices))
        if value is not None:
            chosen = (int(value),) if value else ()
            self.apply(self.query_filter._replace(sources=chosen))

    def action_toggle_mine(self) -> None:
        self.apply(self.query_filter._replace(mine=not self.query_filter.mine))

    def action_toggle_unassigned(self) -> None:
        self.apply(self.query_filter._replace(unassigned=not self.query_filter.unassigned))

    def action_toggle_breached(self) -> None:
        self.apply(self.query_filter._replace(breached=not self.query_filter.breached))

    def action_due_within(self) -> None:
        self.filter_due_within()

    @work(group="inbox-filter", exit_on_error=False)
    async def filter_due_within(self) -> None:
        from tui.widgets import PromptModal

        question = PromptModal("Due within, e.g. 30m, 1h or 2d (empty: any time)", "1h")
        text = await self.app.asked(question)
        if text is not None:
            try:
                within = due_within(text)
            except InvalidInput as error:
                self.notify(one_line(str(error)), severity="error")
                return
            self.apply(self.query_filter._replace(due_within=within))

    def action_clear_filters(self) -> None:
        self.group_names = {}
        self.apply(INBOX_DEFAULT)

    # ------------------------------------------------------------------ away

    def action_toggle_away(self) -> None:
        self.toggle_away()

    @work(group="inbox-away", exit_on_error=False)
    async def toggle_away(self) -> None:
        """Away (rules assign nothing to this person) or back again."""
        availability = self.gate.availability

        def flip() -> bool:
            away = not availability.is_away()
            availability.set_away(away)
            return away

        away = await self.app.gate_call(flip)
        self.notify(
            "You are away: rules assign you nothing"
            if away
            else "You are back: rules assign to you again"
        )

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

    @work(group="ticket-change", exit_on_error=False)
    async def change_tickets(self, kind: str, choose: bool = False) -> None:
        """Change the target tickets (captured once, before any picker opens): choose the
        value when `choose`, preview a change to marked tickets, confirm, apply; then mark
        the ones it skipped (not those already as asked), so they can be found and seen to,
        none after a change to one ticket."""
        from tui.ticket_changes import apply_change, choose_value, still_to_do

        numbers, versions, preview = self._targets()
        if not numbers:
            return
        value = None
        if choose:
            choice = await choose_value(self, kind, numbers)
            if choice is None:
                return
            value, kind = choice.value, choice.kind or kind
        outcome = await apply_change(self, kind, numbers, value, versions=versions, preview=preview)
        if outcome is None:
            return
        tickets = self.query_one(TicketList)
        tickets.set_marks(still_to_do(outcome) if preview else ())
        tickets.reload()

    def action_take(self) -> None:
        self.change_tickets("take")

    def action_assign(self) -> None:
        self.change_tickets("assign", choose=True)

    def action_move(self) -> None:
        self.change_tickets("move", choose=True)

    def action_status(self) -> None:
        self.change_tickets("status", choose=True)

    def action_priority(self) -> None:
        self.change_tickets("priority", choose=True)

    def action_close(self) -> None:
        self.change_tickets("close")

    def action_tag(self) -> None:
        self.change_tickets("tag", choose=True)

    @work(group="ticket-change", exit_on_error=False)
    async def action_macro(self) -> None:
        """A macro on the marked tickets, else the one under the cursor; the tickets a step
        skipped for another reason than being so already stay marked."""
        from tui.macro_apply import apply_macro, skipped_still

        numbers, _, preview = self._targets()
        if numbers and (outcome := await apply_macro(self, numbers)) is not None:
            tickets = self.query_one(TicketList)
            tickets.set_marks(skipped_still(outcome) if preview else ())
            tickets.reload()
