"""The inbox's saved views: the bar of them with their live counts (always shown, read again
as others change tickets, at most once a second, in a thread), the list of them (`v`), a jump
to one by its number (`1`-`9`), and saving the filters shown as one (`V`). The inbox screen
holds the filters shown and applies a view's query as its own."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from textual import work

from access.catalogue import TICKETS_LIST
from tui.screen import ScreenPart
from tui.views_bar import ViewsBar
from wording import units
from wording.safe_text import one_line

if TYPE_CHECKING:
    from access.list_views import TicketQuery
    from access.saved_views import ViewInfo

# The views bar counts again at most this often as others change tickets.
VIEWS_EVERY = timedelta(seconds=1)


def view_label(number: int, view: ViewInfo) -> str:
    """ "1  Urgent returns  12  (role Agent)": a view with its key and count."""
    shared = f"  ({view.shared_with})" if view.shared_with else ""
    return f"{number}  {view.name}  {units.count(view.tickets, view.at_least)}{shared}"


class InboxViews(ScreenPart):
    """The saved-view actions of the inbox (`screens.inbox`), whose table binds their keys."""

    query_filter: TicketQuery  # the filters, search and sort shown
    group_names: dict[int | None, str]  # the names of the usergroups filtered on
    views_shown: tuple[ViewInfo, ...] = ()  # as the bar shows them, with their counts

    def apply(self, query: TicketQuery) -> None:
        """Show the tickets `query` finds; the inbox does."""
        raise NotImplementedError

    views_read_at: datetime | None = None  # by the app's clock
    views_due = False  # a read waits for the end of the second since the last

    def views_changed(self) -> None:
        """Others changed tickets: the views' counts read again, at most once a second (by
        the app's clock); the changes within the second are read together at its end."""
        if self.views_due:
            return
        since = None if self.views_read_at is None else self.app.clock() - self.views_read_at
        if since is None or since >= VIEWS_EVERY:
            self.read_views()
            return
        self.views_due = True
        self.set_timer((VIEWS_EVERY - since).total_seconds(), self._read_due_views)

    def _read_due_views(self) -> None:
        self.views_due = False
        self.read_views()

    @work(group="inbox-views", exclusive=True, exit_on_error=False)
    async def read_views(self) -> None:
        """Read the views with their counts (one statement each, in a thread) and show them
        on the bar."""
        self.views_read_at = self.app.clock()
        if not self.can(TICKETS_LIST):
            self.views_shown = ()
        else:
            self.views_shown = tuple(await self.app.gate_call(self.gate.views.list_views))
        self.show_views()

    def show_views(self) -> None:
        """The bar, the view whose query is shown highlighted."""
        active = next(
            (n for n, v in enumerate(self.views_shown, 1) if v.query == self.query_filter), None
        )
        bar = self.query_one(ViewsBar)
        views = [(view.name, units.count(view.tickets, view.at_least)) for view in self.views_shown]
        bar.show(views, active, may_have_views=self.can(TICKETS_LIST))

    def action_views(self) -> None:
        self.pick_view()

    @work(group="inbox-filter", exit_on_error=False)
    async def pick_view(self) -> None:
        """The saved views with their counts now; the one picked is applied."""
        from tui.widgets import PickerModal

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
        """The view the bar shows under `number` (read now when the bar has not been yet)."""
        views = self.views_shown or tuple(await self.app.gate_call(self.gate.views.list_views))
        if number > len(views):
            self.notify(f"no view {number}: v lists the saved views", severity="warning")
            return
        await self._show_view(views[number - 1])

    async def _show_view(self, view: ViewInfo) -> None:
        if view.query.usergroups:
            groups = await self.app.gate_call(self.gate.groups.list_groups)
            self.group_names = {g.id: g.name for g in groups}
        self.apply(view.query)
        self.notify(
            one_line(f"view {view.name}: {units.count(view.tickets, view.at_least)} tickets")
        )

    def action_save_view(self) -> None:
        self.save_view()

    @work(group="inbox-filter", exit_on_error=False)
    async def save_view(self) -> None:
        """The filters, search and sort shown, saved under a name (the person's own view)."""
        from tui.widgets import PromptModal

        name = await self.app.asked(PromptModal("Save these filters as the view named"))
        if name is None or not name.strip():
            return
        query = self.query_filter
        await self.app.gate_call(lambda: self.gate.views.save_view(name.strip(), query))
        self.notify(one_line(f"saved the view {name.strip()}"))
        self.read_views()
