"""`audit.thread_events_held`: the events every writer of a thread records in one transaction are
written together at its end, in the order of the chain; those of a savepoint that rolled back
are dropped with it, so the chain stays whole."""

from __future__ import annotations

import peewee
import pytest

from access import NotFound, audit
from access.audit import verify_chain
from access.request import Request, Session
from store.models import AuditEvent, database_proxy
from store.rows import tuple_rows
from tests import builders


def _record(session: Session, action: str, *, fail: bool = False) -> None:
    request = Request(session)
    with request.writing():
        request.record(action, "ticket", 1)
        if fail:
            raise NotFound("the change is refused after its event was recorded")


def _actions() -> list[str]:
    query = AuditEvent.select(AuditEvent.action).order_by(AuditEvent.id)
    return [action for (action,) in tuple_rows(query)]


def test_held_events_are_written_at_the_end_and_a_rolled_back_savepoints_dropped(
    db: peewee.Database,
) -> None:
    builders.person("ada")
    session = Session(db, "ada")
    before = _actions()
    with database_proxy.atomic(), audit.thread_head_held(), audit.thread_events_held():
        _record(session, "test.first")
        with pytest.raises(NotFound):
            _record(session, "test.dropped", fail=True)
        _record(session, "test.second")
        assert _actions() == before  # held until the block ends
    assert _actions() == [*before, "test.first", "test.second"]
    assert verify_chain() is None


def test_events_are_held_only_with_the_chains_head(db: peewee.Database) -> None:
    with pytest.raises(RuntimeError), database_proxy.atomic(), audit.thread_events_held():
        pass
