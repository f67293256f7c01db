"""How a try to deliver a reply can fail, and the name a sending pass claims replies by."""

from __future__ import annotations

import os
import socket
import uuid

from store.errors import TickettyError


class PermanentFailure(TickettyError):
    """The server refused for good (a 5xx answer, a bad address): do not try again."""


class TemporaryFailure(TickettyError):
    """The server refused this reply for now (a 4xx answer to it); a later try may work."""


class ServerProblem(TickettyError):
    """The SMTP server could not be used at all: not reachable, no answer, login or TLS
    refused, no server or password set. Nothing is wrong with the replies: they wait for it,
    and no try is counted against them. `what` happened ("SMTP login refused") and the
    server's or the network's `detail`; neither names the account's user nor its password."""

    def __init__(self, what: str, detail: str) -> None:
        super().__init__(f"{what}: {detail}")
        self.what = what
        self.detail = detail


def sender_name() -> str:
    """A name for one sending pass, unique across hosts and processes."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
