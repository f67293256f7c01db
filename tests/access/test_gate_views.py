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


# The views the demo shares (with the Agent role, with the Returns group).
DEMO_VIEWS = {"Urgent open", "Refunds", "Returns waiting"}


def names(gate: Gate) -> dict[str, int]:
    """The person's views by name with their counts, the demo's own left out."""
    return {v.name: v.tickets for v in gate.views.list_views() if v.name not in DEMO_VIEWS}


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


def test_the_demo_shares_three_views(demo_db: peewee.Database, gate_for: GateFor) -> None:
    shared = {v.name: v.shared_with for v in gate_for("tom").views.list_views()}
    assert shared == {
        "Refunds": "role Agent",
        "Returns waiting": "usergroup Returns",
        "Urgent open": "role Agent",
    }
    assert {v.name for v in gate_for("ola").views.list_views()} == {"Refunds", "Urgent open"}
    assert gate_for("vic").views.list_views() == []
