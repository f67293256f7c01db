"""A draft survives the end of its session that nobody chose: `kill -9` of the app and a dropped
connection (the terminal closed under it, as sshd closes the pty: SIGHUP, then EOF). The app
runs as a person runs it, `python -m ticketty --db FILE --user tom`, in a real terminal (tmux,
80x24); the test reads what the screen shows and polls the database, never sleeping."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest

from access import Gate
from access.views import INBOX_DEFAULT
from tests.backends import connect

pytestmark = [
    pytest.mark.sqlite_only("the draft row is polled in the SQLite file"),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux"),
]

TEXT = "Your parcel left today"
TIMEOUT = 60.0


class Terminal:
    """A tmux server of the test's own, one window of 80x24 running the app."""

    def __init__(self, socket: str, location: str) -> None:
        self.socket = socket
        self.location = location

    def tmux(self, *args: str) -> str:
        command = ["tmux", "-L", self.socket, "-f", "/dev/null", *args]
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout

    def start(self) -> int:
        """Start the app as tom; its process id."""
        app = f"exec {sys.executable} -m ticketty --db {self.location} --user tom"
        self.tmux("new-session", "-d", "-s", "app", "-x", "80", "-y", "24", app)
        return int(self.tmux("display-message", "-p", "-t", "app", "#{pane_pid}").strip())

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.tmux("send-keys", "-t", "app", *(["-l"] if literal else []), *keys)

    def search_prompt(self) -> str:
        """Press `/` and wait a little for the inbox's search prompt."""
        self.keys("/")
        return self.wait_for("Search: words", 3)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "app")

    def wait_for(self, text: str, timeout: float = 0) -> str:
        shown = [""]

        def showing() -> str | None:
            shown[0] = self.screen()
            return shown[0] if text in shown[0] else None

        try:
            return until(showing, f"{text!r}", timeout or TIMEOUT)
        except AssertionError as exc:
            if timeout:
                return ""
            raise AssertionError(f"{exc}; the screen:\n{shown[0]}") from None

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


def until(found: Callable[[], str | None], what: str, timeout: float = TIMEOUT) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = found()
        if answer:
            return answer
        time.sleep(0.05)  # polling a condition, with a deadline
    raise AssertionError(f"waited {timeout:.0f} s in vain for {what}")


def saved_draft(location: str) -> str | None:
    connection = sqlite3.connect(location)
    try:
        row = connection.execute("SELECT body FROM draft WHERE kind = 'reply'").fetchone()
    finally:
        connection.close()
    return row[0] if row else None


@pytest.fixture
def setting(
    new_demo: Callable[..., str], request: pytest.FixtureRequest
) -> Iterator[tuple[Terminal, int]]:
    db_location = new_demo()
    gate = Gate(connect(db_location), "tom")
    number = gate.inbox.list_tickets(INBOX_DEFAULT, limit=1)[0].number
    terminal = Terminal(f"ticketty-{os.getpid()}-{request.node.name[-20:]}", db_location)
    yield terminal, number
    terminal.close()


def open_ticket(terminal: Terminal, number: int) -> str:
    """Search `#number` in the inbox and open it; the screen then."""
    terminal.wait_for("tickets · status")
    # A key sent while the app still sets up its first screen may go nowhere: send it again.
    until(lambda: terminal.search_prompt(), "the search prompt")
    terminal.keys(f"#{number}", literal=True)
    terminal.keys("Enter")
    terminal.wait_for("1 ticket")
    terminal.keys("Enter")
    return terminal.wait_for("Requester")


def write_a_reply(terminal: Terminal, number: int) -> int:
    pid = terminal.start()
    open_ticket(terminal, number)
    terminal.keys("r")
    terminal.wait_for("ctrl+s send")
    terminal.keys(TEXT, literal=True)
    terminal.wait_for(TEXT)
    until(lambda: saved_draft(terminal.location), "the draft row")  # saved as typed
    assert saved_draft(terminal.location) == TEXT
    return pid


def offered_again(terminal: Terminal, number: int) -> None:
    terminal.start()
    open_ticket(terminal, number)
    screen = terminal.wait_for("kept, r to continue")
    assert "reply draft of" in screen
    terminal.keys("r")
    assert TEXT in terminal.wait_for("ctrl+s send")


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_draft_survives_kill_9(setting: tuple[Terminal, int]) -> None:
    terminal, number = setting
    pid = write_a_reply(terminal, number)
    os.kill(pid, signal.SIGKILL)
    until(lambda: "gone" if gone(pid) else None, "the app to die")
    terminal.close()
    offered_again(terminal, number)


def test_a_draft_survives_a_dropped_connection(setting: tuple[Terminal, int]) -> None:
    terminal, number = setting
    pid = write_a_reply(terminal, number)
    terminal.close()  # the terminal's master side closes: SIGHUP and EOF, as sshd does
    until(lambda: "gone" if gone(pid) else None, "the app to end")
    assert saved_draft(terminal.location) == TEXT
    offered_again(terminal, number)
