"""The gate: every read and every change a person makes goes through here.

Reads are scoped in SQL (`access.scope`); a ticket outside a person's scope is `NotFound`, never
`PermissionDenied`. Each change checks its permission, writes the change and its audit event in
one IMMEDIATE transaction, and otherwise raises having written nothing.

`GateBase` carries the parts still joined to the gate by inheritance (the ticket desk, the bulk
changes, the mail desk) over the same request context as the composed parts
(`access.request`): each public method of such a part opens one `Request`, which the part's
plumbing (`grants`, `_require`, `_writing`, `_record`, ...) finds for the call in progress.
A part composed as `access.request.Part` passes its request instead and needs none of this.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Concatenate, ParamSpec, TypeVar

import peewee

from access.catalogue import PermissionKey
from access.errors import Conflict
from access.grants import Grants
from access.request import Request, Session


class GateBase:
    """The acting person and the request in progress, for the parts joined by inheritance."""

    def __init__(self, db: peewee.Database, username: str) -> None:
        self._session = session = Session(db, username)
        self.username = session.username
        self.person_id: int = session.person_id
        self.own_changes = session.own_changes
        self._calls = threading.local()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Every public method of a part joined by inheritance is one request: the outermost
        call on a thread opens it, and the methods it calls run in it. Public methods are the
        product's operations, and each checks its right; the plumbing they share is private."""
        super().__init_subclass__(**kwargs)
        for name, member in list(vars(cls).items()):
            if not name.startswith("_") and inspect.isfunction(member):
                setattr(cls, name, _one_request(member))

    def _request(self) -> Request:
        """The request of the call in progress; outside any, a request of its own."""
        request: Request | None = getattr(self._calls, "request", None)
        return request if request is not None else Request(self._session)

    def grants(self) -> Grants:
        """The person's grants, read once per request; the ticket and mail parts' way to
        them (elsewhere `gate.me.grants()`). The person's own: needs no right."""
        return self._request().grants()

    def _require(self, permission: PermissionKey) -> Grants:
        return self._request().require(permission)

    @contextmanager
    def _writing(self) -> Iterator[None]:
        with self._request().writing():
            yield

    def _record(self, action: str, target_kind: str, target_id: int | None, **kw: Any) -> None:
        self._request().record(action, target_kind, target_id, **kw)

    def _record_denied(
        self, action: str, target_kind: str, target_id: int | None, why: str
    ) -> None:
        self._request().record_denied(action, target_kind, target_id, why)


Joined = TypeVar("Joined", bound=GateBase)
Params = ParamSpec("Params")
Result = TypeVar("Result")


def _one_request(
    method: Callable[Concatenate[Joined, Params], Result],
) -> Callable[Concatenate[Joined, Params], Result]:
    """`method` as a request: the outermost call on a thread opens it, its end closes it."""

    @functools.wraps(method)
    def request(self: Joined, /, *args: Params.args, **kwargs: Params.kwargs) -> Result:
        calls = self._calls
        if getattr(calls, "request", None) is not None:
            return method(self, *args, **kwargs)
        calls.request = Request(self._session)
        try:
            return method(self, *args, **kwargs)
        finally:
            calls.request = None

    return request


def conflict_if_stale(expected: int | None, actual: int, what: str) -> None:
    if expected is not None and expected != actual:
        raise Conflict(f"{what} was changed by someone else; reload it and try again")
