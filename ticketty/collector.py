"""Starting Ticketty without the cyclic garbage collector.

Starting imports the command line, then for the app Textual, the screens and the database
driver, and reads the first page: tens of thousands of objects that live as long as the process,
and next to no garbage (about a hundred unreachable objects by the first frame). The collector
would walk all of them again and again meanwhile (bench/NOTES.md has what that cost). So it rests
while they are made; they are then moved out of its sight for good (`gc.freeze`), and no later
collection in the session walks them again. Reference counting still frees any of them that is
dropped; only a cycle among them would stay.

The app's start rests until the app has drawn its first frame (`rest`, `wake`): composing and
styling the inbox's widgets and drawing its rows make objects of the same kind.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_was_enabled: list[bool] = []  # while resting (`rest`): whether the collector ran before it


def rest() -> None:
    """Stop the collector until `wake`: for a start that ends with the app's first frame, after
    `ticketty.launch.open_app` has returned, so that frame's widgets are made without it too."""
    if not _was_enabled:
        _was_enabled.append(gc.isenabled())
        gc.disable()


def wake(freeze: bool = True) -> None:
    """End a `rest` (any later call does nothing): freeze what was made unless told not to (a
    start that failed), and collect as before."""
    if _was_enabled:
        was_enabled = _was_enabled.pop()
        if freeze:
            gc.freeze()
        if was_enabled:
            gc.enable()


@contextmanager
def resting() -> Iterator[None]:
    """No collection inside; on leaving, freeze what was made and collect as before.

    On an exception nothing is frozen: the caller is not about to run a long session."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    except BaseException:
        if was_enabled:
            gc.enable()
        raise
    gc.freeze()
    if was_enabled:
        gc.enable()
