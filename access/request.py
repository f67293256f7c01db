"""The request context: who asks, their grants read once, and the transaction that writes a
change with its audit events. The gate's parts are built over one `Session` (the person a gate
acts for) and open one `Request` per call of a public method, which they pass to the private
code that call runs; nothing of a request outlives the call or is kept per thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

import peewee

from access.audit_actions import denied
from access.catalogue import PermissionKey
from access.errors import (
    AccessError,
    InvalidInput,
    NoChange,
    NoSuchPerson,
    PermissionDenied,
    UnknownPerson,
)
from access.file_limit import DEFAULT_FILE_LIMIT
from access.grants import Grants, read_grants
from access.own_changes import OwnChanges
from store.db import DatabaseError, describe_failure
from store.models import Person, Role, Source, Usergroup, database_proxy, utcnow

if TYPE_CHECKING:
    from access import audit

Clock = Callable[[], datetime]


class HeldReads:
    """The person's grants and what a request keeps in its memo (the service-level policies),
    shared by the requests of one write transaction (`Session.held`)."""

    __slots__ = ("grants", "memo")

    def __init__(self, grants: Grants) -> None:
        self.grants = grants
        self.memo: dict[str, object] = {}


class Session:
    """The person a gate acts for, as long as the gate is open: their name and id, the audit
    events their requests wrote (`own_changes`, which the live feed leaves out), and the clock
    their requests read "now" from (naive UTC; the wall clock unless given one): what is
    breached, due within a time, or to be warned of is counted from it, by the gate, the
    command line and the app alike, and every time a change records is read from it (a
    ticket's, a message's, an audit event's, the outbox's, a notification's); only who is on a
    ticket (presence, a lease kept in real time) reads the wall clock. And the size limit of
    the files its requests take (`access.file_limit`)."""

    def __init__(
        self,
        db: peewee.Database,
        username: str,
        clock: Clock | None = None,
        person_id: int | None = None,
    ) -> None:
        """`db` must be the database the models run on (the one `store.db.connect` opened
        last): statements and transactions go through `database_proxy`, so that a transaction
        and its statements always share one connection per thread. A session over another
        database would silently act on that one, so it is refused. An unknown name raises
        `NoSuchPerson`, a deactivated person `UnknownPerson`. Given `person_id` (the person
        checked by another process as the start began, `ticketty.opening_read`), it reads
        nothing: its first request reads the grants as any other."""
        if database_proxy.obj is not db:
            raise ValueError("the gate's database is not the one the models run on")
        grants = None
        if person_id is None:
            grants = read_grants(Person.username == username)
            if grants is None:
                raise NoSuchPerson(f"no person named {username!r}")
            if not grants.active:
                raise UnknownPerson(f"{username} is deactivated")
            person_id = grants.person_id
        self.username = username
        self.person_id: int = person_id
        self.own_changes = OwnChanges()
        self.clock: Clock = clock or utcnow
        # What the requests of one write transaction that makes many as this person (a round
        # of rules, `access.rule_runner`) read once: its lock keeps it as read until it ends,
        # when it is let go.
        self.held: HeldReads | None = None
        # The most bytes a file given to the gate may have (the gate sets its own).
        self.file_limit = DEFAULT_FILE_LIMIT
        self._first_grants: Grants | None = grants

    def first_grants(self) -> Grants | None:
        """The grants read as the session began, for the first request that asks for them
        (`Part._open_first`: the app's opening, made at once after), so that the session's
        first screen is read with one reading of them; None once taken."""
        grants, self._first_grants = self._first_grants, None
        return grants


class Request:
    """One call of one person: their grants are read at most once in it, however many checks
    it makes; a change is written in `writing()`, with its audit events (`record`)."""

    def __init__(self, session: Session, grants: Grants | None = None) -> None:
        """`grants`: the person's, when the request begins with them already read."""
        self.session = session
        self.username = session.username
        self.person_id = session.person_id
        self._grants: Grants | None = grants
        # When the call began, by the session's clock: what it writes happens from then on (a
        # service-level clock it ends is one that ended since, `access.due_times`).
        self.began = session.clock()
        # "Now" as the session's clock says it, read once: what the request counts due times
        # from (breached, due within, warnings).
        self.now = session.clock()
        # What the request's code reads once and uses again (the service-level policies).
        self.memo: dict[str, object] = {} if session.held is None else session.held.memo
        self._audit: audit.AuditWriter | None = None  # while `writing()`

    def clock(self) -> datetime:
        """Now by the session's clock, read again: the time a write records (a ticket's or a
        message's, an audit event's, a due time's "now"), so that a test that moves the
        gate's clock moves what the changes record with it."""
        return self.session.clock()

    def grants(self) -> Grants:
        """The person's grants as the request began to use them: a role change made by an
        admin meanwhile counts from the next request. Those the session holds for a write
        transaction (`Session.held`) are used as read."""
        if self._grants is None:
            held = self.session.held
            grants = held.grants if held is not None else read_grants(Person.id == self.person_id)
            if grants is None or not grants.active:
                raise UnknownPerson(f"{self.username} is deactivated")
            self._grants = grants
        return self._grants

    def require(self, permission: PermissionKey) -> Grants:
        """The grants, when they hold `permission` somewhere; else `PermissionDenied`."""
        grants = self.grants()
        if not grants.holds(permission):
            raise PermissionDenied(f"{self.username} lacks {permission}")
        return grants

    @contextmanager
    def writing(self) -> Iterator[None]:
        """One write transaction, writers serialised (BEGIN IMMEDIATE on SQLite, its
        PostgreSQL form in `store.postgres`); driver errors become one readable sentence. The
        audit events it records are the session's own (`own_changes`): known as such before
        COMMIT, so that the session's live feed never takes them for another's, and forgotten
        if the transaction fails. Nested, it is a savepoint of the outer one, whose events
        these are."""
        if self._audit is not None:
            with _transaction():
                yield
            return
        from access.audit import AuditWriter  # a read-only start does not load the writer

        own_changes = self.session.own_changes
        self._audit = writer = AuditWriter(self.session.clock)
        try:
            with _transaction():
                yield
                own_changes.add(writer.written)
        except BaseException:
            own_changes.forget(writer.written)
            raise
        finally:
            self._audit = None

    def _writer(self) -> audit.AuditWriter:
        if self._audit is None:
            raise RuntimeError("an audit event is recorded inside `writing()`")
        return self._audit

    def record(self, action: str, target_kind: str, target_id: int | None, **kw: Any) -> None:
        """An audit event by the person, inside `writing()`."""
        self._writer().record(self.person_id, action, target_kind, target_id, **kw)

    def record_many(self, events: list[audit.Event]) -> None:
        """A batch of audit events by the person in one insert, inside `writing()`."""
        self._writer().record_many(self.person_id, events)

    @contextmanager
    def chain_head_held(self) -> Iterator[None]:
        """Inside `writing()`: the audit chain's head kept in memory until the transaction
        ends (`audit.AuditWriter.chain_head_held`), for an import's many events."""
        with self._writer().chain_head_held():
            yield

    @contextmanager
    def events_held(self) -> Iterator[None]:
        """Inside `chain_head_held`: the events recorded kept in memory and written together
        when the block ends (`audit.AuditWriter.events_held`); call `write_held` before
        reading the audit log inside it."""
        with self._writer().events_held():
            yield

    def write_held(self) -> None:
        """The events `events_held` keeps so far, and those the thread's transaction keeps
        (`audit.thread_events_held`), written, for a read of the log that follows (the
        writer's `write_held` writes the thread's first)."""
        if self._audit is not None:
            self._audit.write_held()
            return
        from access import audit

        audit.write_thread_held()

    def record_denied(self, action: str, target_kind: str, target_id: int | None, why: str) -> None:
        """Refused attempts are logged too, in a transaction of their own (the refused change
        itself wrote nothing). A log that cannot be written must not hide the refusal."""
        from access import audit

        try:
            with database_proxy.atomic():
                audit.record(
                    self.person_id,
                    denied(action),
                    target_kind,
                    target_id,
                    after=why,
                    at=self.clock(),
                )
        except peewee.DatabaseError:
            pass

    def rename(
        self,
        row: Role | Usergroup | Source,
        new_name: str,
        expected_version: int | None,
        what: str,
        action: str,
    ) -> None:
        """Rename a role, usergroup or source inside the write transaction: the same name is no
        change, a taken one is refused, the version is compared and set, the rename audited."""
        from access.lookup import require_free_name
        from access.versions import TARGET_KIND, bump

        name = row.name
        if new_name == name:
            raise NoChange(f"{what} {name} is already so named; nothing changed")
        model = type(row)
        require_free_name(model.name, new_name, what)
        bump(row, expected_version, f"{what} {name}")
        model.update(name=new_name).where(model.id == row.id).execute()
        self.record(action, TARGET_KIND[model], row.id, before=name, after=new_name)

    def update_recorded(
        self,
        row: peewee.Model,
        changes: Mapping[peewee.Field, object],
        action: str,
        target_kind: str,
    ) -> None:
        """Write `changes` to `row` and audit them, each field's value before and after."""
        before = {f.name: getattr(row, f.name) for f in changes}
        model = type(row)
        model.update(changes).where(model._meta.primary_key == row.get_id()).execute()
        after = {f.name: v for f, v in changes.items()}
        self.record(action, target_kind, row.get_id(), before=before, after=after)


@contextmanager
def _transaction() -> Iterator[None]:
    from access import audit

    head = audit.head_kept()
    try:
        with database_proxy.atomic():
            yield
    except BaseException as exc:
        audit.head_set_back(head)  # the events it appended are rolled back with it
        if isinstance(exc, (AccessError, DatabaseError)) or not isinstance(
            exc, peewee.DatabaseError
        ):
            raise
        if isinstance(exc, peewee.IntegrityError):
            raise InvalidInput(f"that would break a rule of the data: {exc}") from exc
        raise DatabaseError(describe_failure(str(database_proxy.database), exc)) from exc


class Part:
    """One part of the gate (`gate.people`, `gate.roles`, ...), built over the gate's session.

    Its public methods are the product's operations, each one request: it opens it
    (`self._open()`), checks its right on it first, and hands it to the private code it runs,
    so that the grants are read once and nobody outside the gate writes an audit event or a
    change without a check. A public method never calls another public one (that would be a
    second request): both call the private form taking the request.
    tests/access/test_gate_boundary.py calls each public method as a person without rights."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def _open(self) -> Request:
        return Request(self._session)

    def _open_first(self) -> Request:
        """A request over the grants the session read as it began, if no request took them
        yet (`Session.first_grants`); else one that reads them, as any."""
        return Request(self._session, self._session.first_grants())
