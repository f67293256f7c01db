"""Writers to one SQLite file take turns (`store.turns`): the writer that has waited longest
writes next, whoever arrives after it; a writer killed during its turn blocks nobody; a writer
gives up after its timeout without keeping anyone out; reads never wait for a turn."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import peewee
import pytest

from store.db import TurnTakingSqliteDatabase
from tests.backends import connect

pytestmark = pytest.mark.sqlite_only(reason="turns are how SQLite writers are serialised")

RELAY_WRITERS = 3
RELAY_WRITES = 30
CONTEXT = multiprocessing.get_context("spawn")


def _write(path: str, who: str, times: int, ready: Any) -> None:
    """In a process of its own: say it is about to write, then write `times` rows in a loop."""
    db = connect(path)
    ready.set()
    for _ in range(times):
        with db.atomic():
            db.execute_sql("INSERT INTO writes (who) VALUES (?)", (who,))
    db.close()


def _hold_a_turn(path: str, holding: Any) -> None:
    """In a process of its own: start writing, say so, and never finish."""
    db = connect(path)
    with db.atomic():
        db.execute_sql("INSERT INTO writes (who) VALUES ('killed')")
        holding.set()
        threading.Event().wait()


def _until(condition: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def _queue_is_held(path: str) -> bool:
    """Whether some writer holds the queue lock: it is next, waiting for the turn."""
    descriptor = os.open(f"{path}-queue", os.O_RDONLY | os.O_CREAT)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


@pytest.fixture
def path(tmp_path: Path) -> str:
    location = str(tmp_path / "turns.db")
    db = connect(location, create=True)
    db.execute_sql("CREATE TABLE writes (id INTEGER PRIMARY KEY, who TEXT NOT NULL)")
    return location


def _writers(db: peewee.Database) -> list[str]:
    return [who for (who,) in db.execute_sql("SELECT who FROM writes ORDER BY id")]


def test_the_writer_waiting_longest_writes_before_writers_that_came_after_it(path: str) -> None:
    """With SQLite's busy handler alone, a writer that has waited long polls every 100 ms and
    loses to writers that write back to back: the waiter came after most of the relay's writes
    (seen: after 60 to 90 of 90). With turns it writes as soon as the writer ahead of it is done."""
    db = connect(path)
    relay_ready = [CONTEXT.Event() for _ in range(RELAY_WRITERS)]
    relay = [
        CONTEXT.Process(target=_write, args=(path, "relay", RELAY_WRITES, ready))
        for ready in relay_ready
    ]
    waiter_ready = CONTEXT.Event()
    waiter = CONTEXT.Process(target=_write, args=(path, "waiter", 1, waiter_ready))
    with db.atomic():
        db.execute_sql("INSERT INTO writes (who) VALUES ('first')")
        waiter.start()
        assert waiter_ready.wait(30)
        _until(lambda: _queue_is_held(path))  # the waiter is next in line
        for process in relay:
            process.start()
        assert all(ready.wait(30) for ready in relay_ready)
    for process in [waiter, *relay]:
        process.join(60)
        assert process.exitcode == 0  # no "database is locked" in any writer
    writers = _writers(db)
    jumped = writers.index("waiter") - 1
    assert writers[:2] == ["first", "waiter"], f"{jumped} writes came before the waiter's"
    assert writers.count("relay") == RELAY_WRITERS * RELAY_WRITES


def test_a_writer_killed_during_its_turn_blocks_nobody(path: str) -> None:
    holding = CONTEXT.Event()
    holder = CONTEXT.Process(target=_hold_a_turn, args=(path, holding))
    holder.start()
    assert holding.wait(30)
    holder.kill()  # SIGKILL
    holder.join(30)
    db = TurnTakingSqliteDatabase(path, write_timeout=5)
    with db.atomic():
        db.execute_sql("INSERT INTO writes (who) VALUES ('after')")
    assert _writers(db) == ["after"]


def test_a_writer_gives_up_after_its_timeout_and_the_next_one_still_writes(path: str) -> None:
    db = TurnTakingSqliteDatabase(path, write_timeout=0.2)
    failures: list[Exception] = []

    def write(who: str) -> None:
        try:
            with db.atomic():  # a connection of this thread's own
                db.execute_sql("INSERT INTO writes (who) VALUES (?)", (who,))
        except peewee.OperationalError as exc:
            failures.append(exc)

    with db.atomic():
        db.execute_sql("INSERT INTO writes (who) VALUES ('holder')")
        impatient = threading.Thread(target=write, args=("impatient",))
        impatient.start()
        impatient.join(30)
    assert [str(f) for f in failures] == ["database is locked"]
    late = threading.Thread(target=write, args=("late",))
    late.start()
    late.join(30)
    assert failures[1:] == []
    assert _writers(db) == ["holder", "late"]


def test_reads_never_wait_for_a_turn(path: str) -> None:
    db = TurnTakingSqliteDatabase(path, write_timeout=0.2)
    counted: list[int] = []
    failures: list[Exception] = []

    def read() -> None:
        try:
            with db.atomic("DEFERRED"):
                counted.append(db.execute_sql("SELECT count(*) FROM writes").fetchone()[0])
        except peewee.OperationalError as exc:
            failures.append(exc)

    with db.atomic():
        db.execute_sql("INSERT INTO writes (who) VALUES ('holder')")
        reader = threading.Thread(target=read)
        reader.start()
        reader.join(30)
    assert failures == [] and counted == [0]
