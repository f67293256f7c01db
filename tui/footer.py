"""A footer that redraws its keys only when the keys it shows change."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """Textual's footer rebuilds all its key widgets on every bindings signal: each focus change,
    each screen-stack change, each `refresh_bindings`. Opening the inbox sends several of those
    before its first frame, and each rebuild restyles some twenty widgets (about a fifth of the
    start-up time at a million tickets, in a cProfile of `python -m bench.paint inbox`). Here a
    signal that leaves the shown keys as they were does nothing."""

    def __init__(self) -> None:
        # Compact, and no palette hint (`?` lists ctrl+p): every key counts at 80 columns.
        super().__init__(compact=True, show_command_palette=False)
        self._shown: tuple[tuple[str, str, str, bool], ...] | None = None

    def bindings_changed(self, screen: Screen) -> None:
        shown = tuple(
            (binding.key, binding.action, binding.description, enabled)
            for (_, binding, enabled, _) in screen.active_bindings.values()
            if binding.show
        )
        if shown == self._shown:
            return
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._shown = shown  # the conditions under which Footer rebuilds
        super().bindings_changed(screen)
