"""An attached mail (`message/rfc822`, a `.eml` file) as a person reads it in the viewer: its
From, To, Cc, Date and Subject, its text (the plain part, else the text of its HTML), and its
own attachments by name, type and size; not its raw source. The mail is read by the mail
channel's parser (handed to the app, `TickettyApp.mail_reading`), as mail a customer sends is;
the text stays raw here, and the viewer shows it through `safe_text`."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import NamedTuple

from access.inbound import ParsedMail
from wording.file_text import SHOWN_LINES, media_type
from wording.mail_parts import MailFile
from wording.units import file_size

# The bytes of an attached mail read to show it: its text and the list of its files.
MAIL_SHOWN_BYTES = 2**20


def is_mail(content_type: str, filename: str) -> bool:
    """Whether the file is a mail shown as one: `message/rfc822`, or a `.eml` file of no
    particular type."""
    kind = media_type(content_type)
    if kind == "message/rfc822":
        return True
    suffix = PurePosixPath(filename.lower()).suffix
    return kind in ("", "application/octet-stream") and suffix == ".eml"


class ShownMail(NamedTuple):
    """What the viewer shows of a mail: its headers (name, value), its text, a line per file
    it carries, and a line saying what was left out ("" when nothing was)."""

    headers: tuple[tuple[str, str], ...]
    text: str
    files: tuple[str, ...]
    left_out: str


def shown_mail(
    mail: ParsedMail, size: int, read: int, files: tuple[MailFile, ...] | None = None
) -> ShownMail:
    """`mail`, read from the first `read` bytes of a file of `size`: its text's first
    `SHOWN_LINES` lines, its files (`files`: those listed over the whole file, for a mail read
    in part, `wording.mail_parts`)."""
    lines = mail.text.split("\n")
    left_out = []
    if len(lines) > SHOWN_LINES:
        left_out.append(f"Only the first {SHOWN_LINES:,} lines of its text shown.")
    if read < size and files is not None:
        left_out.append(
            f"Its text read from the first {file_size(read)} of this {file_size(size)} mail."
        )
    elif read < size:
        left_out.append(
            f"Only the first {file_size(read)} of this {file_size(size)} mail read: "
            "files past it are not listed."
        )
    if left_out:
        left_out.append("w saves the whole mail.")
    if files is not None:
        lines_of_files = tuple(_file_line(f.filename, f.content_type, f.size) for f in files)
    else:
        cut = read < size  # the last file read may go on past what was read
        last = len(mail.parts) - 1
        lines_of_files = tuple(
            _file_line(part.filename, part.content_type, part.size, cut and n == last)
            for n, part in enumerate(mail.parts)
        )
    return ShownMail(
        mail.headers, "\n".join(lines[:SHOWN_LINES]), lines_of_files, " ".join(left_out)
    )


def _file_line(filename: str, content_type: str, size: int, cut: bool = False) -> str:
    """A file of the mail: its name, type and size (at least that size when `cut`)."""
    kind = media_type(content_type) or "no stated type"
    shown = f"at least {file_size(size)}, cut" if cut else file_size(size)
    return f"{filename} ({kind}, {shown})"
