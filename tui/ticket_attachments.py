"""Files on the ticket screen. Saving an attachment (`w`): pick one of the kept attachments of the
ticket's messages, type where (a path with completion; a folder takes the file's own name), say
yes before a file already there is replaced; the bytes are read through the gate and written off
the event loop, and a file that cannot be written is said in one line. Opening one (`o`): a mail
(message/rfc822, .eml) is shown as a mail (`wording.mail_file`: its headers, text and files,
read by the mail channel's parser, and for a mail past its first megabyte its files listed as
the whole of it streams past, `wording.mail_parts`); a text file (text/*, JSON, CSV, XML, a
patch) is shown, its first part only when it is big, decoded and made safe for the terminal, in
a viewer that scrolls; any other file is said in one line (its type and size); `w` in the viewer
saves it. Attaching a file to a reply (alt+a in the composer): its path with completion, read
off the event loop within the configured size limit (`attachment_limit_mb`), or refused in one
line, its charset found once (`wording.file_text.attached_file`); kept with the reply's draft
before it shows as attached."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from rich.text import Text

from access.errors import InvalidInput
from access.file_limit import file_problem, read_within
from access.inbound import UnreadableMail
from access.messages import NewFile
from access.views import AttachmentView, TicketDetail
from tui.composer import Composer
from tui.file_paths import PathModal, chosen_path
from tui.gate_funnel import GateCallFailed
from tui.screen import TickettyScreen
from tui.widgets import ConfirmModal, FileViewer, PickerModal
from wording.file_text import (
    SHOWN_BYTES,
    attached_file,
    binary_line,
    is_text,
    looks_binary,
    media_type,
    shown_text,
)
from wording.mail_file import MAIL_SHOWN_BYTES, ShownMail, is_mail, shown_mail
from wording.mail_parts import MailFile, mail_files
from wording.mail_text import attachment_text
from wording.safe_text import as_text, one_line
from wording.units import file_size


def kept_attachments(detail: TicketDetail) -> list[AttachmentView]:
    """The attachments of the ticket's messages whose bytes were kept, oldest first."""
    return [a for message in detail.messages for a in message.attachments if a.kept]


def file_name(attachment: AttachmentView) -> str:
    """The attachment's name as a file here: its last part only (a name from mail may hold a
    folder, even `..`), never empty."""
    name = Path(one_line(attachment.filename).replace("\\", "/")).name
    return name if name not in ("", ".", "..") else f"attachment-{attachment.id}"


async def pick_attachment(
    screen: TickettyScreen[None], detail: TicketDetail, verb: str
) -> AttachmentView | None:
    """The only kept attachment of the ticket, or the one picked of several; None (said when
    there is none) to do nothing."""
    number = detail.row.number
    kept = kept_attachments(detail)
    if not kept:
        screen.notify(f"#{number} has no attachment to {verb.lower()}", severity="warning")
        return None
    if len(kept) == 1:
        return kept[0]
    choices = [(str(a.id), attachment_text(a)) for a in kept]
    picked = await screen.app.asked(PickerModal(f"{verb} which attachment of #{number}?", choices))
    return next((a for a in kept if str(a.id) == picked), None)


async def save_attachment_flow(
    screen: TickettyScreen[None], detail: TicketDetail, chosen: AttachmentView | None = None
) -> None:
    """Save `chosen`, or the attachment picked, where the person says."""
    app, number = screen.app, detail.row.number
    chosen = chosen or await pick_attachment(screen, detail, "Save")
    if chosen is None:
        return
    name = file_name(chosen)
    typed = await app.asked(PathModal(f"Save {name} as", name))
    if typed is None or not typed.strip():
        return
    target = chosen_path(typed, name)
    if await asyncio.to_thread(target.exists) and not await app.asked(
        ConfirmModal(f"{one_line(str(target))} exists. Replace it?")
    ):
        return
    try:
        _listed, data = await app.gate_call(
            lambda: screen.gate.tickets.attachment(number, chosen.id)
        )
    except GateCallFailed:
        return
    try:
        await asyncio.to_thread(target.write_bytes, data)
    except OSError as exc:
        screen.notify(one_line(f"could not write {target}: {file_problem(exc)}"), severity="error")
        return
    screen.notify(one_line(f"saved {name} ({len(data)} bytes) to {target}"))


async def open_attachment_flow(screen: TickettyScreen[None], detail: TicketDetail) -> None:
    """Show the attachment picked: a mail as a mail, a text file's start in a viewer, any
    other file said in one line; `w` in the viewer saves it."""
    chosen = await pick_attachment(screen, detail, "Open")
    if chosen is None:
        return
    number = detail.row.number
    mail = is_mail(chosen.content_type, chosen.filename) and screen.app.mail_reading is not None
    text = mail or is_text(chosen.content_type, chosen.filename)
    first = MAIL_SHOWN_BYTES if mail else SHOWN_BYTES if text else 0
    try:
        listed, data = await screen.app.gate_call(
            lambda: screen.gate.tickets.attachment(number, chosen.id, first=first)
        )
    except GateCallFailed:
        return
    what = f"{media_type(listed.content_type) or 'no stated type'}, {file_size(listed.size)}"
    title = f"#{number} {file_name(listed)} ({what})"
    shown = None
    if mail:
        files = None
        if len(data) < listed.size:  # listed over the whole mail, which is not held
            try:
                files = await screen.app.gate_call(lambda: _files_of(screen, number, chosen.id))
            except GateCallFailed:
                return
        shown = await asyncio.to_thread(_mail_view, screen, listed, data, files)
    if shown is None:
        shown = file_view(listed, data[:SHOWN_BYTES], text=text)
    viewer = FileViewer(title, shown)
    await screen.app.asked(viewer)
    if viewer.save_asked:
        await save_attachment_flow(screen, detail, listed)


def _files_of(
    screen: TickettyScreen[None], number: int, attachment_id: int
) -> tuple[MailFile, ...]:
    """The files an attached mail carries, its bytes read through a piece at a time. Blocking:
    a gate call."""
    _listed, pieces = screen.gate.tickets.attachment_pieces(number, attachment_id)
    return mail_files(pieces)


def _mail_view(
    screen: TickettyScreen[None],
    listed: AttachmentView,
    data: bytes,
    files: tuple[MailFile, ...] | None,
) -> Text | None:
    """An attached mail read by the mail channel's parser and shown as a mail (with `files`,
    when given, as the files it carries); None (shown as its source) when it cannot be read
    as one. Blocking: run it in a thread."""
    assert screen.app.mail_reading is not None
    try:
        mail = screen.app.mail_reading().read(data)
    except UnreadableMail:
        return None
    return mail_view(shown_mail(mail, listed.size, len(data), files))


def mail_view(mail: ShownMail) -> Text:
    """A mail's headers, text and files, each made safe."""
    view = Text()
    for name, value in mail.headers:
        view.append(f"{name}: ", "bold")
        view.append(as_text(one_line(value)))
        view.append("\n")
    view.append("\n")
    view.append(as_text(mail.text))
    if mail.files:
        view.append("\n\nFiles in it:\n", "bold")
        view.append(as_text("\n".join(f"  {one_line(f)}" for f in mail.files)))
    if mail.left_out:
        view.append("\n\n")
        view.append(as_text(mail.left_out, "bold reverse"))
    return view


def file_view(listed: AttachmentView, data: bytes, *, text: bool) -> Text:
    """What the viewer shows of a file whose first bytes are `data`: its text, made safe (and
    what is left out of it), or one line saying what it is."""
    if not text or looks_binary(data):
        return as_text(binary_line(file_name(listed), listed.content_type, listed.size))
    shown = shown_text(data, listed.content_type, listed.size)
    view = as_text(shown.text)
    if shown.left_out:
        view.append("\n\n")
        view.append(as_text(shown.left_out, "bold reverse"))
    return view


async def attach_file_flow(
    screen: TickettyScreen[None], composer: Composer, limit: int, keep: Callable[[NewFile], None]
) -> None:
    """`keep` (run in a thread) keeps the file with the draft before the composer shows it."""
    typed = await screen.app.asked(PathModal("Attach which file?"))
    if typed is None or not typed.strip():
        return
    path = chosen_path(typed)
    try:
        data = await asyncio.to_thread(read_within, path, limit)
    except InvalidInput as refused:  # FileRefused, or over the gate's limit
        screen.notify(one_line(str(refused)), severity="error", timeout=8)
        return
    file = attached_file(path.name, data)
    try:
        await screen.app.gate_call(lambda: keep(file))
    except GateCallFailed:
        return
    composer.add_file(file)
    composer.query_one("#compose-text").focus()
