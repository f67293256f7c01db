"""Keeping what a person writes: the session's texts per (ticket, kind), saved to the database
as they are typed (a second after the last key), so that a quit, a crash or a dropped
connection loses nothing (`access.drafts`).

Saves run in thread workers, one at a time per session (`lock`), each writing the newest text
of its draft when it runs: a burst of keys is one save, and an older text never lands after a
newer one. A send holds the same lock, so a save cannot bring back a draft that was just sent
(the gate deletes it in the send's own transaction).

A reply's attached files are kept with its draft as they are attached (their bytes, through the
gate, before the composer shows them) and offered back with its text.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.timer import Timer

from access.vocabulary import NOTE, REPLY
from wording.safe_text import one_line

if TYPE_CHECKING:
    from access import Gate
    from access.drafts import DraftView, KeptFile
    from access.views import NewFile, Posted

# Seconds after the last key before the text is saved.
SAVE_AFTER = 1.0

DraftKey = tuple[int, str]  # (ticket number, "reply" or "note")


class DraftKeeper:
    """One session's drafts. `texts` is what the session holds, the newest of each draft."""

    def __init__(
        self, app: App[Any], gate: Gate, run: Callable[[Callable[[], None]], object]
    ) -> None:
        """`run` fires a gate write in a worker (the app's `background_call`), telling the
        person if it fails."""
        self.app = app
        self.gate = gate
        self._run = run
        self.texts: dict[DraftKey, str] = {}
        self.files: dict[DraftKey, list[KeptFile]] = {}  # a reply's, in the order attached
        self.lock = threading.Lock()
        self._timers: dict[DraftKey, Timer] = {}

    def typed(self, key: DraftKey, text: str) -> None:
        """A key was pressed in the composer: save once typing pauses."""
        self.texts[key] = text
        self._cancel(key)
        self._timers[key] = self.app.set_timer(SAVE_AFTER, lambda: self._save(key))

    def closed(self, key: DraftKey, text: str) -> None:
        """The composer closed without sending: keep `text` now (an empty text discards the
        draft: the person removed it on purpose)."""
        if not text.strip() and not self.files.get(key):
            self.discard(key)
            return
        self.texts[key] = text
        self._cancel(key)
        self._save(key)

    def discard(self, key: DraftKey) -> None:
        """Forget the draft here and in the database."""
        self.texts.pop(key, None)
        self.files.pop(key, None)
        self._cancel(key)
        number, kind = key

        def discard() -> None:
            with self.lock:
                self.gate.drafts.discard_draft(number, kind)

        self._run(discard)

    def restore(self, drafts: dict[str, DraftView], number: int) -> list[DraftView]:
        """Drafts read from the database for ticket `number`: taken where the session holds no
        text of its own (its own is newer); those now held, to offer to the person."""
        for kind, draft in drafts.items():
            self.texts.setdefault((number, kind), draft.body)
            if draft.files and not self.files.get((number, kind)):
                self.files[(number, kind)] = list(draft.files)
        return [d for kind, d in drafts.items() if (number, kind) in self.texts]

    def send(self, key: DraftKey, write: Callable[[], Posted]) -> Posted:
        """In a thread: run `write` (the gate's reply or note) with no save in between; the
        draft is gone once it succeeds (it raises otherwise, and the text stays)."""
        with self.lock:
            posted = write()
            self.texts.pop(key, None)
            self.files.pop(key, None)
            return posted

    def attach(self, key: DraftKey, file: NewFile) -> None:
        """In a thread: keep `file` with the reply draft `key` (it raises when the gate
        refuses, and the file is not attached)."""
        with self.lock:
            kept = self.gate.drafts.attach_to_draft(key[0], *file)
            self.files.setdefault(key, []).append(kept)

    def detach_last(self, key: DraftKey) -> None:
        """The file attached last is taken off the draft `key`."""
        held = self.files.get(key)
        if not held:
            return
        file_id = held.pop().id

        def detach() -> None:
            with self.lock:
                self.gate.drafts.detach_from_draft(key[0], file_id)

        self._run(detach)

    def files_of(self, key: DraftKey) -> list[NewFile]:
        """The files the draft `key` holds, as the reply sends them."""
        from access.views import NewFile  # a ticket's files, not the start's

        return [NewFile(f.filename, f.content_type, f.data) for f in self.files.get(key, [])]

    def _cancel(self, key: DraftKey) -> None:
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.stop()

    def _save(self, key: DraftKey) -> None:
        self._timers.pop(key, None)
        self._run(lambda: self._write(key))

    def _write(self, key: DraftKey) -> None:
        with self.lock:
            text = self.texts.get(key)
            if text is not None:
                self.gate.drafts.save_draft(key[0], key[1], text)


def drafts_line(drafts: list[DraftView]) -> str:
    """What the ticket screen says of drafts kept: `reply draft of 14:02 kept, r to continue`."""
    keys = {REPLY: "r", NOTE: "N"}
    return " · ".join(
        f"{d.kind} draft of {d.saved_at:%H:%M}{_with_files(d)} kept, {keys[d.kind]} to continue"
        for d in drafts
    )


def _with_files(draft: DraftView) -> str:
    count = len(draft.files)
    return f" with {count} file{'s' if count != 1 else ''}" if count else ""


def quit_question(drafts: list[DraftView]) -> str:
    """What quitting with drafts kept asks: they stay in the database for next time."""
    named = ", ".join(f"#{d.ticket} {d.kind}" for d in drafts[:5])
    more = f" and {len(drafts) - 5} more" if len(drafts) > 5 else ""
    count = f"{len(drafts)} draft{'s' if len(drafts) != 1 else ''}"
    return one_line(f"You have {count} not sent ({named}{more}), kept for next time. Quit?")
