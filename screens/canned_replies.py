"""Canned replies: listed by name with where they are offered and their first line, filtered
by typing (`/`); created, edited (name, body, sources, usergroups), copied and deleted with
`replies.edit`. A person who holds `replies.edit` sees those they may edit (a scoped editor:
those of their sources and usergroups); one who only lists them sees them all. A body naming a
variable that does not exist is refused in one line, and the editor opens again on what was
typed. The macros screen (`screens.macros`) shares the flows (`OfferedListing`)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any, ClassVar, Protocol

from rich.text import Text
from textual import work

from access import NoChange
from access.canned_text import STANDARD
from access.catalogue import REPLIES_EDIT, PermissionKey
from access.replies import CannedReplyView
from tui.filtered_listing import FilteredListing
from tui.listing import pairs
from tui.record_editor import RecordEditor, names_of, names_text
from tui.screen import Action
from tui.widgets import Field
from wording.safe_text import as_text, one_line

# The body's hint: the variables every ticket has (a usergroup's fields too, by name).
REPLY_VARIABLES = " ".join(f"{{{{{name}}}}}" for name in STANDARD)


class Offered(Protocol):
    """A canned reply or a macro as listed."""

    @property
    def name(self) -> str: ...
    @property
    def sources(self) -> tuple[str, ...]: ...
    @property
    def usergroups(self) -> tuple[str, ...]: ...
    @property
    def version(self) -> int: ...


class OfferedListing(FilteredListing):
    """The flows of canned replies and macros: new, edit, copy, delete. Subclasses name the
    record (`NOUN`), the permission to edit, its text of several lines, and the gate calls."""

    NOUN = ""
    EDIT: ClassVar[PermissionKey]
    TEXT_LABEL = ""
    TEXT_HINT = ""

    def fetch(self) -> list[Any]:
        return self.read_all(editable=self.can(self.EDIT))

    def read_all(self, *, editable: bool) -> list[Any]:
        raise NotImplementedError

    def text_of(self, record: Any) -> str:
        raise NotImplementedError

    def gate_add(self, values: dict[str, str]) -> object:
        raise NotImplementedError

    def gate_change(self, record: Any, values: dict[str, str]) -> object:
        raise NotImplementedError

    def gate_copy(self, record: Any, new_name: str) -> object:
        raise NotImplementedError

    def gate_remove(self, record: Any) -> object:
        raise NotImplementedError

    def cells(self, record: Offered) -> Sequence[str]:
        return (record.name, offered_text(record), first_line(self.text_of(record))[:40])

    def describe(self, record: Offered) -> Text:
        text = pairs(
            [
                ("Sources", names_text(record.sources) or "every source"),
                ("Groups", names_text(record.usergroups) or "every usergroup"),
                ("Version", str(record.version)),
            ],
            record.name,
        )
        text.append(f"\n{self.TEXT_LABEL}\n", style="bold")
        text.append_text(as_text(self.text_of(record)))
        return text

    # ------------------------------------------------------------- flows

    def action_new(self) -> None:
        self.edit_flow(f"New {self.NOUN}", None)

    def action_edit(self) -> None:
        if self.current is not None:
            self.edit_flow(f"Edit {self.NOUN} {self.current.name}", self.current)

    @work(group="offered-change", exit_on_error=False)
    async def edit_flow(self, title: str, record: Offered | None) -> None:
        """The editor, then the gate; refused, the editor again on what was typed, with why."""
        values = {
            "name": record.name if record else "",
            "sources": names_text(record.sources) if record else "",
            "groups": names_text(record.usergroups) if record else "",
            "text": self.text_of(record) if record else "",
        }
        saved, refusal = values, ""
        while True:
            editor = RecordEditor(
                title,
                self.editor_fields(values),
                self.text_field(values),
                self.TEXT_HINT,
                refusal,
                saved,
            )
            typed = await self.app.asked(editor)
            if typed is None:
                return
            save = (
                partial(self.gate_add, typed)
                if record is None
                else partial(self.gate_change, record, typed)
            )
            refused = await self.refusal(save)
            if refused is None or isinstance(refused, NoChange):
                if refused is None:
                    self.notify(one_line(f"saved {self.NOUN} {typed['name']}"))
                self.reload(typed["name"])
                return
            # Said in the editor, above the text, and not over it as well: its first clause
            # (what follows, the known variables or kinds of step, is in the editor's hint).
            self.app.call_later(self.app.clear_notifications)  # once the toast is posted
            values, refusal = typed, str(refused).split("; ", 1)[0]

    def editor_fields(self, values: dict[str, str]) -> list[Field]:
        return [
            Field("name", "Name", values["name"]),
            Field("sources", "Sources", values["sources"], "every source (or: A, B)"),
            Field("groups", "Usergroups", values["groups"], "every usergroup (or: A, B)"),
        ]

    def text_field(self, values: dict[str, str]) -> Field:
        return Field("text", self.TEXT_LABEL, values["text"])

    def action_copy(self) -> None:
        if self.current is not None:
            self.copy_flow(self.current)

    @work(group="offered-change", exit_on_error=False)
    async def copy_flow(self, record: Offered) -> None:
        new_name = await self.asked_text(f"Copy {record.name} as", f"{record.name} (copy)")
        if new_name is not None:
            await self.changed(
                lambda: self.gate_copy(record, new_name), f"copied as {new_name}", new_name
            )

    def action_delete(self) -> None:
        if self.current is not None:
            self.delete_flow(self.current)

    @work(group="offered-change", exit_on_error=False)
    async def delete_flow(self, record: Offered) -> None:
        if await self.asked_yes(f"Delete {self.NOUN} {record.name}? It cannot be undone."):
            await self.changed(lambda: self.gate_remove(record), f"deleted {record.name}")


class CannedRepliesScreen(OfferedListing):
    TITLE_TEXT = "Canned replies"
    COLUMNS = ("Reply", "Offered in", "First line")
    WATCHES = ("canned",)
    NOUN = "canned reply"
    EDIT = REPLIES_EDIT
    TEXT_LABEL = "Body"
    TEXT_HINT = REPLY_VARIABLES
    ACTIONS: ClassVar[tuple[Action, ...]] = (
        *FilteredListing.ACTIONS,
        Action("n", "new", "New", "replies.new", REPLIES_EDIT),
        Action("e", "edit", "Edit", "replies.edit", REPLIES_EDIT),
        Action("c", "copy", "Copy", "replies.copy", REPLIES_EDIT),
        Action("d", "delete", "Delete", "replies.delete", REPLIES_EDIT),
    )

    def read_all(self, *, editable: bool) -> list[CannedReplyView]:
        return self.gate.replies.list_replies(editable=editable)

    def text_of(self, record: CannedReplyView) -> str:
        return record.body

    def matched_text(self, record: CannedReplyView) -> str:
        return f"{record.name}\n{record.body}".casefold()

    def gate_add(self, values: dict[str, str]) -> object:
        return self.gate.replies.add_reply(
            values["name"],
            values["text"],
            sources=names_of(values["sources"]),
            usergroups=names_of(values["groups"]),
        )

    def gate_change(self, record: CannedReplyView, values: dict[str, str]) -> object:
        return self.gate.replies.change_reply(
            record.name,
            new_name=values["name"] if values["name"] != record.name else None,
            body=values["text"],
            sources=names_of(values["sources"]),
            usergroups=names_of(values["groups"]),
            expected_version=record.version,
        )

    def gate_copy(self, record: CannedReplyView, new_name: str) -> object:
        return self.gate.replies.copy_reply(record.name, new_name)

    def gate_remove(self, record: CannedReplyView) -> object:
        self.gate.replies.remove_reply(record.name, expected_version=record.version)
        return None


def first_line(text: str) -> str:
    """The line that tells a text from others: its first, or its second when the first is a
    greeting ("Hello {{requester.first_name}},")."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].endswith(","):
        return lines[1]
    return lines[0] if lines else ""


def offered_text(record: Offered) -> str:
    """Where it is offered, short: its sources and usergroups, or everywhere."""
    places = [*record.sources, *record.usergroups]
    return ", ".join(places) if places else "everywhere"
