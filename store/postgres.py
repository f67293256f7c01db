"""Opening PostgreSQL from a `postgresql://` URL: the URL parsed fully, driver and server errors
turned into one sentence that never shows the password (../shared/RELIABILITY.md)."""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime
from types import MappingProxyType, ModuleType
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, unquote, urlsplit

import peewee

from store.errors import EXIT_DATABASE, TickettyError

INSTALL_HINT = "pip install 'ticketty[postgres]'"


class BadLocation(TickettyError, ValueError):
    """The URL cannot be understood, or there is no driver to open it; the message is meant
    for a person and has no password."""

    exit_code = EXIT_DATABASE


class Location(NamedTuple):
    """A parsed URL: user and password percent-decoded, query options kept for the driver.
    A named tuple: its module loads before the first frame, where a dataclass costs more to
    define. Its text leaves out the password (and the options, which may hold one)."""

    database: str
    user: str | None = None
    password: str | None = None
    host: str | None = None
    port: int | None = None
    options: Mapping[str, str] = MappingProxyType({})

    def __repr__(self) -> str:
        return f"Location({self.shown()!r})"

    def shown(self) -> str:
        """The URL as it may be printed: without the password."""
        who = f"{self.user}@" if self.user else ""
        where = self.host or ""
        if self.port:
            where += f":{self.port}"
        return f"postgresql://{who}{where}/{self.database}"

    def driver_settings(self) -> dict[str, object]:
        settings: dict[str, object] = {**self.options}
        for key in ("user", "password", "host", "port"):
            value = getattr(self, key)
            if value is not None:
                settings[key] = value
        return settings


def parse(url: str) -> Location:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError as exc:
        raise BadLocation(f"the port in {_without_password(url)} is not a number") from exc
    database = unquote(parts.path.lstrip("/"))
    if not database:
        raise BadLocation(f"{_without_password(url)} names no database (…/DATABASE)")
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    return Location(
        database=database,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        host=unquote(parts.hostname) if parts.hostname else options.pop("host", None),
        port=port,
        options=options,
    )


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    return parts._replace(netloc=f"{parts.username}:***@{netloc[-1]}").geturl()


# The advisory lock key of Ticketty's transactions (any fixed number; "tckt" in ASCII).
WRITE_LOCK = 0x74636B74


class Psycopg3Driver(peewee.Psycopg3Adapter):
    """Peewee's psycopg 3 adapter, with the driver imported as it is first used: the first
    connection (`check_driver`, which peewee calls as each connection begins), or a value
    converted before it.

    Peewee takes the drivers it finds as it is imported; `store` imports peewee without
    psycopg, whose import costs a SQLite session more than the rest of the store (see
    store/__init__.py). So this adapter holds the driver and its constants itself, and a
    database made before its first connection (the app's, while the start's reader connects
    in another process: `ticketty.opening_read`) imports none of it."""

    def __init__(self) -> None:
        super().__init__()
        # Set by peewee from its own import of the driver, which found none: read from the
        # driver when first asked instead.
        del self.json_type, self.jsonb_type

    @functools.cached_property
    def driver(self) -> ModuleType:
        return import_driver()

    @functools.cached_property
    def json_type(self) -> type[Any]:
        json: type[Any] = self._json_module().Json
        return json

    @functools.cached_property
    def jsonb_type(self) -> type[Any]:
        jsonb: type[Any] = self._json_module().Jsonb
        return jsonb

    def _json_module(self) -> ModuleType:
        self.check_driver()
        from psycopg.types import json

        return json

    def check_driver(self) -> None:
        """Import the driver, if not yet, and take its constants."""
        status = self.driver.pq.TransactionStatus
        self.txn_idle, self.txn_inerror = status.IDLE, status.INERROR
        self.txn_unknown, self.txn_intrans = status.UNKNOWN, status.INTRANS

    def get_binary_type(self) -> Callable[[bytes], Any]:  # type: ignore[override]
        """What a blob field wraps its bytes in: the driver's `Binary`, looked up when the
        first bytes are wrapped (peewee asks as the models are bound to the database)."""

        def binary(value: bytes) -> Any:
            return self.driver.Binary(value)

        return binary

    def connect(self, db: peewee.PostgresqlDatabase, **params: Any) -> Any:
        if db.database.startswith("postgresql://"):
            params.setdefault("conninfo", db.database)
        else:
            params.setdefault("dbname", db.database)
        # Client-side parameter binding, as with psycopg2: the same SQL text works for
        # statements whose parameter types the server could not infer. Such a cursor never
        # prepares a statement, so the driver is not asked to count each statement's text,
        # values and all, towards preparing it (`store.dialect` prepares its own).
        params.setdefault("cursor_factory", self.driver.ClientCursor)
        params.setdefault("prepare_threshold", None)
        return self.driver.connect(**params)

    def server_side_cursor(self, conn: Any) -> Any:
        in_transaction = self.txn_status(conn) == self.txn_intrans
        return conn.cursor(name=str(uuid.uuid1()), withhold=not in_transaction)


class SerialisedPostgresqlDatabase(peewee.PostgresqlDatabase):
    """Transactions serialise as SQLite's BEGIN IMMEDIATE makes them: each takes Ticketty's
    advisory lock as it begins (one round trip with the BEGIN) and holds it to its end.

    READ COMMITTED alone lets two writers read the audit chain's head at once and fork the
    chain, and lets a change read a ticket version that a waiting writer is about to replace.
    Reads outside transactions (every screen and list) take no lock."""

    # Peewee picks one of these by the drivers it found when it was imported: either way, the
    # adapter that imports psycopg 3 now.
    psycopg2_adapter = psycopg3_adapter = Psycopg3Driver

    def execute_sql(self, sql: str, params: Any = None, *args: Any, **kwargs: Any) -> Any:
        if type(params) is CastArrays and all(map(_bound_in_binary, params)):
            from psycopg import Cursor  # imported with the connection

            with peewee.__exception_wrapper__:  # type: ignore[attr-defined]
                cursor = Cursor(self.connection())
                cursor.execute(sql.replace("%s", "%b"), params)
            return cursor
        if params and any(type(p) is list for p in params):
            params = [array_text(p) if type(p) is list else p for p in params]
        return super().execute_sql(sql, params, *args, **kwargs)

    def begin(self, isolation_level: int | str | None = None) -> None:
        # peewee's own wrapper, which turns driver errors into peewee's (not in its stubs).
        with peewee.__exception_wrapper__:  # type: ignore[attr-defined]
            self.cursor().execute(f"BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})")


class CastArrays(list[list[Any]]):
    """The parameters of a statement whose every parameter is an array that it casts to a
    column's type (`unnest(CAST(%s AS TEXT[]), ...)`), which `execute_sql` binds on the server
    in binary: the server then neither scans them out of the statement's text nor reads each
    value from its text (a mail batch's attachments, messages and audit events are most of an
    import's bytes). The cast makes each array's type the column's, whatever type the driver
    gives it; an array of anything but None and one of `_BINARY_KINDS` makes the statement go
    as any other."""


# What `CastArrays` binds in binary: lists of None and values all of one of these types, or
# of the driver's wrapper of bytes (a blob field's).
_BINARY_KINDS = frozenset({int, str, bool, date, datetime})


def _bound_in_binary(values: list[Any]) -> bool:
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if len(kinds) != 1:
        return not kinds
    (kind,) = kinds
    return kind in _BINARY_KINDS or kind is _binary()


def array_text(values: list[Any]) -> str | list[Any]:
    """An array parameter (`= ANY(%s)`, `unnest(CAST(%s AS INTEGER[]))`) as PostgreSQL's text
    of an array, `{1,2,NULL}`, `{"a \\"b\\"",NULL}`, when each value is None, a whole number, a
    boolean, a text, a time without a zone or bytes (a blob field's); the list as it is
    otherwise (psycopg writes it, a value at a time in Python, several times slower). Without
    a type: the statement names it, or the column compared to it does.

    A list of whole numbers, of texts or of times alone (most of a bulk insert's columns) is
    written by a few calls over the whole list (`_alike_text`); any other, value by value."""
    return _alike_text(values) or _each_text(values)


def _alike_text(values: list[Any]) -> str | None:
    """`array_text` of a list whose values are all whole numbers (or None), all texts or all
    times without a zone, as `_each_text` writes it; None for any other list. A text holding
    NUL, which PostgreSQL's text cannot, is left to `_each_text` (and the server's refusal)."""
    kinds = set(map(type, values))
    if kinds == {int} or kinds == {int, type(None)}:
        return "{" + ",".join(map(str, values)).replace("None", "NULL") + "}"
    if kinds == {str}:
        joined = "\0".join(values)
        if joined.count("\0") != len(values) - 1:
            return None
        if "\\" in joined or '"' in joined:
            joined = joined.replace("\\", "\\\\").replace('"', '\\"')
        return '{"' + joined.replace("\0", '","') + '"}'
    if kinds == {datetime}:
        distinct = set(values)  # a bulk write's times are mostly one
        if all(value.tzinfo is None for value in distinct):
            spelled = {value: f'"{value.isoformat(" ")}"' for value in distinct}
            return "{" + ",".join(map(spelled.__getitem__, values)) + "}"
    return None


def _each_text(values: list[Any]) -> str | list[Any]:
    parts = []
    for value in values:
        kind = type(value)
        if value is None:
            parts.append("NULL")
        elif kind is bool:
            parts.append("t" if value else "f")
        elif kind is int:
            parts.append(str(value))
        elif kind is str:
            parts.append('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')
        elif kind is datetime and value.tzinfo is None:
            parts.append(f'"{value.isoformat(" ")}"')
        elif kind is _binary() and type(value.obj) is bytes:  # a blob field's, as bytea's hex
            parts.append('"\\\\x' + value.obj.hex() + '"')
        else:
            return values
    return "{" + ",".join(parts) + "}"


@functools.cache
def _binary() -> type:
    """The driver's wrapper of bytes, which a blob field's `db_value` gives."""
    from psycopg.dbapi20 import Binary

    return Binary


def import_driver() -> ModuleType:
    """psycopg, imported with its version and psycopg-binary's already known.

    Both read their own version as they are imported (`psycopg.version`,
    `psycopg_binary.version`) through `importlib.metadata`, whose import (the e-mail parser,
    zipfile, csv) costs more than the reading. The version is the one in the name of the
    package's installed metadata folder, so it is read from there where there is exactly one
    such folder beside the package, and through `importlib.metadata` otherwise."""
    listed: dict[str, list[str]] = {}
    for package in ("psycopg", "psycopg_binary"):
        _version_known(package, listed)
    import psycopg

    return psycopg


def _version_known(package: str, listed: dict[str, list[str]]) -> None:
    """Set `package.version` to a module holding the version its metadata folder's name says.

    `listed`: the names in each folder already listed (both packages are usually in one)."""
    if f"{package}.version" in sys.modules:
        return
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return
    site = os.path.dirname(next(iter(spec.submodule_search_locations)))
    if site not in listed:
        listed[site] = os.listdir(site)
    prefix, suffix = f"{package}-", ".dist-info"
    installed = [n for n in listed[site] if n.startswith(prefix) and n.endswith(suffix)]
    if len(installed) == 1:
        known = ModuleType(f"{package}.version")
        version = installed[0][len(prefix) : -len(suffix)]
        setattr(known, "__version__", version)  # noqa: B010  # a module made here, not a class
        sys.modules[f"{package}.version"] = known


def open_database(location: Location) -> peewee.PostgresqlDatabase:
    """The peewee database on psycopg 3, not yet connected: the driver is imported at the
    first connection (`Psycopg3Driver`), its presence checked now."""
    if importlib.util.find_spec("psycopg") is None:
        # Before peewee sees the database: its binary fields ask the driver at binding time.
        raise BadLocation(f"PostgreSQL needs its driver: {INSTALL_HINT}")
    settings: dict[str, Any] = location.driver_settings()
    return SerialisedPostgresqlDatabase(
        location.database, prefer_psycopg3=True, field_types=TEXT_TYPES, **settings
    )


# Text sorts bytewise, as on SQLite, whatever the server's or the database's locale.
TEXT_TYPES = {"TEXT": 'TEXT COLLATE "C"'}


def describe(location: Location, exc: BaseException) -> str | None:
    """One sentence for a failure to connect, or None when it is not one of those."""
    if isinstance(exc, peewee.ImproperlyConfigured):
        return f"PostgreSQL needs its driver: {INSTALL_HINT}"
    text = str(exc)
    if location.password:
        text = text.replace(location.password, "***")
    lowered = text.lower()
    where = f"{location.host or 'localhost'}:{location.port or 5432}"
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return f"the PostgreSQL server at {where} refused the credentials of {location.user}"
    if f'database "{location.database.lower()}" does not exist' in lowered:
        return (
            f"no database {location.database} on the PostgreSQL server at {where}; "
            f"create it with `createdb {location.database}`"
        )
    if "role" in lowered and "does not exist" in lowered:
        return f"the PostgreSQL server at {where} has no user {location.user}"
    if (
        "connection refused" in lowered
        or "could not translate host name" in lowered
        or "timeout expired" in lowered
        or "no such file or directory" in lowered
    ):
        return f"cannot reach the PostgreSQL server at {where}"
    if "connection failed" in lowered:
        reason = text.strip().splitlines()[0].rsplit("failed: ", 1)[-1]
        return f"cannot connect to the PostgreSQL server at {where}: {reason}"
    return None
