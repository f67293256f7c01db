"""How mail facts read on a ticket, the same in the app and on the command line."""

from __future__ import annotations

from access.views import AttachmentView
from tui.safe_text import one_line


def delivery_text(state: str, error: str) -> str:
    """A reply's delivery: sent, waiting to send (with the last error), delayed by the
    receiving server (still trying), or failed with why."""
    if state == "sent":
        return "sent by mail"
    if state == "failed":
        return f"failed: {one_line(error)}"
    if state == "delayed":
        return "delayed: the receiving server is still trying" + (
            f" ({one_line(error)})" if error else ""
        )
    return "waiting to send" + (f" (last try: {one_line(error)})" if error else "")


def attachment_text(attachment: AttachmentView) -> str:
    """`[attachment 7] invoice.pdf (application/pdf, 16 bytes)`, all on one safe line."""
    kind = "inline image" if attachment.inline else "attachment"
    kept = "" if attachment.kept else ", over the size limit, not kept"
    what = f"{attachment.content_type}, {attachment.size} bytes{kept}"
    return f"[{kind} {attachment.id}] {one_line(attachment.filename)} ({one_line(what)})"
