"""The person's notifications, newest first: `enter` opens the ticket (and marks it read), `r`
marks the highlighted one read, `A` all of them. Only tickets the person sees now are listed
(the gate reads them through their scope). `w` follows a source or usergroup, or stops."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.widgets import DataTable

from access.notifications import NotificationView
from access.queue_follows import SOURCE
from tui.gate_funnel import GateCallFailed
from tui.listing import ListingScreen, pairs
from tui.screen import Action
from tui.widgets import PickerModal
from wording.notification_text import notification_sentence


class NotificationsScreen(ListingScreen):
    TITLE_TEXT = "Notifications"
    COLUMNS = ("", "When", "What", "Subject")
    ACTIONS: ClassVar[tuple[Action, ...]] = (
        Action("enter", "open", "Open ticket", "notifications.open"),
        Action("r", "mark_read", "Mark read", "notifications.read"),
        Action("A", "mark_all_read", "Mark all read", "notifications.read_all"),
        Action("w", "follow_queue", "Follow source/group", "notifications.follow_queue"),
    )
    WATCHES = ("ticket",)

    def key_of(self, record: NotificationView) -> str:
        return str(record.id)

    def fetch(self) -> list[NotificationView]:
        return self.gate.notifications.list_notifications()

    def cells(self, record: NotificationView) -> Sequence[str]:
        return (
            "" if record.read else "●",
            record.created_at.strftime("%m-%d %H:%M"),
            notification_sentence(record),
            record.subject,
        )

    def describe(self, record: NotificationView) -> Text:
        rows = [
            ("What", notification_sentence(record)),
            ("Ticket", f"#{record.ticket} {record.subject}"),
            ("When", record.created_at.strftime("%Y-%m-%d %H:%M UTC")),
            ("Read", "yes" if record.read else "no"),
        ]
        if record.excerpt:
            rows.append(("Says", record.excerpt))
        return pairs(rows, "Notification")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        record = self.current
        if record is not None:
            self.open_ticket(record)

    @work(group="notifications-open", exit_on_error=False)
    async def open_ticket(self, record: NotificationView) -> None:
        from screens.ticket_detail import TicketDetailScreen

        if not record.read:
            await self._mark(lambda: self.gate.notifications.mark_read([record.id]))
        self.app.push_screen(TicketDetailScreen(record.ticket))

    def action_mark_read(self) -> None:
        record = self.current
        if record is not None and not record.read:
            self.mark_one(record.id)

    @work(group="notifications-read", exit_on_error=False)
    async def mark_one(self, notification: int) -> None:
        await self._mark(lambda: self.gate.notifications.mark_read([notification]))

    def action_mark_all_read(self) -> None:
        self.mark_all()

    @work(group="notifications-read", exit_on_error=False)
    async def mark_all(self) -> None:
        await self._mark(self.gate.notifications.mark_all_read)

    def action_follow_queue(self) -> None:
        self.follow_queue()

    @work(group="notifications-follow", exit_on_error=False)
    async def follow_queue(self) -> None:
        """Pick a source or usergroup: new tickets there notify the person; picking one
        already followed stops following it."""
        notifications = self.gate.notifications
        try:
            choices = await self.app.gate_call(notifications.followable_queues)
        except GateCallFailed:
            return
        labels = [
            (
                f"{c.kind}:{c.name}",
                f"{c.kind} {c.name}" + (" (followed: stop)" if c.followed else ""),
            )
            for c in choices
        ]
        picked = await self.app.asked(PickerModal("Follow new tickets in", labels))
        if not picked:
            return
        kind, _, name = picked.partition(":")
        chosen = next(c for c in choices if (c.kind, c.name) == (kind, name))
        source, group = (name, None) if kind == SOURCE else (None, name)
        change = notifications.unfollow_queue if chosen.followed else notifications.follow_queue
        try:
            await self.app.gate_call(lambda: change(source=source, group=group))
        except GateCallFailed:
            return
        verb = "no longer following" if chosen.followed else "following new tickets in"
        self.app.notify(f"{verb} {kind} {name}")

    async def _mark(self, call: Callable[[], int]) -> None:
        """Mark read through the gate; the header's count and the list follow."""
        try:
            marked = await self.app.gate_call(call)
        except GateCallFailed:
            self.reload()
            return
        self.app.notifier.read_locally(marked)
        self.app.show_unread()
        self.reload()
