"""The inbox's away key: an agent marks themselves away (automatic assignment passes them by)
and back; checked through the gate."""

from __future__ import annotations

from collections.abc import Callable

from access import Gate
from tests.backends import connect
from tests.tui_support import make_app, press, settle

SMALL = (80, 24)


async def test_an_agent_marks_themselves_away_and_back(new_demo: Callable[..., str]) -> None:
    demo = new_demo()
    tom = Gate(connect(demo), "tom")
    app = make_app(demo, "tom")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await press(pilot, "A")
        assert "away" in list(app._notifications)[-1].message
        assert tom.availability.is_away()
        await press(pilot, "A")
        assert "back" in list(app._notifications)[-1].message
    assert not tom.availability.is_away()
