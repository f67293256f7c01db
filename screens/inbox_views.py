"""The inbox's saved views: the list of them with their counts (`v`), a jump to one by its
number (`1`-`9`), and saving the filters shown as one (`V`). The inbox screen holds the filters
shown and applies a view's query as its own."""

from __future__ import annotations

from textual import work

from access.saved_views import ViewInfo
from access.views import TicketQuery
from tui.screen import TickettyScreen
from tui.widgets import PickerModal, PromptModal
from wording.safe_text import one_line


def view_label(number: int, view: ViewInfo) -> str:
    """ "1  Urgent returns  12  (role Agent)": a view with its key and count."""
    shared = f"  ({view.shared_with})" if view.shared_with else ""
    return f"{number}  {view.name}  {view.tickets:,}{shared}"


class InboxViews(TickettyScreen[None]):
    """The saved-view actions of the inbox (`screens.inbox`), whose table binds their keys."""

    query_filter: TicketQuery  # the filters, search and sort shown
    group_names: dict[int | None, str]  # the names of the usergroups filtered on

    def apply(self, query: TicketQuery) -> None:
        """Show the tickets `query` finds; the inbox does."""
        raise NotImplementedError

    def action_views(self) -> None:
        self.pick_view()

    @work(group="inbox-filter", exit_on_error=False)
    async def pick_view(self) -> None:
        """The saved views with their counts now; the one picked is applied."""
        views = await self.app.gate_call(self.gate.views.list_views)
        if not views:
            self.notify("no saved views yet: V saves the filters shown as one")
            return
        choices = [(str(n), view_label(n, view)) for n, view in enumerate(views, start=1)]
        picked: str | None = await self.app.asked(PickerModal("Views (1-9 jump)", choices))
        if picked is not None:
            await self._show_view(views[int(picked) - 1])

    def action_jump_view(self, number: int) -> None:
        self.jump_to_view(number)

    @work(group="inbox-filter", exit_on_error=False)
    async def jump_to_view(self, number: int) -> None:
        views = await self.app.gate_call(self.gate.views.list_views)
        if number > len(views):
            self.notify(f"no view {number}: v lists the saved views", severity="warning")
            return
        await self._show_view(views[number - 1])

    async def _show_view(self, view: ViewInfo) -> None:
        if view.query.usergroups:
            groups = await self.app.gate_call(self.gate.groups.list_groups)
            self.group_names = {g.id: g.name for g in groups}
        self.apply(view.query)
        self.notify(one_line(f"view {view.name}: {view.tickets:,} tickets"))

    def action_save_view(self) -> None:
        self.save_view()

    @work(group="inbox-filter", exit_on_error=False)
    async def save_view(self) -> None:
        """The filters, search and sort shown, saved under a name (the person's own view)."""
        name = await self.app.asked(PromptModal("Save these filters as the view named"))
        if name is None or not name.strip():
            return
        query = self.query_filter
        await self.app.gate_call(lambda: self.gate.views.save_view(name.strip(), query))
        self.notify(one_line(f"saved the view {name.strip()}"))
