"""`ticketty serve`: intake and delivery, side by side until stopped.

Intake is the loop: each IMAP source gets a watcher, a thread holding its own connection in IDLE
(RFC 2177) that wakes the loop when the server announces new mail; the loop then fetches that
source at once. Watchers speak IMAP and nothing else. Every `interval` seconds the loop makes a
full pass anyway (servers without IDLE, a watcher between reconnects), and picks up sources
added, changed or archived meanwhile.

Delivery is a thread of its own with its own database connection (`ReplySender`), so that a
slow or silent SMTP server never holds a customer's mail back, nor the other way round. It is
woken by the store's change signal (a reply queued by anyone is sent at once), and every
`interval` seconds for the retries that came due.
"""

from __future__ import annotations

import imaplib
import queue
import select
import socket
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from access.errors import InvalidInput, PermissionDenied
from access.mail_accounts import SecretMissing, ServerUrl
from access.sla_rules import Duration
from access.sla_warnings import WARN_BEFORE
from mail.transport import MailServerError, idle, imap_folder, offers_idle
from store.changes import signal_for
from store.db import DatabaseError
from store.models import Source, database_proxy

if TYPE_CHECKING:
    from mail.channel import MailChannel
    from store.changes import ChangeSignal

Report = Callable[[str], None]
# RFC 2177: a client re-issues IDLE at least every 29 minutes, or the server may drop it.
IDLE_SECONDS = 25 * 60
# How often the sender asks SQLite's change signal (one PRAGMA, no page read), and at most how
# long it waits for PostgreSQL's before looking whether it should stop.
SIGNAL_SECONDS = 0.25


class IdleWatcher:
    """One source's IDLE connection, in a thread of its own; `wake(source)` on new mail, and
    once on each (re)connection for what came while it was not connected."""

    def __init__(
        self,
        source: str,
        url: ServerUrl,
        password: str,
        wake: Callable[[str], None],
        report: Report,
        retry_seconds: float,
    ) -> None:
        self.source = source
        self.url = url
        self.password = password
        self._wake = wake
        self._report = report
        self._retry_seconds = retry_seconds
        self._stopping = threading.Event()
        self._stop_read, self._stop_write = socket.socketpair()
        self._thread = threading.Thread(target=self._run, name=f"idle {source}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to end: it leaves IDLE (DONE) and logs out."""
        self._stopping.set()
        self._stop_write.send(b"x")

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)
        self._stop_read.close()
        self._stop_write.close()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                with imap_folder(self.url, self.password) as (conn, _validity):
                    if not offers_idle(conn):
                        self._report(f"{self.source}: the server offers no IDLE; polled instead")
                        return
                    self._report(f"{self.source}: waiting for mail in IMAP IDLE")
                    self._wake(self.source)
                    while not self._stopping.is_set():
                        if idle(conn, IDLE_SECONDS, self._stop_read):
                            self._wake(self.source)
            except (MailServerError, OSError, imaplib.IMAP4.error) as exc:
                if self._stopping.is_set():
                    return
                self._report(f"{self.source}: IDLE: {exc}; again in {self._retry_seconds:g} s")
                select.select([self._stop_read], [], [], self._retry_seconds)


class ReplySender:
    """Delivery for `serve`, in a thread of its own (and so with its own database connection).

    A pass sends what is due on each source. One runs at start, whenever the change signal
    moves (someone queued a reply) and every `interval` seconds. A source whose SMTP server
    could not be used is left alone until `interval` has passed, whatever the signal says (its
    own note of the failure moves the signal too). `failure`: what ended the thread, if
    anything but `stop` did."""

    def __init__(
        self, channel: MailChannel, interval: float, report: Report, on_failure: Callable[[], None]
    ) -> None:
        self.channel = channel
        self.interval = interval
        self.report = report
        self.failure: BaseException | None = None
        self._on_failure = on_failure
        self._stopping = threading.Event()
        self._resting: dict[str, float] = {}  # source name -> monotonic time to try again
        self._thread = threading.Thread(target=self._run, name="sender", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float) -> None:
        """Ask the thread to end and wait up to `timeout` seconds; a send in progress is
        left to its SMTP timeout (its claim runs out if the process ends first)."""
        self._stopping.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        signal = signal_for(database_proxy.obj)
        try:
            while not self._stopping.is_set():
                next_full = time.monotonic() + self.interval
                self._pass()
                self._wait(signal, next_full)
        except BaseException as exc:  # the thread's end must reach the loop, whatever it was
            self.failure = exc
            self._on_failure()
        finally:
            signal.close()
            if not database_proxy.is_closed():
                database_proxy.close()

    def _wait(self, signal: ChangeSignal, until: float) -> None:
        """Until the signal moves, `until` comes, or `stop`."""
        while not self._stopping.is_set():
            left = until - time.monotonic()
            if left <= 0:
                return
            if signal.moved(min(SIGNAL_SECONDS, left)):
                return
            if not signal.pushed:
                self._stopping.wait(min(SIGNAL_SECONDS, left))

    def _pass(self) -> None:
        now = time.monotonic()
        for source in self.channel.gate.mailboxes.open_mail_sources():
            if self._stopping.is_set():
                return
            if self._resting.get(source.name, 0) > now:
                continue
            try:
                self.channel.send(source, self.report)
            except (MailServerError, SecretMissing, DatabaseError) as exc:
                self.report(f"{source.name}: {exc}; sending again in {self.interval:g} s")
                self._resting[source.name] = time.monotonic() + self.interval


class MailService:
    """The loop of `ticketty serve` over `channel` (as a person holding `sources.edit`)."""

    def __init__(
        self,
        channel: MailChannel,
        interval: float,
        report: Report,
        warn_before: Duration = WARN_BEFORE,
    ) -> None:
        self.channel = channel
        self.warn_before = warn_before  # [sla] warn_before, or serve's --before
        self.gate = channel.gate
        self.interval = interval
        self.report = report
        self.watchers: dict[tuple[str, ServerUrl], IdleWatcher] = {}
        self._retired: list[IdleWatcher] = []
        self._woken: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._refused: set[str] = set()  # the timed passes the person may not run
        self._wake_read, self._wake_write = socket.socketpair()
        self.sender = ReplySender(channel, interval, report, lambda: self._wake(""))

    def run(self, stop: socket.socket, passes: int | None = None) -> None:
        """Until `stop` is readable (the signal handler writes to it), or after `passes` passes
        of the loop (each fetching, then running the timed passes); raises what ended the
        sender's thread, if it ended."""
        due: set[str] | None = None  # None: a full pass
        done = 0
        self.sender.start()
        try:
            while self.sender.failure is None:
                sources = self.gate.mailboxes.open_mail_sources()
                if due is None:
                    self._follow(sources)
                for source in sources:
                    if due is None or source.name in due:
                        self._fetch(source)
                    if _readable(stop, 0):
                        return
                self._timed_passes()
                done += 1
                if done == passes:
                    return
                readable, _, _ = select.select([stop, self._wake_read], [], [], self.interval)
                if stop in readable:
                    return
                due = self._woken_sources() if readable else None
            raise self.sender.failure
        finally:
            self.sender.stop(10)
            watchers = [*self.watchers.values(), *self._retired]
            for watcher in self.watchers.values():
                watcher.stop()
            for watcher in watchers:
                watcher.join(10)
            self._wake_read.close()
            self._wake_write.close()

    def _timed_passes(self) -> None:
        """What is due by the clock: the time rules (`gate.rules.run_time_rules`, each acting
        as its owner; needs `rules.list`), the service-level warnings (`gate.sla.warn_due`;
        needs `sla.list`) and the search index's scope written for the tickets whose scope
        changed (`gate.views.compact_search_scope`; needs `tickets.list`). One the person may
        not run is said once and not tried again."""
        passes = (
            ("time rules are not run", self.gate.rules.run_time_rules),
            ("service-level warnings are not made", self._warn_due),
            ("the search index's scope is not compacted", self.gate.views.compact_search_scope),
        )
        for what, run in passes:
            if what in self._refused:
                continue
            try:
                run()
            except PermissionDenied as exc:
                self._refused.add(what)
                self.report(f"{what}: {exc}")
            except DatabaseError as exc:
                self.report(f"{what}: {exc}")

    def _warn_due(self) -> None:
        self.gate.sla.warn_due(self.warn_before)

    def _fetch(self, source: Source) -> None:
        try:
            self.channel.fetch(source, self.report)
        except (MailServerError, SecretMissing, InvalidInput) as exc:
            self.report(f"{source.name}: {exc}")

    def _follow(self, sources: list[Source]) -> None:
        """A watcher per IMAP source as the sources are now: new ones started, those of
        sources gone, archived or moved to another server stopped, and one whose password
        changed (in the secrets file or the environment) started again with the new one."""
        wanted: dict[tuple[str, ServerUrl], str] = {}
        for source in sources:
            try:
                imap = self.gate.mailboxes.imap_login(source)
            except SecretMissing:
                continue  # the fetch pass says so
            if imap is not None:
                wanted[(source.name, imap[0])] = imap[1]
        for key in [k for k, w in self.watchers.items() if wanted.get(k) != w.password]:
            retired = self.watchers.pop(key)
            retired.stop()
            self._retired.append(retired)
        for key, password in wanted.items():
            if key not in self.watchers:
                watcher = IdleWatcher(
                    key[0], key[1], password, self._wake, self.report, self.interval
                )
                self.watchers[key] = watcher
                watcher.start()

    def _wake(self, source: str) -> None:
        """From a watcher's thread."""
        self._woken.put(source)
        self._wake_write.send(b"x")

    def _woken_sources(self) -> set[str]:
        while _readable(self._wake_read, 0):
            self._wake_read.recv(4096)
        names: set[str] = set()
        while not self._woken.empty():
            names.add(self._woken.get_nowait())
        return names


def _readable(sock: socket.socket, seconds: float) -> bool:
    return bool(select.select([sock], [], [], seconds)[0])
