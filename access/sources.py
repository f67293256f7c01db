"""Sources through the gate: where tickets come from, and archiving them."""

from __future__ import annotations

from access.errors import InvalidInput, NoChange
from access.gate import GateBase
from access.lookup import require_free_name, source_named
from access.validation import checked_name
from access.versions import bump
from access.views import SourceView
from store.models import SOURCE_KINDS, Source


class SourceAdmin(GateBase):
    def list_sources(self) -> list[SourceView]:
        self.require("sources.list")
        return [
            SourceView(s.id, s.name, s.kind, s.archived, s.version)
            for s in Source.select().order_by(Source.name)
        ]

    def add_source(self, name: str, kind: str = "email") -> None:
        self.require("sources.edit")
        name = checked_name(name, "source name")
        if kind not in SOURCE_KINDS:
            raise InvalidInput(f"unknown source kind {kind!r}; one of {', '.join(SOURCE_KINDS)}")
        with self.writing():
            require_free_name(Source.name, name, "source")
            source = Source.create(name=name, kind=kind)
            self.record("source.add", "source", source.id, after={"name": name, "kind": kind})

    def rename_source(
        self, name: str, new_name: str, *, expected_version: int | None = None
    ) -> None:
        self.require("sources.edit")
        new_name = checked_name(new_name, "source name")
        with self.writing():
            source = source_named(name)
            if new_name == name:
                raise NoChange(f"source {name} is already so named; nothing changed")
            require_free_name(Source.name, new_name, "source")
            bump(source, expected_version, f"source {name}")
            Source.update(name=new_name).where(Source.id == source.id).execute()
            self.record("source.rename", "source", source.id, before=name, after=new_name)

    def set_archived(
        self, name: str, archived: bool, *, expected_version: int | None = None
    ) -> None:
        self.require("sources.edit")
        with self.writing():
            source = source_named(name)
            if source.archived == archived:
                state = "archived" if archived else "open"
                raise NoChange(f"source {name} is already {state}; nothing changed")
            bump(source, expected_version, f"source {name}")
            Source.update(archived=archived).where(Source.id == source.id).execute()
            self.record(
                "source.archive" if archived else "source.restore",
                "source",
                source.id,
                before={"archived": source.archived},
                after={"archived": archived},
            )
