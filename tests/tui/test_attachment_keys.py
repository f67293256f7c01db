"""Attachments from the app at 80x24: alt+a in a reply attaches a file (its path completes as
it is typed; a file over the gate's limit or unreadable is refused in one line) and the reply
leaves with it; `w` on the ticket picks one of its kept attachments, asks where (a folder takes
the file's own name, never a folder a name from mail holds), and asks before it replaces a
file."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Label

from access import Gate
from access.demo import DEMO_NOW
from screens.ticket_detail import TicketDetailScreen
from store.models import Attachment, Message, Ticket
from tests.backends import connect
from tests.mail.test_signatures import open_mail_ticket
from tests.tui_support import make_app, open_ticket, press, settle
from ticketty.launch import build_app
from tui.file_paths import PathModal, completed_path
from tui.widgets import ConfirmModal, PickerModal


def attach_two(demo: str) -> int:
    """Two attachments kept on the first message of an open ticket, and one over the limit."""
    connect(demo)
    number = Ticket.select().where(Ticket.status == "open").order_by(Ticket.number).first().number
    first = Message.select().where(Message.ticket == number).order_by(Message.id).first()
    for name, data, kept in (
        ("invoice.pdf", b"%PDF-1.4 invoice", True),
        ("../../photo.jpg", b"\xff\xd8 photo", True),
        ("huge.mov", b"", False),
    ):
        Attachment.create(
            message=first.id,
            filename=name,
            content_type="application/octet-stream",
            size=len(data) or 10**9,
            kept=kept,
            data=data,
        )
    return number


async def test_w_saves_an_attachment_and_asks_before_replacing_a_file(
    demo_copy: str, short_path: Path
) -> None:
    number = attach_two(demo_copy)
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ticket(pilot, number)
        await press(pilot, "w")
        picker = app.screen
        assert isinstance(picker, PickerModal)
        assert len(picker.choices) == 2  # the one over the limit was not kept
        await press(pilot, *"photo", "enter")
        assert isinstance(app.screen, PathModal)
        line = app.screen.query_one(Input)
        assert line.value == "photo.jpg"
        line.value = ""
        await pilot.press(*f"{short_path}/", "enter")  # a folder: the file's own name in it
        await settle(pilot)
        saved = short_path / "photo.jpg"
        assert saved.read_bytes() == b"\xff\xd8 photo"
        assert not (short_path.parent / "photo.jpg").exists()

        saved.write_bytes(b"mine")
        await press(pilot, "w", *"photo", "enter")
        app.screen.query_one(Input).value = ""
        await press(pilot, *str(saved), "enter")
        assert isinstance(app.screen, ConfirmModal)
        await press(pilot, "n")
        assert saved.read_bytes() == b"mine"
        await press(pilot, "w", *"invoice", "enter")
        app.screen.query_one(Input).value = ""
        await press(pilot, *str(saved), "enter", "y")
        assert saved.read_bytes() == b"%PDF-1.4 invoice"
    listed, data = Gate(connect(demo_copy), "ada").tickets.attachment(number, 1)
    assert data == b"%PDF-1.4 invoice" and listed.filename == "invoice.pdf"


def test_a_path_completes_from_the_names_in_its_folder(tmp_path: Path) -> None:
    (tmp_path / "reports").mkdir()
    (tmp_path / "refund.pdf").write_bytes(b"")
    (tmp_path / "refusal.txt").write_bytes(b"")
    assert completed_path(f"{tmp_path}/rep") == f"{tmp_path}/reports/"
    assert completed_path(f"{tmp_path}/ref") == f"{tmp_path}/refu"
    assert completed_path(f"{tmp_path}/refund") == f"{tmp_path}/refund.pdf"
    assert completed_path(f"{tmp_path}/x") is None
    assert completed_path(f"{tmp_path}/nowhere/a") is None


async def test_alt_a_attaches_files_to_a_reply_within_the_limit(
    demo_copy: str, short_path: Path
) -> None:
    form = short_path / "refund form.pdf"
    form.write_bytes(b"%PDF-1.4 form")
    (short_path / "film.mov").write_bytes(b"x" * 101)
    number = open_mail_ticket_number(demo_copy)
    # The gate's limit is the app's: the settings' own (25 MB) does not let a larger file in.
    app = build_app(
        Gate(connect(demo_copy), "tom", clock=lambda: DEMO_NOW, file_limit=100),
        refresh_seconds=3600,
    )
    assert app.settings.attachment_limit_bytes > 100
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_ticket(pilot, number)
        assert isinstance(screen, TicketDetailScreen)
        await press(pilot, "r", *"The form is attached.", "alt+a")
        assert isinstance(app.screen, PathModal)
        await pilot.press(*f"{short_path}/ref", "right", "enter")  # right takes the completion
        await settle(pilot)
        assert [f.filename for f in screen.composer.files] == ["refund form.pdf"]
        shown = str(screen.composer.query_one(".compose-files", Label).render())
        assert shown == "Attached: refund form.pdf (13 bytes)"
        for path, said in (
            ("film.mov", "film.mov is 101 bytes; the limit is 100 bytes"),
            ("gone.pdf", "cannot read"),
            ("", "is a folder"),
        ):
            await press(pilot, "alt+a", *f"{short_path}/{path}", "enter")
            assert said in str(list(app._notifications)[-1].message)
        assert len(screen.composer.files) == 1
        await press(pilot, "alt+a", *str(form), "enter", "alt+a", *str(form), "enter")
        assert len(screen.composer.files) == 3
        await pilot.press("alt+d", "alt+d")  # the last attached taken off, one at a time
        await settle(pilot)
        assert [f.filename for f in screen.composer.files] == ["refund form.pdf"]
        await press(pilot, "ctrl+s")
        assert screen.composer.files == []
    last = Gate(connect(demo_copy), "ada").tickets.get_ticket(number).messages[-1]
    assert last.body == "The form is attached."
    assert [(a.filename, a.content_type, a.size) for a in last.attachments] == [
        ("refund form.pdf", "application/pdf", 13)
    ]


def open_mail_ticket_number(demo: str) -> int:
    connect(demo)
    return open_mail_ticket().number
