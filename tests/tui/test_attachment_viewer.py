"""`o` on the ticket screen opens an attachment at 80x24: a text file (a mail, a CSV, a patch,
JSON…) in a viewer that scrolls, decoded by its charset, its escape codes and markup shown and
never obeyed, a big one's first part only with a line saying how much is left out; any other
file said in one line, `w` saving it; a note's file unreachable without the right to notes."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Static

from access import Gate, NotFound
from access.vocabulary import NOTE
from screens.ticket_detail import TicketDetailScreen
from store.models import Attachment, Message, Ticket
from tests.backends import connect
from tests.tui_support import make_app, open_ticket, press, settle
from tui.file_paths import PathModal
from tui.widgets import FileViewer, PickerModal
from wording.file_text import SHOWN_BYTES, SHOWN_LINES, decoded, is_text, looks_binary

HOSTILE = (
    "Dear team,\n"
    "\x1b[2J\x1b]0;owned\x07 [bold red]not bold[/] [link=http://x]click[/link]\n"
    "Zażółć gęślą jaźń - the invoice is attached.\n"
    "\x9b31mred by C1\n"
)


def attach(number: int, name: str, content_type: str, data: bytes, *, kind: str = "") -> int:
    """A kept attachment on the ticket's first message (its first note with `kind=NOTE`)."""
    messages = Message.select().where(Message.ticket == number).order_by(Message.id)
    message = (messages.where(Message.kind == kind) if kind else messages).first()
    assert message is not None
    attachment = Attachment.create(
        message=message.id, filename=name, content_type=content_type, size=len(data), data=data
    )
    return int(attachment.id)


def an_open_ticket(demo: str) -> int:
    connect(demo)
    return int(
        Ticket.select().where(Ticket.status == "open").order_by(Ticket.number).first().number
    )


def ticket_with_note(demo: str) -> int:
    """A ticket vic (no right to notes) may open, with a note on it."""
    connect(demo)
    vic = Gate(connect(demo), "vic")
    seen = {r.number for r in vic.inbox.list_tickets(limit=100)}
    noted = Message.select(Message.ticket).where(Message.kind == NOTE).order_by(Message.ticket)
    return next(m.ticket_id for m in noted if m.ticket_id in seen)


def shown(app_screen: FileViewer) -> str:
    return str(app_screen.query_one("#text-scroll Static", Static).render())


async def test_o_shows_a_hostile_text_file_decoded_and_safe(demo_copy: str) -> None:
    number = an_open_ticket(demo_copy)
    attach(number, "mail.txt", "text/plain; charset=iso-8859-2", HOSTILE.encode("iso-8859-2"))
    attach(number, "photo.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 3000)
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ticket(pilot, number)
        await press(pilot, "o")
        assert isinstance(app.screen, PickerModal)
        await press(pilot, *"mail.txt", "enter")
        viewer = app.screen
        assert isinstance(viewer, FileViewer)
        text = shown(viewer)
        assert "Zażółć gęślą jaźń" in text
        assert "\x1b" not in text and "␛[2J" in text and "␇" in text
        assert "[bold red]not bold[/]" in text and "<U+009B>31mred by C1" in text
        assert "left out" not in text
        await press(pilot, "escape")
        assert isinstance(app.screen, TicketDetailScreen)

        await press(pilot, "o", *"photo", "enter")
        assert isinstance(app.screen, FileViewer)
        assert shown(app.screen) == "photo.png is image/png, 2.9 KB: not shown as text. w saves it."


async def test_a_big_text_file_shows_its_first_part_and_w_saves_it_whole(
    demo_copy: str, short_path: Path
) -> None:
    number = an_open_ticket(demo_copy)
    data = "".join(f"{n};ręka;{n * 7}\n" for n in range(200_000)).encode()
    attach(number, "export.csv", "text/csv", data)
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ticket(pilot, number)
        await pilot.press("o")  # the only file: no picker
        await settle(pilot)
        viewer = app.screen
        assert isinstance(viewer, FileViewer)
        text = shown(viewer)
        assert text.startswith("0;ręka;0\n1;ręka;7\n")
        assert len(text) < SHOWN_BYTES
        assert f"{SHOWN_LINES - 1};ręka;" in text and f"\n{SHOWN_LINES};ręka;" not in text
        assert text.endswith(
            "Only the first 30.6 KB (2,000 lines) of 3.7 MB shown: "
            "3.7 MB left out. w saves the whole file."
        )
        await press(pilot, "G", "w")
        assert isinstance(app.screen, PathModal)
        app.screen.query_one(Input).value = ""
        await press(pilot, *str(short_path / "export.csv"), "enter")
    assert (short_path / "export.csv").read_bytes() == data


async def test_a_notes_file_stays_out_of_reach_without_the_right_to_notes(
    demo_copy: str,
) -> None:
    number = ticket_with_note(demo_copy)
    hidden = attach(number, "secret.txt", "text/plain", b"internal only", kind=NOTE)
    with pytest.raises(NotFound):
        Gate(connect(demo_copy), "vic").tickets.attachment(number, hidden, first=10)
    ada = Gate(connect(demo_copy), "ada")
    assert ada.tickets.attachment(number, hidden, first=8)[1] == b"internal"
    assert ada.tickets.attachment(number, hidden, first=10**6)[1] == b"internal only"
    assert ada.tickets.attachment(number, hidden, first=0)[1] == b""
    app = make_app(demo_copy, "vic")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_ticket(pilot, number)
        assert isinstance(screen, TicketDetailScreen)
        assert screen.check_action("open_attachment", ()) is False  # not in the footer
        await press(pilot, "o")
        assert app.screen is screen
    attach(number, "public.txt", "text/plain", b"for the customer")
    app = make_app(demo_copy, "vic")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ticket(pilot, number)
        await pilot.press("o")  # the one file vic may read, no picker offering the note's
        await settle(pilot)
        assert isinstance(app.screen, FileViewer)
        assert shown(app.screen) == "for the customer"


def test_the_viewer_of_a_hostile_file(snap_compare, demo_copy: str) -> None:
    """The viewer over the whole 80x24 screen: escape codes as their pictures, markup as typed,
    a bidi override as its code point."""
    number = an_open_ticket(demo_copy)
    hostile = HOSTILE + "\u202eexe.pdf\n" + "".join(f"line {n}\n" for n in range(40))
    attach(number, "hostile.txt", "text/plain", hostile.encode())

    async def open_it(pilot) -> None:
        await open_ticket(pilot, number)
        await press(pilot, "o")

    assert snap_compare(make_app(demo_copy, "ada"), terminal_size=(80, 24), run_before=open_it)


def test_a_files_text_is_read_by_its_charset_else_by_what_its_bytes_show() -> None:
    polish = "Zażółć gęślą jaźń"
    assert decoded(polish.encode("iso-8859-2"), 'text/plain; charset="ISO-8859-2"') == polish
    assert decoded(polish.encode("utf-16"), "text/plain") == polish  # by its byte-order mark
    assert decoded(polish.encode(), "text/plain; charset=rot13") == polish  # no charset
    assert decoded(b"caf\xe9 \x80", "text/plain") == "café €"  # not UTF-8: windows-1252
    assert decoded(b"\\x1b[1m", "text/plain; charset=unicode_escape") == "\\x1b[1m"
    assert decoded(polish.encode()[:-1], cut=True) == polish[:-1]  # a character cut in two
    assert is_text("Text/CSV; header=present", "x") and is_text("application/ld+json", "x")
    assert is_text("message/rfc822", "forwarded") and is_text("application/octet-stream", "a.diff")
    assert not is_text("image/svg", "a.txt") and not is_text("application/pdf", "a.txt")
    assert looks_binary(b"\x89PNG\x00") and not looks_binary("a".encode("utf-16"))
