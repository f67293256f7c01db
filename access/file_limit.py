"""The size limit of a file given to the gate: a reply's files and those kept with a reply
draft, from the app or the command line alike. The limit is the gate's (`Gate(...,
file_limit=...)`, from `attachment_limit_mb` in the configuration file, 25 MB unless set), so
no channel takes a file the others would refuse. Mail a customer sends is the mail channel's:
a file over its limit is listed on the ticket, not kept (`access.intake`)."""

from __future__ import annotations

from access.errors import InvalidInput

# The limit unless configured; the mail channel's for a customer's files too
# (`access.inbound.DEFAULT_ATTACHMENT_LIMIT`).
DEFAULT_FILE_LIMIT = 25 * 2**20


class FileTooLarge(InvalidInput):
    """A file over the gate's size limit; nothing was written."""


def refuse_over_limit(filename: str, size: int, limit: int) -> None:
    """`FileTooLarge` when a file of `size` bytes is over `limit`."""
    if size > limit:
        raise FileTooLarge(
            f"{filename} is {size_text(size)}; the limit is {size_text(limit)} "
            "(attachment_limit_mb in the configuration file)"
        )


def size_text(size: int) -> str:
    """A file's size for a person: bytes below a megabyte, else megabytes."""
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{size} bytes"
