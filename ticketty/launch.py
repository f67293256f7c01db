"""Wiring: open the store, put the person's gate over it, and start the app on the inbox.

The command reads what the first frame shows (the person, their permissions, the first page)
in a thread of its own while Textual and the screens are imported on the main one: the
database's work (a PostgreSQL server's, or SQLite's in C) then runs beside the imports instead
of after them (bench/NOTES.md)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import peewee

from access import Gate
from access.file_limit import DEFAULT_FILE_LIMIT
from access.request import Clock
from cli.output import EXIT_DATABASE, exit_code_of, fail
from settings.config import Config, load_config
from settings.layers import Settings, build_settings
from store.db import connect, describe_failure
from tui.opening import Opening

if TYPE_CHECKING:
    from access.inbound import MailReading
    from tui.app import TickettyApp


def mail_reading(settings: Settings) -> Callable[[], MailReading]:
    """What makes the mail channel's reader with the settings' limits: a quarantined message
    retried in the app and an attached mail opened are its uses, made when one comes, so the
    app starts without the channel."""

    def made() -> MailReading:
        from mail.channel import reading_of

        return reading_of(settings)

    return made


def build_app(
    gate: Gate,
    *,
    settings: Settings | None = None,
    refresh_seconds: float = 0.5,
    opening: Opening | None = None,
) -> TickettyApp:
    """The app as `gate`'s person, opening on the inbox (reads its first page now, unless
    given it); a quarantined message it retries is read by the mail channel with the
    settings' limits. The app counts time from the gate's clock (`gate.clock`)."""
    from screens.inbox import InboxScreen
    from tui.app import TickettyApp

    settings = settings or build_settings(user=gate.username, config=Config())
    return TickettyApp(
        gate,
        InboxScreen,
        settings=settings,
        refresh_seconds=refresh_seconds,
        mail_reading=mail_reading(settings),
        opening=opening,
    )


class OpenedApp:
    """The app and its database, made and not yet running."""

    def __init__(self, app: TickettyApp, db: peewee.Database) -> None:
        self.app, self.db = app, db

    def run(self) -> int:
        """Run the app until it ends; its exit code."""
        self.app.run()
        self.db.close()
        return self.app.return_code or 0


class OpeningRead:
    """The database opened, the person's gate made and the `Opening` read, in a thread started
    at once; `result` waits for it and raises what it raised.

    The thread closes its connection when done: the app's database work runs in its own
    threads, each with its own connection."""

    def __init__(
        self,
        location: str,
        username: str,
        clock: Clock | None = None,
        file_limit: int = DEFAULT_FILE_LIMIT,
    ) -> None:
        self.location, self.username, self.clock = location, username, clock
        self.file_limit = file_limit
        self._read: tuple[peewee.Database, Gate, Opening] | None = None
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="ticketty-opening", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            db = connect(self.location)
            try:
                gate = Gate(db, self.username, clock=self.clock, file_limit=self.file_limit)
                self._read = (db, gate, Opening.read(gate))
            finally:
                db.close()
        except BaseException as exc:  # handed to the main thread by `result`
            self._failure = exc

    def result(self) -> tuple[peewee.Database, Gate, Opening]:
        self._thread.join()
        if self._failure is not None:
            raise self._failure
        assert self._read is not None
        return self._read


def open_app(
    location: str,
    username: str,
    *,
    clock: Clock | None = None,
    refresh_seconds: float = 0.5,
) -> OpenedApp | int:
    """Open the database, check the person and make the app; on error, one line and the
    exit code. `clock`: the gate's (the wall clock unless given)."""
    try:
        settings = build_settings(db=location, user=username, config=load_config())
        reading = OpeningRead(
            settings.database, settings.username, clock, settings.attachment_limit_bytes
        )
        import screens.inbox  # noqa: F401  # Textual and the screens, while the thread reads
        import tui.app  # noqa: F401

        db, gate, opening = reading.result()
        app = build_app(gate, settings=settings, refresh_seconds=refresh_seconds, opening=opening)
    except peewee.DatabaseError as exc:  # the first reads (the person, the first page)
        return fail(describe_failure(location, exc), EXIT_DATABASE)
    except Exception as exc:
        known = exit_code_of(exc)
        if known is None:
            raise
        return fail(str(exc), known)
    return OpenedApp(app, db)
