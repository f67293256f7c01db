"""Files on the ticket screen. Saving an attachment (`w`): pick one of the kept attachments of
the ticket's messages, type where (a path with completion; a folder takes the file's own name),
say yes before a file already there is replaced; the bytes are read through the gate and
written off the event loop, and a file that cannot be written is said in one line. Attaching a
file to a reply (alt+a in the composer): its path with completion, read off the event loop
within the configured size limit (`attachment_limit_mb`), or refused in one line; kept with
the reply's draft before it shows as attached."""

from __future__ import annotations

import asyncio
import mimetypes
from collections.abc import Callable
from pathlib import Path

from access.errors import InvalidInput
from access.messages import NewFile
from access.views import AttachmentView, TicketDetail
from tui.composer import Composer
from tui.file_paths import PathModal, chosen_path, file_problem, read_within
from tui.gate_funnel import GateCallFailed
from tui.screen import TickettyScreen
from tui.widgets import ConfirmModal, PickerModal
from wording.mail_text import attachment_text
from wording.safe_text import one_line


def kept_attachments(detail: TicketDetail) -> list[AttachmentView]:
    """The attachments of the ticket's messages whose bytes were kept, oldest first."""
    return [a for message in detail.messages for a in message.attachments if a.kept]


def file_name(attachment: AttachmentView) -> str:
    """The attachment's name as a file here: its last part only (a name from mail may hold a
    folder, even `..`), never empty."""
    name = Path(one_line(attachment.filename).replace("\\", "/")).name
    return name if name not in ("", ".", "..") else f"attachment-{attachment.id}"


async def save_attachment_flow(screen: TickettyScreen[None], detail: TicketDetail) -> None:
    app, number = screen.app, detail.row.number
    kept = kept_attachments(detail)
    if not kept:
        screen.notify(f"#{number} has no attachment to save", severity="warning")
        return
    chosen = kept[0]
    if len(kept) > 1:
        choices = [(str(a.id), attachment_text(a)) for a in kept]
        picked = await app.asked(PickerModal(f"Save which attachment of #{number}?", choices))
        if picked is None:
            return
        chosen = next(a for a in kept if str(a.id) == picked)
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
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    file = NewFile(path.name, content_type, data)
    try:
        await screen.app.gate_call(lambda: keep(file))
    except GateCallFailed:
        return
    composer.add_file(file)
    composer.query_one("#compose-text").focus()
