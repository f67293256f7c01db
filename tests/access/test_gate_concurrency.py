"""Several real processes writing one SQLite file at once, through the gate: no "database is
locked" reaches a caller, no update is lost, every change has its audit event, and the file and
the audit chain are whole afterwards."""

from __future__ import annotations

import multiprocessing
import time
from queue import Empty
from typing import Any

import peewee
import pytest

from access import Conflict, Gate, NoChange
from access.audit import verify_chain
from access.catalogue import PERMISSIONS
from store import dialect
from store.models import AuditEvent, Message, Ticket
from tests import builders
from tests.backends import connect

WORKERS = 4
ROUNDS = 60
TICKETS = 3


def _agent_work(path: str, username: str, rounds: int, results: multiprocessing.Queue) -> None:
    """One agent's session in its own process: replies, notes, status and assignment. A status
    or an assignee that another agent already set is a no-op: counted apart, nothing written."""
    db = connect(path)
    gate = Gate(db, username)
    done: dict[str, int] = {"reply": 0, "note": 0, "status": 0, "assign": 0, "unchanged": 0}
    errors: list[str] = []
    for i in range(rounds):
        number = 1 + i % TICKETS
        try:
            if i % 4 == 0:
                gate.messages.reply(number, f"reply {username} {i}")
                done["reply"] += 1
            elif i % 4 == 1:
                gate.messages.note(number, f"note {username} {i}")
                done["note"] += 1
            elif i % 4 == 2:
                gate.changes.set_status(number, ("open", "pending")[i % 2])
                done["status"] += 1
            else:
                gate.changes.assign(number, username)
                done["assign"] += 1
        except NoChange:
            done["unchanged"] += 1
        except Exception as exc:  # any error is a failure of the test, reported below
            errors.append(f"{type(exc).__name__}: {exc}")
    db.close()
    results.put((username, done, errors))


def _admin_work(path: str, rounds: int, results: multiprocessing.Queue) -> None:
    """An admin editing roles and groups at the same time."""
    db = connect(path)
    gate = Gate(db, "boss")
    errors: list[str] = []
    done = 0
    for i in range(rounds):
        try:
            gate.groups.create_group(f"Team {i}")
            gate.groups.add_member(f"Team {i}", "agent0")
            done += 2
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
    db.close()
    results.put(("boss", {"group": done}, errors))


@pytest.fixture
def shared(db_location: str, db: peewee.Database) -> str:
    w = builders.world()
    agents = [builders.person(f"agent{i}") for i in range(WORKERS)]
    builders.role("Agent", [k for k in PERMISSIONS if k.startswith("tickets.")], holders=agents)
    builders.role("Admin", PERMISSIONS, holders=[builders.person("boss")])
    for _ in range(TICKETS - 1):
        builders.ticket(w.s1, w.customer)
    # Tickets 1..TICKETS in an open source for everyone.
    Ticket.update(source=w.s1).where(Ticket.number <= TICKETS).execute()
    db.close()
    return db_location


def _reports(results: Any, processes: list[Any], patience: float = 900) -> list[Any]:
    """Each process's report: waited for as long as the processes live (a loaded machine
    only makes them slower); one that died without reporting fails the test at once, with
    its exit code, instead of a timeout."""
    reports: list[Any] = []
    deadline = time.monotonic() + patience
    while len(reports) < len(processes):
        try:
            reports.append(results.get(timeout=2))
        except Empty:
            dead = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
            assert not dead, f"a writer process died with exit code {dead[0]}"
            assert time.monotonic() < deadline, "the writers did not finish in 15 minutes"
    return reports


def test_many_writers_lose_nothing(shared: str) -> None:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [
        context.Process(target=_agent_work, args=(shared, f"agent{i}", ROUNDS, results))
        for i in range(WORKERS)
    ]
    processes.append(context.Process(target=_admin_work, args=(shared, 15, results)))
    for process in processes:
        process.start()
    reports = _reports(results, processes)
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0

    errors = [e for _, _, errs in reports for e in errs]
    assert errors == []
    totals: dict[str, int] = {}
    for _, done, _ in reports:
        for key, count in done.items():
            totals[key] = totals.get(key, 0) + count

    db = connect(shared)
    # Only what the agents wrote: the set-up's own notes are not theirs.
    messages = Message.select().where(Message.author.in_(agent_ids()))
    assert messages.where(Message.kind == "reply").count() == totals["reply"]
    assert messages.where(Message.kind == "note").count() == totals["note"]
    ticket_changes = totals["reply"] + totals["note"] + totals["status"] + totals["assign"]
    versions = sum(t.version - 1 for t in Ticket.select().where(Ticket.number <= TICKETS))
    assert versions == ticket_changes
    audit = {
        action: AuditEvent.select().where(AuditEvent.action == action).count()
        for action in ("ticket.reply", "ticket.note", "ticket.status", "ticket.assign")
    }
    assert audit == {
        "ticket.reply": totals["reply"],
        "ticket.note": totals["note"],
        "ticket.status": totals["status"],
        "ticket.assign": totals["assign"],
    }
    group_events = AuditEvent.select().where(AuditEvent.action.startswith("group.")).count()
    assert group_events == totals["group"]
    if dialect.is_sqlite(db):
        assert db.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert verify_chain() is None
    db.close()


def agent_ids() -> list[int]:
    from store.models import Person

    return [p.id for p in Person.select().where(Person.username.startswith("agent"))]


def test_two_agents_race_on_one_version(db: peewee.Database) -> None:
    w = builders.world()
    agents = [builders.person("first"), builders.person("second")]
    builders.role("Agent", [k for k in PERMISSIONS if k.startswith("tickets.")], holders=agents)
    first, second = Gate(db, "first"), Gate(db, "second")
    seen = first.tickets.get_ticket(w.t_s1).row.version
    assert second.tickets.get_ticket(w.t_s1).row.version == seen

    first.changes.set_status(w.t_s1, "pending", expected_version=seen)
    before = builders.snapshot(db)
    with pytest.raises(Conflict):
        second.messages.reply(w.t_s1, "I did not see the change", expected_version=seen)
    with pytest.raises(Conflict):
        second.changes.set_status(w.t_s1, "resolved", expected_version=seen)
    assert builders.snapshot(db) == before
    assert first.tickets.get_ticket(w.t_s1).row.status == "pending"


def test_reopening_the_file_does_not_split_a_transaction(db: peewee.Database, db_location) -> None:
    """A second `connect()` to the same file (another gate in one process) re-points the
    models; the first gate's writes must still run their statements inside their own
    transaction, not wait on themselves ("database is locked")."""
    import threading

    w = builders.world()
    builders.role("Admin", PERMISSIONS, holders=[builders.person("boss")])
    first = Gate(db, "boss")
    Gate(connect(db_location), "boss").inbox.list_tickets()
    errors: list[Exception] = []

    def write() -> None:
        try:
            first.messages.reply(w.t_s1, "from another thread")
        except Exception as exc:
            errors.append(exc)

    thread = threading.Thread(target=write)
    thread.start()
    thread.join(timeout=60)
    assert errors == []
    assert first.tickets.get_ticket(w.t_s1).messages[-1].body == "from another thread"
