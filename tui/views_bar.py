"""The inbox's views bar, always shown: the person's saved views on one line, each with the key
that jumps to it and its live count ("1 Refunds 4,779 │ 2 Returns waiting 6,592"), the view
shown highlighted. Names are cut to fit the width ("Returns wa…"); views that still do not fit
are counted at the end ("+2")."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widget import Widget

from wording.safe_text import one_line

SEPARATOR = " │ "
SHORTEST_NAME = 6  # names are not cut shorter than this; views are left out instead
JUMP_KEYS = 9  # `1`…`9`
NO_VIEWS = "No saved views: V saves the filters shown as one"


class BarView:
    """One view on the bar: its jump key, name and count."""

    __slots__ = ("count", "key", "name")

    def __init__(self, key: int, name: str, count: str) -> None:
        self.key, self.name, self.count = key, one_line(name), count

    def width(self, name_width: int) -> int:
        return len(self.label(name_width))

    def label(self, name_width: int) -> str:
        name = self.name
        if len(name) > name_width:
            name = name[: max(1, name_width - 1)] + "…"
        return f"{self.key} {name} {self.count}"


def bar_text(views: Sequence[tuple[str, str]], width: int, active: int | None) -> Text:
    """The bar for `views` (name, count as said: `4,779`, `5,000+`) in `width` cells, view
    number `active` highlighted."""
    if not views:
        return Text(NO_VIEWS[:width], style="dim")
    items = [BarView(n, name, count) for n, (name, count) in enumerate(views[:JUMP_KEYS], 1)]
    left_out = len(views) - len(items)
    while items:
        more = f"{SEPARATOR}+{left_out}" if left_out else ""
        room = width - len(more) - len(SEPARATOR) * (len(items) - 1)
        name_width = _name_width(items, room)
        if name_width is not None:
            return _joined(items, name_width, more, active)
        items.pop()
        left_out += 1
    return Text(f"+{left_out}"[:width], style="dim")


def _name_width(items: list[BarView], room: int) -> int | None:
    """The longest name width at which every item fits `room`, None when none from
    `SHORTEST_NAME` up does."""
    longest = max(len(item.name) for item in items)
    for name_width in range(longest, SHORTEST_NAME - 1, -1):
        if sum(item.width(name_width) for item in items) <= room:
            return name_width
    return None


def _joined(items: list[BarView], name_width: int, more: str, active: int | None) -> Text:
    text = Text()
    for index, item in enumerate(items):
        if index:
            text.append(SEPARATOR, style="dim")
        style = "reverse bold" if item.key == active else ""
        text.append(item.label(name_width), style=style)
    text.append(more, style="dim")
    return text


class ViewsBar(Widget):
    """The bar itself; the inbox hands it the views read through the gate."""

    DEFAULT_CSS = """
    ViewsBar { height: 1; padding: 0 1; background: $panel; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.views: list[tuple[str, str]] = []
        self.active: int | None = None
        # Nothing is said before the views were read, nor to whom may have none.
        self.may_have_views = False

    def show(
        self, views: Sequence[tuple[str, str]], active: int | None, *, may_have_views: bool
    ) -> None:
        self.views, self.active, self.may_have_views = list(views), active, may_have_views
        self.refresh()

    def render(self) -> Text:
        if not self.may_have_views:
            return Text("")
        return bar_text(self.views, max(1, self.content_size.width), self.active)
