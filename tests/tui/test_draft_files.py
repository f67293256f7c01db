"""The files attached to a reply are kept with its draft (Pilot, 80x24, both backends): leaving
the ticket and coming back, or a new app after the first one died mid-draft, finds them attached
again, their bytes kept even when the file on disk is gone; alt+d and discarding the draft drop
them, sending the reply takes them along."""

from __future__ import annotations

from pathlib import Path

from access import Gate
from store.models import DraftFile
from tests.backends import connect
from tests.tui.test_attachment_keys import open_mail_ticket_number
from tests.tui.test_drafts_presence_screens import until
from tests.tui_support import make_app, open_ticket, press, settle
from tui.ticket_composing import TicketComposingScreen
from tui.widgets import SafeQuestion


def kept_files(demo: str, number: int) -> list[tuple[str, bytes]]:
    """tom's reply draft's files on `number`, as the database holds them."""
    draft = Gate(connect(demo), "tom").drafts.drafts_on(number).get("reply")
    return [(f.filename, f.data) for f in draft.files] if draft else []


def body(demo: str, number: int) -> str | None:
    draft = Gate(connect(demo), "tom").drafts.drafts_on(number).get("reply")
    return draft.body if draft else None


def attached(screen: object) -> list[tuple[str, bytes]]:
    assert isinstance(screen, TicketComposingScreen) and screen.composer.is_open
    return [(f.filename, f.data) for f in screen.composer.files]


async def test_files_stay_with_the_draft_when_the_ticket_is_left(
    demo_copy: str, short_path: Path
) -> None:
    (short_path / "form.pdf").write_bytes(b"%PDF form")
    (short_path / "photo.jpg").write_bytes(b"\xff\xd8 photo")
    number = open_mail_ticket_number(demo_copy)
    app = make_app(demo_copy, "tom")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ticket(pilot, number)
        await press(pilot, "r", "alt+a", *str(short_path / "form.pdf"), "enter")
        await press(pilot, "alt+a", *str(short_path / "photo.jpg"), "enter", "alt+d")
        # Nothing typed yet: the draft holds the file alone.
        assert kept_files(demo_copy, number) == [("form.pdf", b"%PDF form")]
        await pilot.press("escape", "escape")  # the composer closed, the ticket left
        await settle(pilot)
        screen = await open_ticket(pilot, number)
        await press(pilot, "r")
        assert attached(screen) == [("form.pdf", b"%PDF form")]
        await press(pilot, "escape", "D")
        assert isinstance(app.screen, SafeQuestion)
        await press(pilot, "y")
        assert kept_files(demo_copy, number) == []
        await press(pilot, "r")
        assert attached(screen) == []
    connect(demo_copy)
    assert DraftFile.select().count() == 0


async def test_a_new_app_finds_the_files_of_one_that_died_mid_draft(
    demo_copy: str, short_path: Path
) -> None:
    form = short_path / "form.pdf"
    form.write_bytes(b"%PDF form")
    number = open_mail_ticket_number(demo_copy)
    first, second = make_app(demo_copy, "tom"), make_app(demo_copy, "tom")
    async with first.run_test(size=(80, 24)) as dying:
        await open_ticket(dying, number)
        await dying.press("r", *"Form attached", "alt+a", *str(form), "enter")
        await until(dying, lambda: body(demo_copy, number) == "Form attached", "the text saved")
        assert kept_files(demo_copy, number) == [("form.pdf", b"%PDF form")]
        form.unlink()  # gone from the disk meanwhile: its bytes are kept
        # The first app never closes its composer nor quits: to the database it died there.
        async with second.run_test(size=(80, 24)) as pilot:
            screen = await open_ticket(pilot, number)
            notice = str(screen.query_one("#draft-notice").render())
            assert "reply draft of " in notice and "with 1 file kept" in notice
            await press(pilot, "r")
            assert attached(screen) == [("form.pdf", b"%PDF form")]
            assert isinstance(screen, TicketComposingScreen)
            assert screen.composer.text == "Form attached"
            await press(pilot, "ctrl+s")
    last = Gate(connect(demo_copy), "ada").tickets.get_ticket(number).messages[-1]
    assert last.body == "Form attached"
    assert [(a.filename, a.size) for a in last.attachments] == [("form.pdf", 9)]
    assert kept_files(demo_copy, number) == []
    assert DraftFile.select().count() == 0
