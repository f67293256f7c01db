"""One way of moving in every list and tree of the app: `j`/`k` (and the arrows) a row, `g`/`G`
(and `home`/`end`) the first and the last, `pgup`/`pgdn` a page. Every list widget the screens
show is one of these, so the keys hold wherever a list has focus; a screen that gave one of
these keys another meaning would shadow them, which `tests/tui/test_moving.py` refuses.

The bindings carry ids (`move.down`, ...), so the help lists them and a keymap can change them
once for every list. The inbox's own list (`tui.ticket_list`) binds the same keys."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable, OptionList, SelectionList, Tree

MOVE_BINDINGS: list[BindingType] = [
    Binding("j,down", "cursor_down", "Down", show=False, id="move.down"),
    Binding("k,up", "cursor_up", "Up", show=False, id="move.up"),
    Binding("g,home", "first", "First", show=False, id="move.first"),
    Binding("G,end", "last", "Last", show=False, id="move.last"),
    Binding("pagedown", "page_down", "Page down", show=False, id="move.page_down"),
    Binding("pageup", "page_up", "Page up", show=False, id="move.page_up"),
]


class MovingTable(DataTable[Any]):
    """A table of rows (the admin screens' lists); `home`/`end` go to the first and last row,
    not to the first and last column."""

    BINDINGS: ClassVar[list[BindingType]] = MOVE_BINDINGS

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=max(0, self.row_count - 1))


class MovingOptionList(OptionList):
    """A list to pick one from (the role list, the pickers)."""

    BINDINGS: ClassVar[list[BindingType]] = MOVE_BINDINGS


class MovingSelectionList(SelectionList[Any]):
    """A list to tick several in (the checklists, the group filter)."""

    BINDINGS: ClassVar[list[BindingType]] = MOVE_BINDINGS


class MovingTree(Tree[Any]):
    """A tree (the role editor's permissions): the keys move over the lines it shows."""

    BINDINGS: ClassVar[list[BindingType]] = MOVE_BINDINGS

    def action_first(self) -> None:
        self.action_scroll_home()

    def action_last(self) -> None:
        self.action_scroll_end()
