"""The Textual app: one person's session over the gate.

Every gate call goes through one funnel, `gate_call` (`tui.gate_funnel`), awaited in a named
async worker that reads top to bottom (load, ask with `asked`, apply, reload), except the
`Opening`, read before the event loop starts. What the person may do is read with it, and again
when others change their grants (`tui.live`), and cached for `check_action`, so the footer, the
command palette and the help show only actions they hold; the gate refuses the rest anyway.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from contextlib import suppress
from datetime import datetime
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, get_current_worker

from access import UnknownPerson
from settings.config import Config
from settings.layers import Settings, build_settings
from tui.due_calendars import DueCalendars
from tui.gate_funnel import GateCallFailed, GateFunnel, describe_error, is_expected, log_unexpected
from tui.notifier import Notifier
from tui.opening import Opening
from tui.presence import PresenceKeeper
from wording.safe_text import one_line

if TYPE_CHECKING:
    from access import Gate
    from access.inbound import MailReading
    from tui.breach_watch import BreachWatch
    from tui.drafts import DraftKeeper
    from tui.live import LiveChange, NotificationsCounted, SessionEnded, Watcher

Result = TypeVar("Result")
Answer = TypeVar("Answer")


class TickettyApp(App[int]):
    """Ticketty for one person. `gate` acts as them; its clock (`gate.clock`) is the app's:
    the due column, the warnings and the ages count from it."""

    TITLE = "Ticketty"
    CSS_PATH = Path(__file__).with_name("app.tcss")
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Keys", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(
        self,
        gate: Gate,
        home: Callable[[], Screen[Any]],
        *,
        settings: Settings | None = None,
        refresh_seconds: float = 0.5,
        mail_reading: Callable[[], MailReading] | None = None,
        opening: Opening | None = None,
    ) -> None:
        """Reads the `Opening` unless given it: build the app before its event loop runs, as
        `ticketty.launch.open_app` does. `home` makes the first screen (the inbox): the app is
        handed its screens, it does not import them."""
        super().__init__()
        self.gate = gate
        self.home_screen = home
        # Built at start (`ticketty.launch`); else the defaults and the environment.
        self.settings = settings or build_settings(user=gate.username, config=Config())
        # How a quarantined message retried, or an attached mail opened, is read: the mail
        # channel's reader with the settings' limits, made by what the entry point hands in
        # (the app does not import mail, nor the start the channel).
        self.mail_reading = mail_reading
        self.clock: Callable[[], datetime] = gate.clock
        self.refresh_seconds = refresh_seconds
        self.opening = opening if opening is not None else Opening.read(gate)
        self.permissions = self.opening.permissions
        self.presence: PresenceKeeper | None = None  # after the first frame (it keeps a timer)
        # What the entry point runs once the first frame is drawn (`ticketty.collector.wake`).
        self.after_first_frame_calls: list[Callable[[], None]] = []
        self.gate_funnel = GateFunnel()
        self.gate_calls = self.gate_funnel.calls
        self.waiting_on_person: set[Worker[Any]] = set()  # flows waiting for an answer
        self.due_calendars = DueCalendars(self, self.opening.calendars)
        self.notifier = Notifier(self)
        self.watcher_thread: threading.Thread | None = None

    @cached_property
    def watcher(self) -> Watcher:
        """The live watcher, from the head read with the first page: made when its thread starts
        after the first frame (its module, the drafts' and the breach watch's are not loaded
        before)."""
        from tui.live import Watcher

        return Watcher(self, self.gate, self.opening.last_change, self.refresh_seconds)

    @cached_property
    def draft_keeper(self) -> DraftKeeper:
        """Replies and notes being written, per (ticket, kind), saved as they are typed: made
        when first asked for (the first frame shows none)."""
        from tui.drafts import DraftKeeper

        return DraftKeeper(self, self.gate, self.background_call)

    @property
    def drafts(self) -> dict[tuple[int, str], str]:
        return self.draft_keeper.texts

    @cached_property
    def breach_watch(self) -> BreachWatch:
        """The toasts of due times coming and passed: made when it starts, after the first frame
        (or when the due calendars change before)."""
        from tui.breach_watch import BreachWatch

        return BreachWatch(self, lambda: self.clock())

    def get_default_screen(self) -> Screen[Any]:
        """The home screen (the inbox) is the first of the stack: no blank screen beneath it
        is composed, styled and drawn before it."""
        return self.home_screen()

    def on_mount(self) -> None:
        self.set_keymap(dict(self.settings.keymap))
        self.sub_title = one_line(self.gate.username)
        self.call_after_refresh(self.after_first_frame)

    def after_first_frame(self) -> None:
        """What the first frame does not show starts once it is drawn: the person's presence,
        the watch on their due times, and the live watcher (with the unread count), whose
        head was read with the first page, so nothing changed meanwhile is missed."""
        for call in self.after_first_frame_calls:
            call()
        self.presence = PresenceKeeper(self, self.gate, self.background_call)
        self.presence.connect()
        self.breach_watch.start()
        # A thread of its own, not a worker: it runs as long as the app, and tests that wait
        # for the app's workers to finish would wait for ever.
        self.watcher_thread = threading.Thread(
            target=self.watcher.run, name="ticketty-live", daemon=True
        )
        self.watcher_thread.start()

    async def on_unmount(self) -> None:
        """The watcher ends and closes its connections before the app does (it stops within a
        fraction of a second, or when a statement under way returns)."""
        from access.database import WRITE_TIMEOUT

        self.watcher.stop()
        if self.watcher_thread is not None:
            await asyncio.to_thread(self.watcher_thread.join, WRITE_TIMEOUT)
        await asyncio.to_thread(self.gate_funnel.close, WRITE_TIMEOUT)

    def on_live_change(self, message: LiveChange) -> None:
        """Others changed something: new permissions first, then every open screen. The
        session's own change of grants only counts when what it may do differs."""
        from tui import live  # loaded by the watcher, which sent the message

        changed = False
        if message.permissions is not None and message.permissions != self.permissions:
            self.permissions = message.permissions
            changed = True
        self.due_calendars.changed(message.changes)
        if not (message.changes.by_others or changed):
            return
        self.breach_watch.others_changed(message.changes)
        for screen in self.screen_stack:
            screen.post_message(live.OthersChanged(message.changes, changed))
            if changed:
                screen.refresh_bindings()

    def on_notifications_counted(self, message: NotificationsCounted) -> None:
        arrived_after = self.notifier.counted(message.summary)
        self.show_unread()
        if arrived_after is not None:
            self.tell_notifications(arrived_after)

    @work(group="notifications", exit_on_error=False)
    async def tell_notifications(self, after: int) -> None:
        """Notifications newer than `after` arrived: read them and the person's settings,
        then toast and ring (`tui.notifier`)."""
        notifications = self.gate.notifications
        with suppress(GateCallFailed):
            arrived, settings = await self.gate_call(
                lambda: (
                    notifications.list_notifications(unread=True, after=after),
                    notifications.settings(),
                )
            )
            self.notifier.tell(arrived, settings)

    def show_unread(self) -> None:
        """The headers show the unread count (`format_title`); the app's title changing makes
        every header draw its title again."""
        suffix = self.notifier.title_suffix()
        self.title = f"{self.TITLE} · {suffix}" if suffix else self.TITLE

    def format_title(self, title: str, sub_title: str) -> Content:
        suffix = self.notifier.title_suffix()
        shown = super().format_title(title, sub_title)
        if not suffix or title.endswith(suffix):
            return shown
        return Content.assemble(shown, (f"  · {suffix}", "bold"))

    def write_to_terminal(self, sequence: str) -> None:
        """An escape sequence to the terminal, through Textual's driver (as its bell)."""
        if not self.is_headless and self._driver is not None:
            self._driver.write(sequence)

    def on_session_ended(self, message: SessionEnded) -> None:
        self.end_session(message.reason)

    def end_session(self, reason: str) -> None:
        """The person can no longer act (deactivated while connected): say so and end."""
        self.exit(4, return_code=4, message=f"ticketty: {one_line(reason)}; the session ends")

    @work(group="session", exit_on_error=False)
    async def background_call(self, call: Callable[[], None]) -> None:
        """Drafts and presence: a gate write the person does not wait on, fired as they type
        or move about; a refusal is said as any is."""
        with suppress(GateCallFailed):
            await self.gate_call(call)

    async def action_quit(self) -> None:
        self.quit_when_safe()

    @work(group="quit", exit_on_error=False)
    async def quit_when_safe(self) -> None:
        """Quit; when drafts are kept, only once the person says so (No is the default). The
        session then says it left its tickets (its presence would expire anyway)."""
        from tui.drafts import quit_question
        from tui.widgets import SafeQuestion

        try:
            drafts = await self.gate_call(self.gate.drafts.my_drafts)
        except GateCallFailed as failed:
            self._exit_anyway(failed.error)
            return
        if drafts and not await self.asked(SafeQuestion(quit_question(drafts))):
            return
        presence = self.presence
        if presence is not None:
            try:
                await self.gate_call(presence.leave_all)
            except GateCallFailed as failed:
                self._exit_anyway(failed.error)
                return
        self.exit()

    def _exit_anyway(self, error: Exception) -> None:
        """A failure on the way out ends the app all the same, unless the session was ended
        (its own exit code and message stand)."""
        if not isinstance(error, UnknownPerson):
            self.exit()

    async def gate_call(self, call: Callable[[], Result]) -> Result:
        """`call()` (a gate request) on the session's threads, awaited: its result, or
        `GateCallFailed` once the person was told what went wrong in one line (a person
        no longer allowed in ends the session). The one funnel of the app's gate calls."""
        try:
            return await self.gate_funnel.run(call)
        except UnknownPerson as exc:
            self.end_session(str(exc))
            raise GateCallFailed(exc) from exc
        except Exception as exc:  # shown to the person, never a crash
            line = one_line(self.failure_text(exc, call))
            self.notify(line, severity="error", timeout=6)
            raise GateCallFailed(exc) from exc

    async def asked(self, screen: Screen[Answer]) -> Answer:
        """In a flow: push `screen` (a question) and wait for its answer. The flow's worker
        waits on the person meanwhile (`waiting_on_person`), not on the app's work."""
        worker = get_current_worker()
        self.waiting_on_person.add(worker)
        try:
            return await self.push_screen_wait(screen)
        finally:
            self.waiting_on_person.discard(worker)

    def failure_text(self, exc: BaseException, call: object) -> str:
        """What tells the person that `call` failed with `exc`; the traceback of an exception
        the gate does not mean (a bug) goes to the log file, so that it is not lost."""
        if not is_expected(exc):
            log_unexpected(exc, getattr(call, "__qualname__", repr(call)))
        return describe_error(exc)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification is plain text, whatever the caller asked: they carry names and
        words people typed, and a `[/]` in one would end the app with a MarkupError."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def action_help_quit(self) -> None:
        """ctrl+c does not quit: say which key does, as plain text (notifications are)."""
        for key, active in self.active_bindings.items():
            if active.binding.action in ("quit", "app.quit"):
                self.notify(f"Press {key} to quit the app", title="Do you want to quit?")
                return

    def screen_keys(self, screen: Screen[Any]) -> list[tuple[str, Binding]]:
        """The person's keys on `screen`: each of Ticketty's bindings (they carry an id;
        Textual's own do not) that is enabled for them, once, with all its keys."""
        keys: dict[str, list[str]] = {}
        bindings: dict[str, Binding] = {}
        for _, binding, enabled, _ in screen.active_bindings.values():
            if not (enabled and binding.id and binding.description):
                continue
            keys.setdefault(binding.id, []).append(
                binding.key_display or self.get_key_display(binding)
            )
            bindings[binding.id] = binding
        return [("/".join(keys[i]), bindings[i]) for i in bindings]

    def action_help(self) -> None:
        from tui.widgets import TextModal, key_table

        keys = [(key, binding.description) for key, binding in self.screen_keys(self.screen)]
        keys.append(("^p", "Command palette: every action here, by name"))
        self.push_screen(TextModal("Keys of this screen", key_table(keys)))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The palette offers every action of the screen the person may take, once each,
        with its key; moving about is left to the keys."""
        for key, binding in self.screen_keys(screen):
            if binding.action.split("(")[0] in MOVES:
                continue
            yield SystemCommand(
                binding.description, f"key {key}", partial(screen.run_action, binding.action)
            )


# Actions that move the cursor or scroll: in the help, not in the palette.
MOVES = frozenset(
    {
        "cursor_down",
        "cursor_up",
        "page_down",
        "page_up",
        "first",
        "last",
        "scroll_down",
        "scroll_up",
        "scroll",
        "page",
        "jump",
    }
)
