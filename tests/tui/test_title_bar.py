"""The title bar draws the line Textual's `Header` draws, cell for cell and style for style (the
screens' pictures stay the same), follows the titles, and answers clicks as the `Header` does."""

from __future__ import annotations

import asyncio

import pytest
from textual.app import App, ComposeResult
from textual.command import CommandPalette
from textual.widget import Widget
from textual.widgets import Header, Static

from tui.header import TitleBar


class Titled(App[None]):
    def __init__(self, bar: type[Widget], title: str, sub_title: str) -> None:
        super().__init__()
        self.bar, self.shown = bar, (title, sub_title)

    def compose(self) -> ComposeResult:
        yield self.bar()
        yield Static("below")

    def on_mount(self) -> None:
        self.title, self.sub_title = self.shown


def top_line(bar: type[Widget], title: str, sub_title: str, width: int) -> list[object]:
    async def drawn() -> list[object]:
        app = Titled(bar, title, sub_title)
        async with app.run_test(size=(width, 4)) as pilot:
            await pilot.pause()
            (line, *_rest) = app.screen._compositor.render_strips()
            return [(segment.text, segment.style) for segment in line]

    return asyncio.run(drawn())


@pytest.mark.parametrize("width", [18, 40, 80, 120])
@pytest.mark.parametrize(
    ("title", "sub_title"),
    [("Ticketty", "ada"), ("Inbox", ""), ("Ticketty · 3 unread", "ada"), ("T" * 130, "x")],
)
def test_the_bar_draws_what_textuals_header_draws(title: str, sub_title: str, width: int) -> None:
    assert top_line(TitleBar, title, sub_title, width) == top_line(Header, title, sub_title, width)


def test_the_bar_follows_the_titles_and_answers_clicks() -> None:
    async def run() -> None:
        app = Titled(TitleBar, "Ticketty", "ada")
        async with app.run_test(size=(80, 10)) as pilot:
            await pilot.pause()
            bar = app.query_one(TitleBar)
            app.screen.sub_title = "last 30 days"
            await pilot.pause()
            assert "Ticketty — last 30 days" in bar.render_line(0).text
            await pilot.click(TitleBar, offset=(40, 0))
            await pilot.pause()
            assert bar.size.height == 3 and "Ticketty" in bar.render_line(1).text
            await pilot.click(TitleBar, offset=(40, 1))
            await pilot.pause()
            assert bar.size.height == 1
            await pilot.click(TitleBar, offset=(1, 0))
            await pilot.pause()
            assert isinstance(app.screen, CommandPalette)

    asyncio.run(run())
