"""Saved views at the gate: sharing needs `views.share`, a shared view is read only by the
role's holders or the group's members, and each view's count is scoped like the list."""

from __future__ import annotations

from collections.abc import Callable

import peewee
import pytest

from access import Gate, NotFound, PermissionDenied
from access.views import TicketQuery

GateFor = Callable[[str], Gate]
OPEN = TicketQuery(statuses=("new", "open"))


def names(gate: Gate) -> dict[str, int]:
    return {view.name: view.tickets for view in gate.views.list_views()}


def test_a_shared_view_is_read_only_by_the_roles_holders(
    demo_db: peewee.Database, gate_for: GateFor
) -> None:
    ada, ola, ali, vic = (gate_for(n) for n in ("ada", "ola", "ali", "vic"))
    with pytest.raises(PermissionDenied):
        ola.views.save_view("Open work", OPEN, role="Agent")
    ada.views.save_view("Open work", OPEN, role="Agent")
    ola.views.save_view("Mine", TicketQuery(mine=True))
    assert set(names(ola)) == {"Open work", "Mine"}
    assert names(vic) == {} and names(ali) == {}  # Viewer and Allegro agent
    assert set(names(ada)) == {"Open work"}  # her own, though she holds no Agent role
    assert names(ola)["Open work"] == ola.inbox.count_tickets(OPEN)
    assert names(ola)["Mine"] == ola.inbox.count_tickets(TicketQuery(mine=True))
    with pytest.raises(NotFound):
        vic.views.remove_view("Open work")
    with pytest.raises(NotFound):
        ola.views.remove_view("Open work")  # shared, and ola lacks views.share
    ola.views.remove_view("Mine")
    assert set(names(ola)) == {"Open work"}


def test_a_views_count_is_scoped_like_the_list(demo_db: peewee.Database, gate_for: GateFor) -> None:
    """One view shared with a usergroup: each member counts the tickets they see of it."""
    ada = gate_for("ada")
    ada.views.save_view("Everything", TicketQuery(), usergroup="Accounting")
    for member in ("max", "mia"):
        gate = gate_for(member)
        assert names(gate) == {"Everything": gate.inbox.count_tickets(TicketQuery())}
    assert names(gate_for("max"))["Everything"] < names(gate_for("mia"))["Everything"]
    assert names(gate_for("tom")) == {}
