"""The Textual app: one person's session over the gate.

Every gate call runs in a thread worker; screens get results back on the event loop, except the
`Opening`, read before the event loop starts. What the person may do is read with it, and again
when others change their grants (`tui.live`), and cached for `check_action`, so the footer, the
command palette and the help show only actions they hold; the gate refuses the rest anyway.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen

from access import AccessError, Gate, UnknownPerson
from settings.config import Config
from store.db import WRITE_TIMEOUT
from store.models import utcnow
from tui.drafts import DraftKeeper, SafeQuestion, quit_question
from tui.gate_calls import GateCalls
from tui.live import LiveChange, OthersChanged, SessionEnded, Watcher
from tui.opening import Opening
from tui.presence import PresenceKeeper
from tui.widgets import TextModal, key_table
from wording.safe_text import one_line


def describe_error(exc: BaseException) -> str:
    """One sentence for a person: the gate's and the database's own messages are written so."""
    from store.db import DatabaseError

    if isinstance(exc, AccessError | DatabaseError):
        return str(exc)
    return f"unexpected error: {type(exc).__name__}: {exc}"


class TickettyApp(App[int]):
    """Ticketty for one person. `gate` acts as them; `clock` is injectable for stable tests."""

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
        config: Config | None = None,
        clock: Callable[[], datetime] | None = None,
        refresh_seconds: float = 0.5,
        opening: Opening | None = None,
    ) -> None:
        """Reads the `Opening` unless given it: build the app before its event loop runs, as
        `ticketty.launch.open_app` does. `home` makes the first screen (the inbox): the app is
        handed its screens, it does not import them."""
        super().__init__()
        self.gate = gate
        self.home_screen = home
        self.config = config or Config()
        gate.attachment_limit = self.config.attachment_limit_bytes  # a quarantined mail retried
        gate.message_limit = self.config.message_limit_bytes
        self.clock = clock or utcnow
        self.refresh_seconds = refresh_seconds
        self.opening = opening if opening is not None else Opening.read(gate)
        self.permissions = self.opening.permissions
        self.watcher = Watcher(self, gate, self.opening.last_change, refresh_seconds)
        # Replies and notes being written, per (ticket, kind), saved as they are typed.
        self.draft_keeper = DraftKeeper(self, gate, self._run_quietly)
        self.drafts = self.draft_keeper.texts
        self.presence: PresenceKeeper | None = None  # once the app runs (it keeps a timer)
        self.gate_calls = GateCalls()

    def on_mount(self) -> None:
        self.set_keymap(self.config.keymap)
        self.sub_title = one_line(self.gate.username)
        self.presence = PresenceKeeper(self, self.gate, self._run_quietly)
        self.push_screen(self.home_screen())
        # A thread of its own, not a worker: it runs as long as the app, and tests that wait
        # for the app's workers to finish would wait for ever.
        threading.Thread(target=self.watcher.run, name="ticketty-live", daemon=True).start()

    async def on_unmount(self) -> None:
        self.watcher.stop()
        await asyncio.to_thread(self.gate_calls.close, WRITE_TIMEOUT)

    def on_live_change(self, message: LiveChange) -> None:
        """Others changed something: new permissions first, then every open screen. The
        session's own change of grants only counts when what it may do differs."""
        changed = False
        if message.permissions is not None and message.permissions != self.permissions:
            self.permissions = message.permissions
            changed = True
        if not (message.changes.by_others or changed):
            return
        for screen in self.screen_stack:
            screen.post_message(OthersChanged(message.changes, changed))
            if changed:
                screen.refresh_bindings()

    def on_session_ended(self, message: SessionEnded) -> None:
        self.end_session(message.reason)

    def end_session(self, reason: str) -> None:
        """The person can no longer act (deactivated while connected): say so and end."""
        self.exit(4, return_code=4, message=f"ticketty: {one_line(reason)}; the session ends")

    def _run_quietly(self, call: Callable[[], None]) -> None:
        """Drafts and presence: in a thread of their own group, refusals said as any are."""
        self.run_gate(call, group="session")

    async def action_quit(self) -> None:
        """Quit; when drafts are kept, only once the person says so (No is the default)."""
        self.run_gate(self.gate.my_drafts, self._quit_unless_drafts, failed=self._exit_anyway)

    def _quit_unless_drafts(self, drafts: list[Any]) -> None:
        def answered(quit_anyway: bool | None) -> None:
            if quit_anyway:
                self._leave_then_exit()

        if drafts:
            self.push_screen(SafeQuestion(quit_question(drafts)), answered)
        else:
            self._leave_then_exit()

    def _leave_then_exit(self) -> None:
        """Say the session left its tickets, then end (the presence would expire anyway)."""
        presence = self.presence
        if presence is None or not presence.states:
            self.exit()
            return
        self.run_gate(presence.leave_all, lambda _: self.exit(), failed=self._exit_anyway)

    def _exit_anyway(self, _: Exception) -> None:
        self.exit()

    def run_gate(
        self,
        call: Callable[[], Any],
        done: Callable[[Any], None] | None = None,
        *,
        group: str = "gate",
        exclusive: bool = False,
        failed: Callable[[Exception], None] | None = None,
    ) -> None:
        """Run `call` (a gate request) in a thread worker; `done(result)` back on the event loop;
        a refusal or database error becomes a notification (then `failed(error)`, if given) and
        the app keeps running."""

        def work_in_thread() -> None:
            if not self.gate_calls.begin():
                return
            try:
                result = call()
            except UnknownPerson as exc:
                self.call_from_thread(self.end_session, str(exc))
                return
            except Exception as exc:  # shown to the person, never a crash
                self.call_from_thread(
                    self.notify, one_line(describe_error(exc)), severity="error", timeout=6
                )
                if failed is not None:
                    self.call_from_thread(failed, exc)
                return
            finally:
                self.gate_calls.end()
            if done is not None:
                self.call_from_thread(done, result)

        self.run_worker(
            work_in_thread, thread=True, group=group, exclusive=exclusive, exit_on_error=False
        )

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
