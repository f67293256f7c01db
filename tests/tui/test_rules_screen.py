"""The rules screen: the rules in the order they run, with owner and event; `e` disables and
enables the one under the cursor, `J` moves it later, `T` tries it over a period (what it would
have matched and done, nothing written); checked through the gate."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot

from access import Gate
from access.rules import TriedTicket
from screens.rules import RulesScreen, tried_text
from store.models import AuditEvent
from tests.backends import connect
from tests.tui_support import make_app, press, settle
from tui.listing import ListingScreen
from tui.widgets import TextModal

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
        await press(pilot, "e")
        assert not ada.rules.get_rule("Returns round-robin").active
        await press(pilot, "e")
        assert ada.rules.get_rule("Returns round-robin").active
        await press(pilot, "J")
    assert ada.rules.get_rule("Returns round-robin").position == 2


async def test_trying_a_rule_shows_what_it_would_have_done_and_writes_nothing(
    new_demo: Callable[..., str],
) -> None:
    demo = new_demo()
    db = connect(demo)
    ada = Gate(db, "ada")
    expected = ada.rules.try_rule("Refund triage", "366d")
    assert expected
    written = AuditEvent.select().count()
    app = make_app(demo, "ada")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.push_screen(RulesScreen())
        await settle(pilot)
        await press(pilot, "j", "T")
        await press(pilot, "ctrl+u", *"366d", "enter")
        assert isinstance(app.screen, TextModal)
        text = str(app.screen.text)
        assert f"it would have matched {len(expected)} tickets; nothing was written" in text
        assert f"#{expected[0].number} {expected[0].subject}" in text
        assert "priority:high" in text
    assert AuditEvent.select().count() == written


def test_tried_text_shows_markup_literally() -> None:
    tried = [TriedTicket(7, "[bold]refund[/bold] \x1b[31m", ("note:[red]x[/red]",))]
    text = tried_text(tried)
    assert "#7 [bold]refund[/bold]" in text.plain and "note:[red]x[/red]" in text.plain
    assert tried_text([]).plain == "it would have matched no ticket; nothing was written"


def test_try_snapshot(snap_compare, new_demo: Callable[..., str]) -> None:
    """Auto-close, a time rule: tried, it lists the tickets due now, the same whenever the
    test runs (the demo's resolved tickets are long idle)."""
    demo = new_demo()

    async def run_before(pilot: Pilot[int]) -> None:
        await settle(pilot)
        pilot.app.push_screen(RulesScreen())
        await settle(pilot)
        await press(pilot, "j", "j", "T")
        await press(pilot, "enter")

    assert snap_compare(make_app(demo, "ada"), terminal_size=SMALL, run_before=run_before)
