"""The footer: the screen's shown keys drawn by one widget.

It looks like Textual's compact footer without the palette key (each key in the accent colour,
its description after a space, a cell between keys, a disabled key dimmed), but where that
footer mounts a widget per key and rebuilds them all on every bindings signal (each focus
change, each screen-stack change, each `refresh_bindings`), this one draws a line of text and
redraws only when the shown keys change. A click on a key presses it; the wheel scrolls keys
that do not fit."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.color import Color
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.css.styles import StylesBase
    from textual.screen import Screen


class ShownKey(NamedTuple):
    """One key as the footer shows it."""

    key: str
    display: str
    description: str
    enabled: bool


class KeyFooter(Widget, can_focus=False):
    """The current screen's shown keys, on one line at the bottom."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {
        "footer-key--item",
        "footer-key--hover",
        "footer-key--disabled",
        "footer-key--key",
        "footer-key--description",
    }
    # The rules of Textual's `Footer` and `FooterKey` (compact) for what this footer draws.
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        text-wrap: nowrap;
        .footer-key--item { background: $footer-item-background; }
        .footer-key--hover { color: $footer-key-foreground; background: $block-hover-background; }
        .footer-key--disabled { text-style: dim; }
        .footer-key--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .footer-key--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._shown: tuple[ShownKey, ...] = ()
        self._scrolled = 0  # cells scrolled off to the left
        self._hovered: int | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        shown = tuple(
            ShownKey(binding.key, self.app.get_key_display(binding), binding.description, enabled)
            for (_, binding, enabled, _) in screen.active_bindings.values()
            if binding.show
        )
        if shown != self._shown:
            self._shown = shown
            self._hovered = None
            self.refresh()

    def _spans(self) -> list[tuple[int, int]]:
        """Each shown key's first and last-but-one cell, counted from the line's start."""
        spans, at = [], 0
        for shown in self._shown:
            width = len(shown.display) + (1 + len(shown.description) if shown.description else 0)
            spans.append((at, at + width))
            at += width + 1  # the cell between keys
        return spans

    def _layered_style(self, *layers: StylesBase) -> Style:
        """The style of a part drawn over this widget: as Textual works out a node's style
        from its ancestors' (`DOMNode.rich_style`), with `layers` as the nodes below."""
        background = Color(0, 0, 0, 0)
        color = Color(255, 255, 255, 0)
        style = Style()
        opacity = 1.0
        chain = [node.styles for node in reversed(self.ancestors_with_self)] + list(layers)
        for styles in chain:
            opacity *= styles.opacity
            if styles.has_rule("background"):
                text_background = background + styles.background.tint(styles.background_tint)
                background += styles.background.tint(styles.background_tint).multiply_alpha(opacity)
            else:
                text_background = background
            if styles.has_rule("color"):
                color = styles.color
            style += styles.text_style
            if styles.has_rule("auto_color") and styles.auto_color:
                color = text_background.get_contrast_text(color.a)
        return style + Style.from_color(
            (background + color).rich_color if (background.a or color.a) else None,
            background.rich_color if background.a else None,
        )

    def render(self) -> Text:
        styles: dict[tuple[str, ...], Style] = {}

        def style_of(*parts: str) -> Style:
            if parts not in styles:
                styles[parts] = self._layered_style(*map(self.get_component_styles, parts))
            return styles[parts]

        line = Text(no_wrap=True, overflow="crop", end="")
        for index, shown in enumerate(self._shown):
            if index:
                line.append(" ", self.rich_style)
            item: tuple[str, ...] = (
                "footer-key--hover" if index == self._hovered else "footer-key--item",
            )
            if not shown.enabled:
                item += ("footer-key--disabled",)
            line.append(shown.display, style_of(*item, "footer-key--key"))
            if shown.description:
                line.append(" " + shown.description, style_of(*item, "footer-key--description"))
        return line[self._scrolled :] if self._scrolled else line

    def _key_at(self, x: int) -> int | None:
        at = x + self._scrolled
        for index, (start, end) in enumerate(self._spans()):
            if start <= at < end:
                return index
        return None

    def on_mouse_move(self, event: events.MouseMove) -> None:
        hovered = self._key_at(event.x)
        if hovered != self._hovered:
            self._hovered = hovered
            self.refresh()

    def on_leave(self) -> None:
        if self._hovered is not None:
            self._hovered = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        index = self._key_at(event.x)
        if index is None:
            return
        shown = self._shown[index]
        if shown.enabled:
            self.app.simulate_key(shown.key)
        else:
            self.app.bell()

    def _scroll_keys(self, cells: int) -> None:
        spans = self._spans()
        overflow = max(0, (spans[-1][1] if spans else 0) + 1 - self.size.width)
        scrolled = min(max(0, self._scrolled + cells), overflow)
        if scrolled != self._scrolled:
            self._scrolled = scrolled
            self.refresh()

    def _on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self._scroll_keys(4)
        event.stop()

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._scroll_keys(-4)
        event.stop()
