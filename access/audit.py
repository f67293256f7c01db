"""Writing and checking the audit log: one row per change, in the change's own transaction,
chained by hashes so that an edit of the file shows even if the triggers were dropped."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NamedTuple

from store.models import AuditEvent, database_proxy, utcnow
from store.pipelined import pipelined
from store.prepared import MOST_PREPARED_ROWS, PreparedInsert

_INSERT = PreparedInsert(
    AuditEvent,
    ("at", "actor", "prev_hash", "hash", "action", "target_kind", "target_id", "ticket", "before",
     "after"),
)  # fmt: skip


# What `json.dumps` builds anew on every call given these options, built once.
_VALUES = json.JSONEncoder(ensure_ascii=True, sort_keys=True, default=str)
_PAYLOAD = json.JSONEncoder(ensure_ascii=True, sort_keys=True)


def encode(value: Any) -> str:
    """JSON with every non-ASCII and control character escaped, so no byte of a logged value
    can reach a terminal raw."""
    if value is None or value == "":
        return ""
    return _VALUES.encode(value)


def _digest(prev_hash: str, at: datetime, actor_id: int | None, fields: dict[str, Any]) -> str:
    """The hash of `_PAYLOAD.encode([prev_hash, at.isoformat(), actor_id, fields])`, the
    payload written out value by value (`fields` has `_fields`'s keys, here in sorted order)
    rather than by an encoder built for each event."""
    payload = (
        f"[{_TEXT(prev_hash)}, {_TEXT(at.isoformat())}, {_json(actor_id)}, "
        f'{{"action": {_json(fields["action"])}, "after": {_json(fields["after"])}, '
        f'"before": {_json(fields["before"])}, "target_id": {_json(fields["target_id"])}, '
        f'"target_kind": {_json(fields["target_kind"])}, "ticket": {_json(fields["ticket"])}}}]'
    )
    return hashlib.sha256(payload.encode()).hexdigest()


_TEXT = json.encoder.encode_basestring_ascii  # a text as `_PAYLOAD` writes it


def _json(value: Any) -> str:
    """`value` as `_PAYLOAD` writes it."""
    kind = type(value)
    if kind is str:
        return _TEXT(value)
    if kind is int:
        return str(value)
    if value is None:
        return "null"
    return _PAYLOAD.encode(value)


def record(
    actor_id: int | None, action: str, target_kind: str, target_id: int | None, **details: Any
) -> None:
    """Append one event outside a request's transaction (a refusal, a loader); `details` as
    `AuditWriter.record` takes them."""
    AuditWriter().record(actor_id, action, target_kind, target_id, **details)


class Event(NamedTuple):
    """One event of a batch: what `record` takes, for `AuditWriter.record_many`."""

    action: str
    target_kind: str
    target_id: int | None
    ticket: int | None = None
    before: Any = None
    after: Any = None


class AuditWriter:
    """The audit events of one write transaction: appended in it, their ids kept (`written`:
    the session's own changes) and, for an import, the chain's head kept in memory. A request
    holds one while it writes (`access.request.Request.writing`), with the session's clock,
    which every event's time is read from (the wall clock unless given one)."""

    def __init__(self, clock: Callable[[], datetime] = utcnow) -> None:
        self.clock = clock
        self.written: list[int] = []
        self._head: str | None = None  # the chain's head, while `chain_head_held`
        self._held: list[dict[str, Any]] | None = None  # rows not yet written, `events_held`

    def record(
        self,
        actor_id: int | None,
        action: str,
        target_kind: str,
        target_id: int | None,
        *,
        ticket: int | None = None,
        before: Any = None,
        after: Any = None,
        at: datetime | None = None,
    ) -> None:
        """Append one event, inside the write transaction of the change it describes. `at` is
        for loaders with their own clock (the demo); changes use the writer's clock."""
        at = at or self.clock()
        fields = _fields(action, target_kind, target_id, ticket, before, after)
        prev_hash = self._head_now()
        digest = _digest(prev_hash, at, actor_id, fields)
        row = {"at": at, "actor": actor_id, "prev_hash": prev_hash, "hash": digest, **fields}
        held = self._held if self._held is not None else _thread_rows()
        if held is not None:
            held.append(row)
        else:
            self.written.append(_INSERT.run(**row))
        self._advance(digest)

    def record_many(self, actor_id: int | None, events: list[Event]) -> None:
        """Append a batch of events, chained in order, in one insert: a bulk change writes its
        audit rows in its own transaction without reading the chain's head per row. A value
        several events share (the same object: a rule's `rule.acted` on each ticket) is
        encoded once."""
        if not events:
            return
        at = self.clock()
        prev_hash = self._head_now()
        rows = []
        spelled: dict[int, str] = {}  # by the value's id: `events` keeps every value alive
        for event in events:
            fields = _fields(*event, spelled=spelled)
            digest = _digest(prev_hash, at, actor_id, fields)
            rows.append(
                {"at": at, "actor": actor_id, "prev_hash": prev_hash, "hash": digest, **fields}
            )
            prev_hash = digest
        held = self._held if self._held is not None else _thread_rows()
        if held is not None:
            held.extend(rows)
        else:
            self.written.extend(_INSERT.run_many_returning(rows))
        self._advance(prev_hash)

    def _head_now(self) -> str:
        """The chain's head: kept by this writer, or by the thread's transaction
        (`thread_head_held`), else read."""
        if self._head is not None:
            return self._head
        held: str | None = getattr(_thread_head, "head", None)
        return _chain_head() if held is None else held

    def _advance(self, digest: str) -> None:
        if self._head is not None:
            self._head = digest
        if getattr(_thread_head, "head", None) is not None:
            _thread_head.head = digest

    @contextmanager
    def chain_head_held(self) -> Iterator[None]:
        """For a write transaction that appends many events (an import): the chain's head is
        read once and then kept in memory, instead of read back per event. Enter it inside the
        transaction, whose write lock keeps anyone else from appending meanwhile, and leave it
        with the transaction: a failure that rolls events back must end both."""
        self._head = _chain_head()
        try:
            yield
        finally:
            self._head = None

    @contextmanager
    def events_held(self) -> Iterator[None]:
        """Inside `chain_head_held`: the events recorded are chained as they come but kept in
        memory, and written in order, a few hundred rows per insert (their ids follow the
        chain), when the block ends or at `write_held`, which a caller about to read the log
        calls first. A failure drops them with the transaction it rolls back."""
        if self._head is None:
            raise RuntimeError("events are held only while the chain's head is")
        self._held = []
        try:
            yield
            self.write_held()
        finally:
            self._held = None

    def write_held(self) -> None:
        """The events held so far, written (nothing when none are held), the thread's
        (`thread_events_held`) with them."""
        write_thread_held()
        held = self._held
        if not held:
            return
        self._held = []
        self.written.extend(_written(held))


def _written(rows: list[dict[str, Any]]) -> list[int]:
    """`rows` inserted in order, a few hundred per statement, each sent while the one before
    it runs (`pipelined`); their ids."""
    with pipelined(database_proxy):
        sent = [
            _INSERT.sent_returning(rows[start : start + MOST_PREPARED_ROWS])
            for start in range(0, len(rows), MOST_PREPARED_ROWS)
        ]
    return [int(found) for cursor in sent for (found,) in cursor.fetchall()]


# The chain's head as the thread's write transaction keeps it for every writer in it.
_thread_head = threading.local()


@contextmanager
def thread_head_held() -> Iterator[None]:
    """For a write transaction in which many requests append events (a round of rules, each
    action a request of its rule's owner): the chain's head is read once and kept in memory
    for every `AuditWriter` of this thread until the transaction ends. Enter it inside the
    transaction, leave it with the transaction; a savepoint that rolls back sets the head back
    as it was (`head_kept`, `head_set_back`)."""
    _thread_head.head = _chain_head()
    try:
        yield
    finally:
        _thread_head.head = None


@contextmanager
def thread_events_held() -> Iterator[None]:
    """Inside `thread_head_held`: the events every writer of this thread records (each rule
    action's request, the rules' refusals) are chained as they come but kept in memory, and
    written in order, a few hundred rows per insert, when the block ends or at
    `write_thread_held` (which `AuditWriter.write_held` calls: a caller about to read the log
    calls that first). A failure drops them with the transaction it rolls back; a savepoint
    that rolls back drops those recorded in it (`head_kept`, `head_set_back`). Their ids are
    no session's own changes (`AuditWriter.written`): the writers are gone when they are
    written, and the sessions of a cascade of rules have no live feed to tell."""
    if getattr(_thread_head, "head", None) is None:
        raise RuntimeError("events are held only while the chain's head is")
    _thread_events.rows = []
    try:
        yield
        write_thread_held()
    finally:
        _thread_events.rows = None


_thread_events = threading.local()


def _thread_rows() -> list[dict[str, Any]] | None:
    rows: list[dict[str, Any]] | None = getattr(_thread_events, "rows", None)
    return rows


def write_thread_held() -> None:
    """The events `thread_events_held` keeps so far, written (nothing when none are held)."""
    rows = _thread_rows()
    if rows:
        _thread_events.rows = []
        _written(rows)


class Kept(NamedTuple):
    """What a savepoint that rolls back sets back: the chain's head the thread's transaction
    keeps, and how many events it holds."""

    head: str | None
    held: int


def head_kept() -> Kept:
    """The head the thread's transaction keeps (None when it keeps none) and the count of
    events it holds, to set back if a savepoint rolls back."""
    rows = _thread_rows()
    return Kept(getattr(_thread_head, "head", None), 0 if rows is None else len(rows))


def head_set_back(kept: Kept) -> None:
    """After a savepoint rolled back: the head as it was when the savepoint began, and the
    events held since dropped (those written since are rolled back with it)."""
    if kept.head is not None:
        _thread_head.head = kept.head
    rows = _thread_rows()
    if rows is not None:
        del rows[kept.held :]


# The columns of the rows `chained` gives, in order, for a bulk loader (`store.bulk`).
COLUMNS = (
    AuditEvent.at, AuditEvent.actor, AuditEvent.prev_hash, AuditEvent.hash, AuditEvent.action,
    AuditEvent.target_kind, AuditEvent.target_id, AuditEvent.ticket, AuditEvent.before,
    AuditEvent.after,
)  # fmt: skip


def chained(
    head: str | None, events: Iterable[tuple[datetime, int | None, Event]]
) -> tuple[list[tuple[object, ...]], str]:
    """Events a loader writes with their own times and actors (the demo: `(at, actor,
    event)`), as rows in the order of `COLUMNS`, chained from `head` (None: the chain's head
    now; for the next batch, what the last call returned); the rows and the new head. The
    loader inserts them in this order, so that their ids follow the chain."""
    head = _chain_head() if head is None else head
    rows: list[tuple[object, ...]] = []
    for at, actor, event in events:
        fields = _fields(*event)
        digest = _digest(head, at, actor, fields)
        rows.append((at, actor, head, digest, *fields.values()))
        head = digest
    return rows, head


def _chain_head() -> str:
    """The newest event's hash. Transactions hold the writers' lock from their start (`BEGIN
    IMMEDIATE`, or its PostgreSQL form in `store.postgres`), so two writers never extend the
    chain from the same head."""
    last = AuditEvent.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1).first()
    return last.hash if last else ""


def _fields(
    action: str,
    target_kind: str,
    target_id: int | None,
    ticket: int | None,
    before: Any,
    after: Any,
    *,
    spelled: dict[int, str] | None = None,
) -> dict[str, Any]:
    """An event's fields as stored and hashed; `spelled`: the values encoded so far, by id."""
    return {
        "action": action,
        "target_kind": target_kind,
        "target_id": target_id,
        "ticket": ticket,
        "before": _encoded(before, spelled),
        "after": _encoded(after, spelled),
    }


def _encoded(value: Any, spelled: dict[int, str] | None) -> str:
    if spelled is None or type(value) is not dict:
        return encode(value)
    found = spelled.get(id(value))
    if found is None:
        found = spelled[id(value)] = encode(value)
    return found


def verify_chain() -> int | None:
    """The id of the first event whose hash does not match, or None when the chain is whole."""
    prev_hash = ""
    for event in AuditEvent.select().order_by(AuditEvent.id):
        fields = {
            "action": event.action,
            "target_kind": event.target_kind,
            "target_id": event.target_id,
            "ticket": event.ticket,
            "before": event.before,
            "after": event.after,
        }
        if event.prev_hash != prev_hash or event.hash != _digest(
            prev_hash, event.at, event.actor_id, fields
        ):
            return event.id
        prev_hash = event.hash
    return None
