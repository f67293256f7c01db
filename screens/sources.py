"""Sources: add, rename, archive and restore. An archived source's tickets exist only for
people with `sources.archived`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from access.views import SourceView
from tui.listing import ListingScreen, pairs

KINDS = (
    ("email", "an e-mail account"),
    ("marketplace", "a marketplace account"),
    ("web", "a web form"),
    ("phone", "the phone"),
)


class SourcesScreen(ListingScreen):
    TITLE_TEXT = "Sources"
    COLUMNS = ("Source", "Kind", "State")
    NEEDS: ClassVar[dict[str, str]] = {
        "new": "sources.edit",
        "rename": "sources.edit",
        "archive": "sources.edit",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "New", id="sources.new"),
        Binding("R", "rename", "Rename", id="sources.rename"),
        Binding("a", "archive", "Archive/restore", id="sources.archive"),
    ]

    def fetch(self) -> list[SourceView]:
        return self.gate.list_sources()

    def cells(self, record: SourceView) -> Sequence[str]:
        return (record.name, record.kind, "archived" if record.archived else "open")

    def describe(self, record: SourceView) -> Text:
        state = (
            "archived: its tickets are seen only with sources.archived"
            if record.archived
            else "open"
        )
        return pairs([("Kind", record.kind), ("State", state)], record.name)

    def action_new(self) -> None:
        def named(name: str) -> None:
            self.pick(
                "Kind of source",
                KINDS,
                lambda kind: self.change(
                    lambda: self.gate.add_source(name, kind), f"added {name}", name
                ),
            )

        self.ask("Name of the new source", named)

    def action_rename(self) -> None:
        source = self.current
        if source is not None:
            self.ask(
                f"Rename {source.name} to",
                lambda new: self.change(
                    lambda: self.gate.rename_source(source.name, new), "renamed", new
                ),
                source.name,
            )

    def action_archive(self) -> None:
        source = self.current
        if source is None:
            return
        if source.archived:
            question = f"Restore {source.name}? Its tickets come back for everyone in scope."
        else:
            question = (
                f"Archive {source.name}? Its tickets vanish for everyone without sources.archived."
            )
        self.confirm(
            question,
            lambda: self.change(
                lambda: self.gate.set_archived(source.name, not source.archived),
                "restored" if source.archived else "archived",
                source.name,
            ),
        )
