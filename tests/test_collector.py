"""The app is made with the garbage collector resting, and the collector runs again after."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from ticketty.collector import resting
from ticketty.main import open_app


def test_the_collector_rests_inside_and_what_was_made_is_frozen_after() -> None:
    frozen_before = gc.get_freeze_count()
    with resting():
        assert not gc.isenabled()
        made: list[list[int]] = [[] for _ in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= frozen_before + len(made)


def test_a_failure_inside_leaves_the_collector_running_and_freezes_nothing() -> None:
    frozen_before = gc.get_freeze_count()
    with pytest.raises(RuntimeError), resting():
        raise RuntimeError("no database")
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen_before


def test_an_app_that_cannot_open_leaves_the_collector_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert open_app(str(tmp_path / "missing.db"), "ada") == 3
    assert "no database at" in capsys.readouterr().err
    assert gc.isenabled()
