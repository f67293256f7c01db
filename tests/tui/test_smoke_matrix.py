"""Every screen and every modal, opened as every demo persona, by the keys a person presses: no
key offered anywhere ends the app.

One app per persona, on its own copy of the demo built once per test session (`demo_copy`),
walks every screen offered to the persona: each is opened from the inbox as a person opens it,
and left again with escape back to the inbox before the next. The inbox comes last, so its
keys that act at once (mark, take) change nothing the other screens open on. On each screen
every key the persona is offered there (the footer's, the help's and the list's own), but
those that only move, is pressed once; whatever it opens (a modal, a form, another screen) is
closed again with escape before the next key. A failure names the persona and the screen."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.screen import ModalScreen, Screen

from screens.inbox_opening import DESTINATIONS
from tests.tui_support import make_app, press, settle
from tui.app import MOVES, TickettyApp

PERSONAS = ("ada", "sam", "ali", "vic", "mia", "max", "ola", "tom", "eva")
# The screens, by the label of Go to (`o`) or by how they are reached from the inbox, in the
# order of the walk.
SCREENS = ("Ticket", *(label for _, label, _ in DESTINATIONS), "Quarantine", "Inbox")
# Keys not pressed: the one that ends the session, those that leave the screen under test, and
# those that only move (`tests/tui/test_moving.py` presses them).
LEAVING = ("quit", "back")


def offered_keys(app: TickettyApp) -> list[tuple[str, str]]:
    """(key, binding id) of each action the person may take on the top screen, one key each."""
    keys: dict[str, str] = {}
    for key, active in app.screen.active_bindings.items():
        binding = active.binding
        action = binding.action.split(".")[-1].split("(")[0]
        if active.enabled and binding.id and action not in LEAVING and action not in MOVES:
            keys.setdefault(binding.id, key)
    return [(key, binding_id) for binding_id, key in keys.items()]


async def back_to(pilot: Pilot[int], screen: Screen[object]) -> None:
    """Escape until `screen` is on top again (a modal, a form or a screen opened on it)."""
    for _ in range(6):
        if pilot.app.screen is screen:
            return
        await press(pilot, "escape")
    assert pilot.app.screen is screen, f"cannot get back from {pilot.app.screen!r}"


async def reach(pilot: Pilot[int], label: str) -> bool:
    """Open the screen named `label` as a person would; False when it is not offered."""
    app = pilot.app
    assert isinstance(app, TickettyApp)
    if label == "Inbox":
        return True
    if label == "Ticket":
        before = app.screen
        await press(pilot, "enter")
        assert app.screen is not before, "every persona sees a ticket of the demo"
        return True
    destination = "Sources" if label == "Quarantine" else label
    offered = [
        name for _, name, needed in DESTINATIONS if not needed or set(needed) & app.permissions
    ]
    if destination not in offered:
        return False
    await press(pilot, "o")
    await press(pilot, *destination, "enter")
    if label == "Quarantine":
        await press(pilot, "Q")
    return True


async def press_every_key(pilot: Pilot[int], persona: str, label: str) -> None:
    """Press each key offered on the screen on top, coming back to it after each."""
    app = pilot.app
    assert isinstance(app, TickettyApp)
    screen = app.screen
    assert not isinstance(screen, ModalScreen) or label == "Quarantine", screen
    pressed = []
    for key, binding_id in [*offered_keys(app), ("ctrl+p", "palette")]:
        await press(pilot, key)
        pressed.append(binding_id)
        assert app.is_running, f"{persona} on {label}: {key} ({binding_id}) ended the app"
        await back_to(pilot, screen)
    assert pressed, f"{persona} on {label}: no key offered"


@pytest.mark.parametrize("persona", PERSONAS)
async def test_every_key_on_every_screen(demo_copy: str, persona: str) -> None:
    app = make_app(demo_copy, persona)
    label = "Inbox"
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            inbox = app.screen
            for label in SCREENS:
                if not await reach(pilot, label):
                    continue  # not offered to this persona: nothing to open
                await press_every_key(pilot, persona, label)
                await back_to(pilot, inbox)
        assert app.return_code in (None, 0)
    except BaseException as failure:
        failure.add_note(f"the smoke walk of {persona} failed on the screen {label}")
        raise
