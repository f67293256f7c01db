"""The new-ticket form at 80x24 and larger: every field in sight and a text box of several
lines (it had none at 80x24); filing for a customer starts at the requester."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.widgets import Checkbox, Input, Select, TextArea

from screens.new_ticket import NewTicketScreen
from tests.backends import Locations
from tests.tui_support import make_app, press, settle


@pytest.fixture(scope="module")
def demo(locations: Locations) -> Iterator[str]:
    location = locations.copy(locations.demo(40), "form.db")
    yield location
    locations.drop([location])


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pytest.mark.parametrize(("persona", "first"), [("ola", "requester"), ("mia", "subject")])
async def test_the_form_shows_every_field_and_lines_to_write_in(
    demo: str, persona: str, first: str, size: tuple[int, int]
) -> None:
    app = make_app(demo, persona)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        form = app.screen
        assert isinstance(form, NewTicketScreen)
        assert app.focused is not None and app.focused.id == first
        body = form.query_one("#body", TextArea)
        assert body.region.height >= 5, f"the text box is {body.region.height} lines high"
        screen = app.screen.region
        fields = [*form.query(Input), *form.query(Select), *form.query(Checkbox)]
        assert len(fields) >= 3
        for field in fields:
            assert field.region.height >= 1 and screen.contains_region(field.region), field.id
        await pilot.press(*("tab" for _ in range(3 if first == "requester" else 1)))
        await press(pilot, *"First line", "enter", *"Second line")
        assert app.focused is body and body.text == "First line\nSecond line"
