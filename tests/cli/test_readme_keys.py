"""README's key table names every key of the inbox, the ticket screen and the role editor."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.binding import Binding

from screens.inbox import InboxScreen
from screens.role_editor import RoleEditorScreen
from screens.ticket_detail import TicketDetailScreen
from tui.ticket_list import TicketList

README = Path(__file__).resolve().parents[2] / "README.md"
SHOWN = {
    "slash": "/",
    "pagedown": "pgdn",
    "pageup": "pgup",
    "question_mark": "?",
    "number_sign": "#",
    "asterisk": "*",
}


def row(where: str) -> str:
    return next(
        line
        for line in README.read_text(encoding="utf-8").splitlines()
        if line.startswith(f"| {where} |")
    )


@pytest.mark.parametrize(
    ("where", "bindings"),
    [
        ("inbox", [*InboxScreen.BINDINGS, *TicketList.BINDINGS]),
        ("ticket", TicketDetailScreen.BINDINGS),
        ("role editor", RoleEditorScreen.BINDINGS),
    ],
)
def test_readme_names_every_key(where: str, bindings: list[Binding]) -> None:
    text = row(where)
    for binding in bindings:
        keys = [SHOWN.get(k, k) for k in binding.key.split(",")]
        assert any(f"`{k}`" in text for k in keys), f"{where}: {binding.key} ({binding.id})"
