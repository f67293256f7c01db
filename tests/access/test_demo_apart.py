"""The demo's rows made by a forked child are the rows made in the caller, in the same order
(the child starts from the caller's seeded generator), and a failure of the child is raised
in the caller."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime

import pytest

from access.demo_apart import can_fork, made_apart
from access.demo_tickets import BATCH, Batch, Ids, batches

NOW = datetime(2026, 11, 1, 9, 0)
IDS = Ids(
    staff={u: i for i, u in enumerate(("ada", "sam", "ali", "mia", "ola", "tom", "eva"), 1)},
    customers=list(range(100, 130)),
    sources={"Allegro PL": 1, "eBay DE (disconnected)": 2, "Web form": 3},
    groups={"Returns": 1, "Accounting": 2},
)


def _made(seed: int) -> Iterator[Batch]:
    return batches(random.Random(seed), BATCH * 2 + 7, IDS, None, NOW, head="")


def test_a_forked_child_makes_the_same_batches_in_the_same_order() -> None:
    assert can_fork()
    here = list(_made(3))
    apart = list(made_apart(lambda: _made(3)))
    assert [b.made for b in apart] == [BATCH, BATCH * 2, BATCH * 2 + 7]
    assert [b._replace(counted=None) for b in apart] == [b._replace(counted=None) for b in here]
    counted, expected = apart[-1].counted, here[-1].counted
    assert counted is not None and expected is not None
    assert (counted.verdicts, counted.tickets) == (expected.verdicts, expected.tickets)


def _failing() -> Iterator[int]:
    yield 1
    raise ValueError("no more rows")


def test_a_failure_in_the_child_is_raised_in_the_caller() -> None:
    made = made_apart(_failing)
    assert next(made) == 1
    with pytest.raises(RuntimeError, match="ValueError: no more rows"):
        next(made)


def test_the_caller_leaving_early_ends_the_child() -> None:
    made = made_apart(lambda: _made(5))
    first = next(made)
    assert first.made == BATCH
    made.close()  # the child, waiting to send the second batch, is killed and reaped
