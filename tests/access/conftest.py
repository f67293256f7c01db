"""Fixtures of the service-level tests (due times, verdicts)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import peewee
import pytest

from access import Gate
from access.demo import build_demo
from tests.backends import connect

# Every hour of every day: a due time is its start plus the target plus the time paused.
ALWAYS = "mon-sun 00:00-24:00"


@pytest.fixture
def ada(demo_db: peewee.Database) -> Gate:
    """Ada's gate on the demo, with one policy (Standard: first response 4h, next response 8h,
    resolution 1d) in a calendar where every hour counts."""
    return with_standard_policy(Gate(demo_db, "ada"))


def with_standard_policy(gate: Gate) -> Gate:
    """`gate` (an administrator's), once it made the Always calendar and the Standard policy."""
    gate.calendars.create_calendar("Always", zone="UTC", hours=ALWAYS)
    gate.sla.create_policy(
        "Standard",
        calendar="Always",
        targets={"first_response": ["4h"], "next_response": ["8h"], "resolution": ["1d"]},
    )
    return gate


@pytest.fixture
def sla_demo(new_location: Callable[..., str]) -> Iterator[peewee.Database]:
    """The demo with its service levels and verdicts, loaded in bulk (300 tickets, seed 7)."""
    db = connect(new_location(migrated=True))
    build_demo(db, tickets=300, seed=7, service_levels=True)
    yield db
    db.close()
