"""The rules screen: the rules in the order they run, with owner and event; `e` disables and
enables the one under the cursor, `J` moves it later; checked through the gate."""

from __future__ import annotations

from collections.abc import Callable

from access import Gate
from screens.rules import RulesScreen
from store.db import connect
from tests.tui_support import make_app, settle
from tui.listing import ListingScreen

SMALL = (80, 24)


async def test_an_admin_disables_enables_and_moves_a_rule(new_demo: Callable[..., str]) -> None:
    demo = new_demo()
    ada = Gate(connect(demo), "ada")
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.push_screen(RulesScreen())
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ListingScreen)
        assert [r.name for r in screen.records] == [r.name for r in ada.rules.list_rules()]
        await pilot.press("e")
        await settle(pilot)
        assert not ada.rules.get_rule("Returns round-robin").active
        await pilot.press("e")
        await settle(pilot)
        assert ada.rules.get_rule("Returns round-robin").active
        await pilot.press("J")
        await settle(pilot)
    assert ada.rules.get_rule("Returns round-robin").position == 2
