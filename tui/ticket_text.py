"""The ticket screen's text: the conversation view, a message as it shows there, the fields
above it, and what changed between two reads."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.containers import VerticalScroll
from textual.events import Resize
from textual.widget import Widget
from textual.widgets import Static

from access.business_time import Calendar
from access.views import MessageView, TicketDetail
from access.vocabulary import FAILED, MESSAGE_LABELS
from wording.follow_up_text import follow_up_fields
from wording.link_text import copies_fields, link_fields
from wording.mail_text import attachment_text, delivery_text
from wording.safe_text import as_text, one_line
from wording.sla_text import due_fields


class Conversation(VerticalScroll, inherit_bindings=False):
    """The messages, scrolled by the screen's keys (j/k, g/G, pgup/pgdn and the arrows), which
    carry ids and so show in `?` and follow a keymap; a scroll view's own would hide them.

    At its end it stays there when its height changes (a line about drafts or presence comes
    or goes above it), so that it still follows the next new message."""

    at_end = True

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self.at_end = new_value >= self.max_scroll_y

    def on_resize(self, _event: Resize) -> None:
        if self.at_end:
            self.scroll_end(animate=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shown: dict[int, tuple[MessageView, Static]] = {}  # by message id, in order

    def show(self, messages: tuple[MessageView, ...]) -> None:
        """Mount the messages not shown yet, in their place, redraw those that changed (a
        delivery), remove those no longer readable, and leave the rest alone: a change to a
        ticket with a long conversation does not mount it all again."""
        view = self
        # At its end (as when first read), the view follows new messages; scrolled up, it stays.
        following = view.at_end or view.scroll_y >= view.max_scroll_y
        readable = {message.id for message in messages}
        for gone in [number for number in self.shown if number not in readable]:
            self.shown.pop(gone)[1].remove()
        anchor: Widget | None = None  # the message the next new ones follow; None: the first
        new: list[Static] = []
        for message in messages:
            if message.id not in self.shown:
                widget = Static(message_text(message), classes=f"message message-{message.kind}")
                self.shown[message.id] = (message, widget)
                new.append(widget)
                continue
            if new:
                self.mount_after(new, anchor)
                new = []
            seen, widget = self.shown[message.id]
            if seen != message:
                widget.update(message_text(message))
                self.shown[message.id] = (message, widget)
            anchor = widget
        if new:
            self.mount_after(new, anchor)
        if following:
            view.scroll_end(animate=False)  # once the new messages are laid out

    def mount_after(self, widgets: list[Static], anchor: Widget | None) -> None:
        conversation = self
        if anchor is not None:
            conversation.mount_all(widgets, after=anchor)
        elif conversation.children:
            conversation.mount_all(widgets, before=conversation.children[0])
        else:
            conversation.mount_all(widgets)


def fields_text(
    detail: TicketDetail, now: datetime | None = None, calendar: Calendar | None = None
) -> Text:
    """The fields in a few lines, label and value pairs run together (the subject is the
    title): at 80x24 the conversation keeps most of the screen. Given `now`, the running
    service-level targets and the time left to each."""
    row = detail.row
    contact = " ".join(x for x in (detail.requester_email, detail.requester_phone) if x)
    lines = [
        [
            ("Status", row.status),
            ("Priority", row.priority),
            ("Group", row.usergroup or "-"),
            ("Source", row.source),
        ],
        [("Requester", f"{detail.requester_name} ({row.requester}) {contact}".strip())],
        *([copies_fields(detail.copies)] if detail.copies else []),
        [
            ("Assignee", row.assignee or "-"),
            ("Created", f"{row.created_at:%Y-%m-%d %H:%M}"),
            ("Changed", f"{row.updated_at:%Y-%m-%d %H:%M}"),
        ],
    ]
    notes = due_fields(row, now, calendar) if now is not None else []
    if row.private:
        notes.append(("Private", "the group's other members do not see it"))
    if row.as_supervisor:
        notes.append(("Seen as", "supervisor of the group"))
    if row.as_assignee:
        notes.append(("Seen as", "its assignee only; your roles do not reach it (a: hand back)"))
    if row.tags:
        notes.append(("Tags", " ".join(row.tags)))
    notes += [(f.name, f.value) for f in detail.ticket_fields if f.value]
    notes += follow_up_fields(detail.links)
    notes += link_fields(detail.related)
    notes += [(f.name, f.value) for f in detail.group_fields if f.value]
    if notes:
        lines.append(notes)
    text = Text()
    for number, line in enumerate(lines):
        if number:
            text.append("\n")
        for index, (name, value) in enumerate(line):
            if index:
                text.append("  ")
            text.append(f"{one_line(name)} ", style="bold")
            text.append_text(as_text(one_line(value)))
    return text


def message_text(message: MessageView) -> Text:
    """A message as the conversation shows it: who and when, the text, attachments, delivery."""
    title = Text(f"{MESSAGE_LABELS[message.kind]}  ", style="bold")
    title.append_text(as_text(f"{message.author_name} ({message.author})"))
    title.append(f"  {message.created_at:%Y-%m-%d %H:%M}", style="dim")
    lines = [title, as_text(message.body)]
    lines += [Text(attachment_text(a), style="cyan") for a in message.attachments]
    if message.delivery:
        text = delivery_text(message.delivery, message.delivery_error)
        lines.append(Text(f"[{text}]", style="red" if message.delivery == FAILED else "dim"))
    return Text("\n").join(lines)


def what_changed(before: TicketDetail, after: TicketDetail) -> str:
    """What differs between two reads of a ticket, in one line ("" when nothing shown did)."""
    old, new = before.row, after.row
    parts = [
        f"{name} {a or '-'} → {b or '-'}"
        for name, a, b in (
            ("assignee", old.assignee, new.assignee),
            ("status", old.status, new.status),
            ("priority", old.priority, new.priority),
            ("group", old.usergroup, new.usergroup),
            ("subject", old.subject, new.subject),
            ("tags", " ".join(old.tags), " ".join(new.tags)),
        )
        if a != b
    ]
    known = {m.id for m in before.messages}
    fresh = [m for m in after.messages if m.id not in known]
    if fresh:
        who = ", ".join(sorted({f"{m.kind} by {m.author}" for m in fresh}))
        parts.append(f"{len(fresh)} new message{'s' if len(fresh) > 1 else ''} ({who})")
    if before.ticket_fields != after.ticket_fields:
        parts.append("the ticket's fields")
    if before.group_fields != after.group_fields:
        parts.append("the group's fields")
    return " · ".join(parts)
