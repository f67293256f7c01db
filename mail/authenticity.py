"""What a message proves about where it came from: whether it is a delivery report, which
recipients a report names, and whether the receiving server found its From forged (DMARC).

A stranger can write any header, so intake believes only two things. A bounce is a delivery
report (RFC 3464: `multipart/report; report-type=delivery-status`) naming a reply of ours and
the address it went to; a `postmaster@` sender or another kind of report is not one. And a
DMARC verdict is read from the topmost `Authentication-Results` header (RFC 8601) only: the
receiving server adds its own above every header the sender wrote, so the topmost is the
server's, and any lower one may be the sender's own invention. Should the server add none, a
sender's forged `dmarc=fail` only marks their own mail, and a forged `pass` gains them nothing
over writing no header at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from email.message import EmailMessage, Message
from email.utils import collapse_rfc2231_value

_RECIPIENT_FIELDS = ("final-recipient", "original-recipient")
_COMMENT = re.compile(r"\([^()]*\)")
_DMARC_FAIL = re.compile(r"(?:^|[\s;])dmarc\s*=\s*fail\b", re.IGNORECASE)


def is_delivery_report(message: EmailMessage) -> bool:
    """A delivery status notification: `multipart/report` with `report-type=delivery-status`."""
    if message.get_content_type() != "multipart/report":
        return False
    report_type = collapse_rfc2231_value(message.get_param("report-type") or "")
    return str(report_type).lower() == "delivery-status"


def reported_recipients(
    message: EmailMessage, kind_of: Callable[[Message], str] = Message.get_content_type
) -> tuple[str, ...]:
    """The recipients a delivery report speaks of (`Final-Recipient`, `Original-Recipient`),
    lower-cased, in order; `kind_of` tells a part's content type."""
    found: list[str] = []
    for part in message.walk():
        if kind_of(part) != "message/delivery-status":
            continue
        for block in _status_blocks(part):
            for name in _RECIPIENT_FIELDS:
                for value in block.get_all(name) or ():
                    address = str(value).partition(";")[2].strip().strip("<>").lower()
                    if address:
                        found.append(address)
    return tuple(dict.fromkeys(found))


def _status_blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, Message)]
    return []


def dmarc_failed(message: EmailMessage) -> bool:
    """True when the topmost `Authentication-Results` header says `dmarc=fail`."""
    for key, value in message.raw_items():
        if key.lower() == "authentication-results":
            return bool(_DMARC_FAIL.search(_COMMENT.sub(" ", str(value))))
    return False
