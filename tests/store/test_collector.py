"""The app is made with the garbage collector resting, and the collector runs again after."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from ticketty import collector
from ticketty.collector import resting
from ticketty.main import open_app


def in_collectors_sight(made: object) -> bool:
    """True while the collector still walks `made`: frozen objects are in none of its
    generations. Asked of the object itself, not of `gc.get_freeze_count()`, which other code
    in the process changes meanwhile (a frozen object that is freed leaves the count)."""
    return any(seen is made for seen in gc.get_objects())


def test_the_collector_rests_inside_and_what_was_made_is_frozen_after() -> None:
    with resting():
        assert not gc.isenabled()
        made: list[list[int]] = [[] for _ in range(1000)]
        assert in_collectors_sight(made[0])
    assert gc.isenabled()
    assert not any(in_collectors_sight(one) for one in (made, made[0], made[-1]))


def test_a_failure_inside_leaves_the_collector_running_and_freezes_nothing() -> None:
    made: list[list[int]] = []
    with pytest.raises(RuntimeError), resting():
        made.append([])
        raise RuntimeError("no database")
    assert gc.isenabled()
    assert in_collectors_sight(made) and in_collectors_sight(made[0])


def test_an_app_that_cannot_open_leaves_the_collector_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert open_app(str(tmp_path / "missing.db"), "ada") == 3
    assert "no database at" in capsys.readouterr().err
    assert gc.isenabled()


def test_the_app_is_made_resting_and_the_collector_wakes_at_its_first_frame(
    demo_copy: str,
) -> None:
    """`made_app` leaves the collector resting; the app's first frame wakes it and freezes
    what the start made, the app's widgets among them."""
    import asyncio

    from ticketty.launch import OpenedApp
    from ticketty.main import made_app

    opened = made_app(demo_copy, "ada")
    assert isinstance(opened, OpenedApp)
    try:
        assert not gc.isenabled()

        async def first_frame() -> None:
            async with opened.app.run_test() as pilot:
                await pilot.pause()
                assert gc.isenabled()
                assert not in_collectors_sight(opened.app.screen)

        asyncio.run(first_frame())
    finally:
        collector.wake()
        opened.db.close()
    assert gc.isenabled()
