"""The footer draws the screen's shown keys itself (no widget per key), and a click on a key
presses it."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding

from tui.footer import KeyFooter


class KeysApp(App[None]):
    BINDINGS = [
        Binding("a", "note('add')", "Add"),
        Binding("b", "note('bee')", "Bee"),
        Binding("c", "note('closed')", "Close"),
        Binding("x", "note('hidden')", "Hidden", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.pressed: list[str] = []

    def compose(self) -> ComposeResult:
        yield KeyFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if parameters == ("closed",) else True  # shown, disabled

    def action_note(self, what: str) -> None:
        self.pressed.append(what)


async def test_footer_draws_the_shown_keys_in_one_widget() -> None:
    app = KeysApp()
    async with app.run_test(size=(40, 5)) as pilot:
        await pilot.pause()
        footer = app.query_one(KeyFooter)
        assert list(footer.children) == []
        line = "".join(segment.text for segment in footer.render_line(0))
        assert line.rstrip() == "a Add b Bee c Close"
        assert "Hidden" not in line


async def test_a_click_on_a_key_presses_it_and_a_disabled_key_does_nothing() -> None:
    app = KeysApp()
    async with app.run_test(size=(40, 5)) as pilot:
        await pilot.pause()
        await pilot.click(KeyFooter, offset=(8, 0))  # on "Bee"
        await pilot.click(KeyFooter, offset=(13, 0))  # on "Close", disabled
        await pilot.click(KeyFooter, offset=(30, 0))  # past the keys
        await pilot.pause()
        assert app.pressed == ["bee"]
