"""How mail facts read on a ticket, the same in the app and on the command line."""

from __future__ import annotations

from access.views import AttachmentView, Posted, ReplyRoute
from access.vocabulary import DELAYED, FAILED, SENT, UNSENT
from wording.safe_text import one_line


def delivery_text(state: str, error: str) -> str:
    """A reply's delivery: sent, waiting to send (with the last error), delayed by the
    receiving server (still trying), failed with why, or not sent at all (its source has no
    outgoing channel)."""
    if state == SENT:
        return "sent by mail"
    if state == FAILED:
        return f"failed: {one_line(error)}"
    if state == DELAYED:
        return "delayed: the receiving server is still trying" + (
            f" ({one_line(error)})" if error else ""
        )
    if state == UNSENT:
        return f"not sent: {one_line(error)}"
    return "waiting to send" + (f" (last try: {one_line(error)})" if error else "")


def attachment_text(attachment: AttachmentView) -> str:
    """`[attachment 7] invoice.pdf (application/pdf, 16 bytes)`, all on one safe line."""
    kind = "inline image" if attachment.inline else "attachment"
    kept = "" if attachment.kept else ", over the size limit, not kept"
    what = f"{attachment.content_type}, {attachment.size} bytes{kept}"
    return f"[{kind} {attachment.id}] {one_line(attachment.filename)} ({one_line(what)})"


def route_text(route: ReplyRoute) -> str:
    """Where a reply goes, said before it is sent: "to jan@…, cc anna@… by e-mail from
    support@…" (without the right to see contacts: "and 2 copied addresses"), or "recorded on
    the ticket, not sent: Phone has no outgoing channel"."""
    if route.unsent:
        return f"recorded on the ticket, not sent: {one_line(route.unsent)}"
    to = one_line(route.recipient)
    if route.copies:
        to += f", cc {one_line(', '.join(route.copies))}"
    elif route.copied:
        to += f" and {route.copied} copied address{'es' if route.copied > 1 else ''}"
    text = f"to {to} by e-mail from {one_line(route.sender)}"
    return f"{text} ({one_line(route.problem)})" if route.problem else text


def posted_text(posted: Posted) -> str:
    """What became of a message written on a ticket, when there is more to it than "sent": a
    follow-up started, a reply not sent, a closed ticket that stays closed ("" otherwise)."""
    if posted.follow_up_of is not None:
        return f"sent as #{posted.ticket}, a follow-up of the closed #{posted.follow_up_of}"
    parts = []
    if posted.unsent:
        parts.append(f"recorded on #{posted.ticket}, not sent: {one_line(posted.unsent)}")
    if posted.stays_closed:
        parts.append(f"#{posted.ticket} stays closed")
    return "; ".join(parts)
