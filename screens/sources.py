"""Sources: add, rename, archive and restore. An archived source's tickets exist only for
people with `sources.archived`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text

from access.catalogue import SOURCES_EDIT
from access.views import SourceView
from access.vocabulary import SOURCE_KINDS_TEXT
from tui.listing import ListingScreen, pairs
from tui.screen import Action


class SourcesScreen(ListingScreen):
    TITLE_TEXT = "Sources"
    COLUMNS = ("Source", "Kind", "State")
    ACTIONS: ClassVar[tuple[Action, ...]] = (
        Action("n", "new", "New", "sources.new", SOURCES_EDIT),
        Action("R", "rename", "Rename", "sources.rename", SOURCES_EDIT),
        Action("a", "archive", "Archive/restore", "sources.archive", SOURCES_EDIT),
    )

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
                tuple(SOURCE_KINDS_TEXT.items()),
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
