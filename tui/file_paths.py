"""Files named by path in the app: a prompt whose line completes the path being typed (the
rest of the name shown dim, right arrow takes it), and the file it names. Reading one within
the gate's limit is `access.file_limit.read_within`, shared with the command line."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.suggester import Suggester
from textual.widgets import Input, Label, Static

from tui.widgets import PromptModal
from wording.safe_text import as_text


class PathSuggester(Suggester):
    """Completes the last part of a path from the names in its folder (`~` is the home
    folder); a folder's name ends with `/`. Case sensitive, as file names are."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        return await asyncio.to_thread(completed_path, value)


def completed_path(value: str) -> str | None:
    """`value` with its last part completed, when one name in its folder starts with it (or
    the longest start they share); None when nothing completes it."""
    if not value:
        return None
    folder, slash, start = value.rpartition("/")
    where = Path(os.path.expanduser(folder + slash)) if slash else Path(".")
    try:
        names = sorted(n for n in os.listdir(where) if n.startswith(start))
    except OSError:
        return None
    if not start:
        names = [n for n in names if not n.startswith(".")]
    if not names:
        return None
    common = _shared_start(names[0], names[-1])  # sorted: the first and last differ most
    if len(names) == 1 and (where / common).is_dir():
        common += "/"
    return folder + slash + common if common != start else None


def _shared_start(first: str, last: str) -> str:
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]


class PathModal(PromptModal):
    """A path typed, with completion; enter hands it back, escape cancels."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label(as_text(self.title_text))
            yield Input(value=self.value, placeholder=self.placeholder, suggester=PathSuggester())
            yield Static("right arrow completes · enter takes it · escape cancels", classes="hint")


def chosen_path(typed: str, filename: str = "") -> Path:
    """The file a typed path names: `~` expanded; a folder means `filename` in it."""
    path = Path(os.path.expanduser(typed.strip()))
    return path / filename if filename and path.is_dir() else path
