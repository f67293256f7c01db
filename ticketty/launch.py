"""Wiring: open the store, put the person's gate over it, and start the app on the inbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import peewee

from access import Gate
from cli.output import EXIT_DATABASE, exit_code_of, fail
from mail.channel import reading_of
from screens.inbox import InboxScreen
from settings.config import Config, load_config
from settings.layers import Settings, build_settings
from store.db import connect, describe_failure
from tui.app import TickettyApp


def build_app(
    gate: Gate,
    *,
    settings: Settings | None = None,
    clock: Callable[[], datetime] | None = None,
    refresh_seconds: float = 0.5,
) -> TickettyApp:
    """The app as `gate`'s person, opening on the inbox (reads its first page now); a
    quarantined message it retries is read by the mail channel with the settings' limits."""
    settings = settings or build_settings(user=gate.username, config=Config())
    return TickettyApp(
        gate,
        InboxScreen,
        settings=settings,
        clock=clock,
        refresh_seconds=refresh_seconds,
        mail_reading=reading_of(settings),
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


def open_app(location: str, username: str) -> OpenedApp | int:
    """Open the database, check the person and make the app; on error, one line and the
    exit code."""
    try:
        settings = build_settings(db=location, user=username, config=load_config())
        db = connect(settings.database)
        app = build_app(Gate(db, settings.username), settings=settings)
    except peewee.DatabaseError as exc:  # the first reads (the person, the first page)
        return fail(describe_failure(location, exc), EXIT_DATABASE)
    except Exception as exc:
        known = exit_code_of(exc)
        if known is None:
            raise
        return fail(str(exc), known)
    return OpenedApp(app, db)
