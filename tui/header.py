"""The line at the top of a screen: the command palette's icon, the title and sub-title in the
middle, the clock's empty place on the right. It draws the cells Textual's `Header` draws, as one
widget: the `Header` is four (its icon, title and clock space each styled and drawn apart), which
the inbox's first frame waited for (bench/NOTES.md)."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.content import Content
from textual.events import Click, Mount
from textual.strip import Strip
from textual.visual import Visual
from textual.widget import Widget

ICON = "⭘"
# The cells of the icon (a space before it) and of the clock's place, as Textual's `Header`.
ICON_CELLS, CLOCK_CELLS = 8, 10


class TitleBar(Widget):
    """A click on the icon opens the command palette; elsewhere, makes the bar three lines tall
    or one again, as Textual's `Header`."""

    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        width: 100%;
        background: $panel;
        color: $foreground;
        height: 1;
    }
    TitleBar.-tall {
        height: 3;
    }
    """

    def _on_mount(self, _: Mount) -> None:
        self.watch(self.app, "title", self._retitled, init=False)
        self.watch(self.app, "sub_title", self._retitled, init=False)
        self.watch(self.screen, "title", self._retitled, init=False)
        self.watch(self.screen, "sub_title", self._retitled, init=False)

    def _retitled(self) -> None:
        self.refresh()

    async def _on_click(self, event: Click) -> None:
        event.stop()
        if event.x < ICON_CELLS and self.app.ENABLE_COMMAND_PALETTE:
            await self.run_action("app.command_palette")
        else:
            self.toggle_class("-tall")

    def render_line(self, y: int) -> Strip:
        """The middle line holds the icon, the title and the clock's place, cut in the
        segments and styles Textual's `Header` draws them in (so a picture of the screen is
        the same); the padding of the icon and the clock's place show the background only."""
        width = self.size.width
        background = Style(bgcolor=self.background_colors[1].rich_color)
        if y != self.size.height // 2:
            return Strip.blank(width, background)
        # As Textual draws a widget's content and the room it aligns it in: the content's first
        # cell carries its offset for the mouse, the room is not reversed.
        text = self.visual_style.rich_style
        content, room = text + Style.from_meta({"offset": (0, 0)}), text + Style(reverse=False)
        middle = max(0, width - ICON_CELLS - CLOCK_CELLS)
        title = self._title().rstrip().truncate(middle, ellipsis=True)
        left = (middle - title.cell_length) // 2
        right = middle - title.cell_length - left
        drawn = [
            Segment(" ", background),
            Segment(ICON, content),
            Segment(" " * (ICON_CELLS - 3), room),
            Segment(" ", background),
            *([Segment(" " * left, room)] if left else []),
            *self._segments(title),
            *([Segment(" " * right, room)] if right else []),
            Segment(" ", background),
            Segment("", content),  # the clock's place: an empty content, then its room
            Segment(" " * (CLOCK_CELLS - 2), background),
            Segment(" ", background),
        ]
        return Strip(drawn).crop_extend(0, width, background)

    def _segments(self, title: Content) -> list[Segment]:
        if not title.cell_length:
            return []
        (strip,) = Visual.to_strips(self, title, title.cell_length, 1, self.visual_style)
        return list(strip)

    def _title(self) -> Content:
        screen, app = self.screen, self.app
        title = screen.title if screen.title is not None else app.title
        sub_title = screen.sub_title if screen.sub_title is not None else app.sub_title
        return app.format_title(title, sub_title)
