"""Wiring: open the store, put the person's gate over it, and start the app on the inbox.

The command reads what the first frame shows (the person, their permissions, the first page)
while Textual and the screens are imported (`ticketty.opening_read`): in a forked child where a
core is free, whose work then runs on it instead of between the imports on the interpreter's one
lock, in a thread otherwise."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, cast

from cli.output import EXIT_DATABASE, exit_code_of, fail
from cli.settled import is_driver_error
from settings.config import Config, load_config
from settings.layers import Settings, build_settings
from ticketty.late_gate import LateGate
from ticketty.opening_read import opening_reader

if TYPE_CHECKING:
    import peewee

    from access import Gate
    from access.inbound import MailReading
    from tui.app import TickettyApp
    from tui.opening import Opening


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
    """The app and its gate, made and not yet running."""

    def __init__(self, app: TickettyApp, gate: LateGate) -> None:
        self.app, self.gate = app, gate

    @property
    def db(self) -> peewee.Database:
        """The gate's database (`close()` it when done with an app not run)."""
        return self.gate.db

    def run(self) -> int:
        """Run the app until it ends; its exit code."""
        self.app.run()
        self.gate.close()
        return self.app.return_code or 0


def open_app(
    location: str,
    username: str,
    *,
    clock: Callable[[], datetime] | None = None,
    refresh_seconds: float = 0.5,
) -> OpenedApp | int:
    """Check the person and read the first frame's opening (`ticketty.opening_read`), and make
    the app over a gate made when first used (`ticketty.late_gate`); on error, one line and the
    exit code. `clock`: the gate's (the wall clock unless given)."""
    try:
        settings = build_settings(db=location, user=username, config=load_config())
        with opening_reader(
            settings.database, settings.username, clock, settings.attachment_limit_bytes
        ) as reading:
            import screens.inbox  # noqa: F401  # Textual and the screens, while it reads
            import tui.app  # noqa: F401

            person_id, opening = reading.result()
        gate = LateGate(
            settings.database,
            settings.username,
            person_id,
            clock=clock,
            file_limit=settings.attachment_limit_bytes,
        )
        app = build_app(
            cast("Gate", gate), settings=settings, refresh_seconds=refresh_seconds, opening=opening
        )
    except Exception as exc:
        if is_driver_error(exc):  # the first reads
            from store.db import describe_failure

            return fail(describe_failure(location, exc), EXIT_DATABASE)
        known = exit_code_of(exc)
        if known is None:
            raise
        return fail(str(exc), known)
    return OpenedApp(app, gate)
