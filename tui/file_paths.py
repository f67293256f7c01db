"""Files named by path in the app: a prompt whose line completes the path being typed (the
rest of the name shown dim, right arrow takes it), and reading or writing a file off the event
loop with one clear line when it cannot be done."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.suggester import Suggester
from textual.widgets import Input, Label, Static

from access.errors import InvalidInput
from access.file_limit import refuse_over_limit
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


class FileRefused(InvalidInput):
    """A file that cannot be attached or written, with why in one line."""


def read_within(path: Path, limit: int) -> bytes:
    """The bytes of the file at `path` when it is a readable file of at most `limit` bytes
    (the gate's, `gate.file_limit`: a larger one is not read at all); else `FileRefused`
    saying why, or the gate's own `FileTooLarge`. Blocking: run it in a thread."""
    try:
        if path.is_dir():
            raise FileRefused(f"{path} is a folder; name a file")
        refuse_over_limit(path.name, path.stat().st_size, limit)
        return path.read_bytes()
    except OSError as exc:
        raise FileRefused(f"cannot read {path}: {file_problem(exc)}") from exc


def file_problem(exc: OSError) -> str:
    """What went wrong with a file, in one line without the traceback."""
    return exc.strerror or type(exc).__name__
