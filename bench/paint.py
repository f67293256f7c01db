"""One cold start, in its own process: start to first painted frame, then resident memory.

`python -m bench.paint empty` starts an empty Textual app; `python -m bench.paint inbox DB USER
NOW` starts Ticketty as `ticketty` does, its clock at NOW (the demo's, in ISO form: the parent
reads it, so that the demo's module is not imported here, as `ticketty` does not), and waits for
a frame that shows its first page of tickets.
Both note the moment a frame has been written to the terminal driver, and the process's CPU
time by then with its waited-for children's (what it does after, ending, is not the start's).
Both run headless at the same size and print one JSON line. The start time is taken by the
parent just before it starts this process, so interpreter start-up and imports count for both
the same way.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import RenderableType
    from textual.app import App
    from textual.screen import Screen


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    started = float(sys.argv[-1])
    kind = sys.argv[1]
    result: dict[str, float] = {}

    def displayed(app: App[Any], showing: bool) -> None:
        """After each frame written to the (headless) driver: the first that shows what the
        app opens with ends the run."""
        if showing and "paint_s" not in result:
            result["paint_s"] = time.time() - started
            # Every thread's, from the process's start, and its children's waited for by then
            # (the start's opening reader).
            times = os.times()
            result["paint_cpu_s"] = (
                time.process_time() + times.children_user + times.children_system
            )
            result["rss_mb"] = resident_mb()
            app.exit()

    if kind == "empty":
        from textual.app import App

        class Empty(App[None]):
            def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
                super()._display(screen, renderable)
                displayed(self, renderable is not None)

        Empty().run(headless=True, size=(120, 40))
    else:
        from ticketty.main import made_app  # what the `ticketty` command has loaded by then

        # As `ticketty.main.open_app` makes the app: `launch.open_app` reads the opening in a
        # forked child while it imports Textual and the screens.
        now = datetime.fromisoformat(sys.argv[4])
        opened = made_app(sys.argv[2], sys.argv[3], clock=lambda: now, refresh_seconds=3600)
        if isinstance(opened, int):
            raise SystemExit(opened)
        app = opened.app
        drawn = app._display
        from tui.ticket_list import TicketList

        def display(screen: Screen[Any], renderable: RenderableType | None) -> None:
            drawn(screen, renderable)
            tickets = app.screen.query(TicketList)
            showing = bool(tickets) and tickets.first().pages_loaded > 0
            displayed(app, renderable is not None and showing)

        app._display = display  # type: ignore[method-assign]
        app.run(headless=True, size=(120, 40))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
