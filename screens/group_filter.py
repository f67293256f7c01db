"""The group filter: usergroups in scope with their ticket counts; pick one or several and the
inbox follows. Counts come from the same scoped query as the inbox."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, SelectionList
from textual.widgets.selection_list import Selection

from access.views import TicketQuery
from tui.modal_screen import TickettyModal
from tui.moving import MovingSelectionList
from tui.screen import Action
from wording.safe_text import as_text

NO_GROUP = -1  # SelectionList values must be hashable and not None-ambiguous


class GroupFilterScreen(TickettyModal[dict[int | None, str] | None]):
    """Returns the chosen groups ({id or None: name}); an empty dict shows every group."""

    ACTIONS: ClassVar[tuple[Action, ...]] = (
        # Priority: the list itself takes enter to tick a row, which left no key to apply.
        Action("enter,ctrl+s", "apply", "Apply", "groups.apply", priority=True),
        Action("escape", "cancel", "Cancel", "groups.cancel"),
    )

    def __init__(self, query: TicketQuery) -> None:
        super().__init__()
        self.query_filter = query
        self.names: dict[int, str] = {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label("Groups: space ticks, enter applies (none ticked = all), escape cancels")
            yield MovingSelectionList(id="group-list")

    def on_mount(self) -> None:
        self.show_counts()

    @work(group="group-counts", exit_on_error=False)
    async def show_counts(self) -> None:
        """The groups in scope, each with its count of tickets under the inbox's filters."""
        gate = self.gate
        counts = await self.app.gate_call(lambda: gate.inbox.group_counts(self.query_filter))
        chosen = set(self.query_filter.usergroups)
        options = self.query_one(SelectionList)
        for count in counts:
            value = NO_GROUP if count.usergroup_id is None else count.usergroup_id
            self.names[value] = count.name
            label = as_text(f"{count.name}  ({count.tickets})")
            options.add_option(Selection(label, value, count.usergroup_id in chosen))
        if options.option_count:
            options.highlighted = 0  # space ticks the first group at once
        options.focus()

    def action_apply(self) -> None:
        picked = self.query_one(SelectionList).selected
        self.dismiss({(None if v == NO_GROUP else v): self.names[v] for v in picked})

    def action_cancel(self) -> None:
        self.dismiss(None)
