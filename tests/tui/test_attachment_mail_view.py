"""`o` on an attached mail (message/rfc822, or a .eml file of no stated type) shows it as a mail
at 80x24: its From, To, Date and Subject decoded, its text (the plain part, else its HTML's
text), and the files it carries by name; a hostile mail's escape codes and Rich markup shown,
never obeyed. A file that cannot be read as a mail is shown as its source. A text file
attached from the app keeps the charset its bytes show, and the viewer reads it by it."""

from __future__ import annotations

import base64
import tracemalloc
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from access import Gate
from access.demo import DEMO_NOW
from mail.parse import parse_mail
from screens.ticket_detail import TicketDetailScreen
from tests.backends import connect
from tests.mail.test_signatures import open_mail_ticket
from tests.tui.test_attachment_viewer import an_open_ticket, attach, shown
from tests.tui_support import make_app, open_ticket, press
from ticketty.launch import build_app
from tui.app import TickettyApp
from tui.file_paths import PathModal
from tui.widgets import FileViewer
from wording.charsets import real_codec
from wording.file_text import attached_file, media_type
from wording.mail_file import is_mail
from wording.mail_parts import MailFile, mail_files
from wording.units import file_size

ESCAPES = "\x1b[2J\x1b]0;owned\x07"


def hostile_mail() -> bytes:
    """A forwarded mail whose every field a person reads tries the terminal: escape codes and
    markup in encoded words, in its text and in the name of the file it carries."""
    subject = base64.b64encode(b"Zwrot [bold red]pilne[/] \x1b[5m").decode()
    return (
        "From: =?utf-8?q?Jan_=1B[31mKowalski?= <jan@example.pl>\r\n"
        "To: support@shop.example\r\n"
        "Date: Tue, 01 Dec 2026 09:30:00 +0100\r\n"
        f"Subject: =?utf-8?b?{subject}?=\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        '--b1\r\nContent-Type: multipart/alternative; boundary="b2"\r\n\r\n'
        "--b2\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        f"Dzień dobry,\r\n{ESCAPES}[link=http://x]kliknij[/link]\r\n\u202eexe.pdf\r\n"
        "--b2\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>not this one</p>\r\n"
        "--b2--\r\n"
        "--b1\r\nContent-Type: application/pdf\r\n"
        'Content-Disposition: attachment; filename="faktura\x1b[8m.pdf"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n--b1--\r\n"
    ).encode()


def in_viewer(app: TickettyApp) -> str:
    """What the viewer on top shows."""
    assert isinstance(app.screen, FileViewer)
    return shown(app.screen)


def html_mail() -> bytes:
    mail = EmailMessage(policy=SMTP)
    mail["From"] = "Ola <ola@example.pl>"
    mail["Subject"] = "Only HTML"
    mail.set_content("<p>Hello <b>there</b></p><script>alert(1)</script>", subtype="html")
    return mail.as_bytes()


async def test_o_shows_a_hostile_forwarded_mail_as_a_mail(demo_copy: str) -> None:
    number = an_open_ticket(demo_copy)
    attach(number, "forwarded", "message/rfc822", hostile_mail())
    attach(number, "saved.eml", "application/octet-stream", html_mail())
    attach(number, "broken.eml", "", b"not a mail at all\n\x1b[2J")
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ticket(pilot, number)
        await press(pilot, "o", *"forwarded", "enter")
        viewer = app.screen
        assert isinstance(viewer, FileViewer)
        text = shown(viewer)
        assert "\x1b" not in text and "\x07" not in text
        assert text.startswith("From: Jan ␛[31mKowalski <jan@example.pl>\n")
        assert "To: support@shop.example\n" in text
        assert "Date: Tue, 01 Dec 2026 09:30:00 +0100\n" in text
        assert "Subject: Zwrot [bold red]pilne[/] ␛[5m\n" in text
        assert "Dzień dobry,\n␛[2J␛]0;owned␇[link=http://x]kliknij[/link]\n" in text
        assert "<U+202E>exe.pdf" in text and "not this one" not in text
        assert "Files in it:\n  faktura␛[8m.pdf (application/pdf, 8 bytes)" in text
        assert "MIME-Version" not in text  # not its source
        await press(pilot, "escape")
        assert isinstance(app.screen, TicketDetailScreen)

        await press(pilot, "o", *"saved", "enter")
        text = in_viewer(app)
        assert text.startswith("From: Ola <ola@example.pl>\nSubject: Only HTML\n\n")
        assert "Hello there" in text and "alert" not in text and "<p>" not in text
        await press(pilot, "escape")

        await press(pilot, "o", *"broken", "enter")
        assert in_viewer(app) == "not a mail at all\n␛[2J"


def test_what_is_shown_as_a_mail() -> None:
    assert is_mail("message/rfc822", "forwarded") and is_mail("Message/RFC822; x=y", "a.txt")
    assert is_mail("application/octet-stream", "Saved.EML") and is_mail("", "a.eml")
    assert not is_mail("text/plain", "a.eml") and not is_mail("application/pdf", "a.eml")


def test_the_viewer_of_a_hostile_mail(snap_compare, demo_copy: str) -> None:
    """The mail viewer over the whole 80x24 screen: headers, text, its files."""
    number = an_open_ticket(demo_copy)
    attach(number, "forwarded.eml", "message/rfc822", hostile_mail())

    async def open_it(pilot) -> None:
        await open_ticket(pilot, number)
        await press(pilot, "o")

    assert snap_compare(make_app(demo_copy, "ada"), terminal_size=(80, 24), run_before=open_it)


def test_a_text_file_attached_carries_the_charset_its_bytes_show() -> None:
    french = "Crème brûlée, naïve café\n"
    assert attached_file("a.txt", french.encode()).content_type == "text/plain; charset=utf-8"
    assert attached_file("a.txt", french.encode("cp1252")).content_type == (
        "text/plain; charset=windows-1252"
    )
    assert attached_file("a.csv", french.encode("utf-16")).content_type == (
        "text/csv; charset=utf-16"
    )
    assert attached_file("app.log", b"ok\n").content_type == "text/plain; charset=utf-8"
    assert attached_file("a.pdf", b"%PDF").content_type == "application/pdf"
    assert attached_file("a.txt", b"\x00\x01").content_type == "text/plain"  # binary: none
    assert attached_file("x.bin", b"x").content_type == "application/octet-stream"
    for charset in ("utf-8", "windows-1252", "utf-16", "utf-32"):  # each one text is read in
        assert real_codec(charset) is not None


async def test_a_file_attached_in_the_app_is_read_by_its_charset(
    demo_copy: str, short_path: Path
) -> None:
    notes = short_path / "notes.txt"
    notes.write_bytes("Crème brûlée, naïve café\n".encode("cp1252"))
    connect(demo_copy)
    number = open_mail_ticket().number
    app = build_app(Gate(connect(demo_copy), "tom", clock=lambda: DEMO_NOW), refresh_seconds=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ticket(pilot, number)
        await press(pilot, "r", *"Notes attached.", "alt+a")
        assert isinstance(app.screen, PathModal)
        await press(pilot, *str(notes), "enter")
        await press(pilot, "ctrl+s")
    last = Gate(connect(demo_copy), "ada").tickets.get_ticket(number).messages[-1]
    (file,) = last.attachments
    assert (file.filename, file.content_type) == ("notes.txt", "text/plain; charset=windows-1252")
    app = make_app(demo_copy, "tom")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ticket(pilot, number)
        await press(pilot, "o", *"notes", "enter")
        assert in_viewer(app) == "Crème brûlée, naïve café\n"


NOTES_LINE = "zażółć gęślą jaźń\n"
NOTES_LINE_BYTES = len(NOTES_LINE.encode()) + 1  # sent with CRLF


def scans_mail() -> bytes:
    """A forwarded mail of about 4 MB whose files go on well past its first megabyte: a PDF
    of 3 MB in base64, then a text file quoted-printable, a photo and a mail forwarded in it
    (one file, its own file not listed apart)."""
    mail = EmailMessage(policy=SMTP)
    mail["From"] = "Jan <jan@example.pl>"
    mail["Subject"] = "Fwd: the scans"
    mail.set_content("Both scans.")
    mail.add_attachment(b"%PDF small", "application", "pdf", filename="first.pdf")
    mail.add_attachment(bytes(range(256)) * 12288, "application", "pdf", filename="second.pdf")
    mail.add_attachment(NOTES_LINE * 400, filename="notes.txt", cte="quoted-printable")
    mail.add_attachment(b"\x89PNG" + bytes(5000), "image", "png", filename="photo\x1b[5m.png")
    inner = EmailMessage(policy=SMTP)
    inner["Subject"] = "older"
    inner.set_content("An older mail.")
    inner.add_attachment(b"PK" * 50, "application", "zip", filename="inside.zip")
    mail.add_attachment(inner)
    return mail.as_bytes()


async def test_a_big_mail_lists_every_file_it_carries(demo_copy: str) -> None:
    raw = scans_mail()
    assert len(raw) > 4 * 2**20 and raw.index(b"notes.txt") > 2**20
    number = an_open_ticket(demo_copy)
    attach(number, "scans.eml", "message/rfc822", raw)
    app = make_app(demo_copy, "ada")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ticket(pilot, number)
        await press(pilot, "o")
        text = in_viewer(app)
    assert text.startswith("From: Jan <jan@example.pl>\nSubject: Fwd: the scans\n\nBoth scans.")
    assert (
        "Files in it:\n"
        + "\n".join(
            [
                "  first.pdf (application/pdf, 10 bytes)",
                "  second.pdf (application/pdf, 3.0 MB)",
                f"  notes.txt (text/plain, {file_size(NOTES_LINE_BYTES * 400)})",
                "  photo␛[5m.png (image/png, 4.9 KB)",
            ]
        )
        in text
    )
    assert "  message.eml (message/rfc822, " in text
    assert "inside.zip" not in text
    assert text.endswith(
        f"Its text read from the first 1.0 MB of this {file_size(len(raw))} mail. w saves the "
        "whole mail."
    )


def test_the_files_of_a_mail_listed_as_it_streams_match_the_parser() -> None:
    """The files listed from pieces of any size are those the mail channel's parser finds
    (name, type, size; an attached mail's size as its bytes, not as the parser writes it
    anew), with nothing but the headers and a line held."""
    for raw in (hostile_mail(), html_mail(), scans_mail()):
        parsed = parse_mail(raw)
        expected = [(p.filename, media_type(p.content_type), p.size) for p in parsed.parts]
        for size in (1, 7, 4096, 2**20):
            pieces = (raw[i : i + size] for i in range(0, len(raw), size))
            found = [(f.filename, f.content_type, f.size) for f in mail_files(pieces)]
            assert [f[:2] for f in found] == [e[:2] for e in expected]
            assert [f[2] for f in found if f[1] != "message/rfc822"] == [
                e[2] for e in expected if e[1] != "message/rfc822"
            ]


def test_a_huge_mail_is_listed_in_little_memory() -> None:
    """Some 40 MB of mail in pieces of a megabyte: a base64 file, a binary one of no line
    breaks, a file after them; what is held stays under 4 MB."""
    head = (
        b"From: a@example.pl\r\nSubject: big\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="zz"\r\n\r\n'
        b"--zz\r\nContent-Type: text/plain\r\n\r\nSee the files.\r\n"
        b"--zz\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="a.pdf"\r\n\r\n'
    )
    line = base64.b64encode(bytes(57)) + b"\r\n"  # 76 characters, 57 bytes

    def pieces() -> Iterator[bytes]:
        yield head
        for _ in range(20):
            yield line * 13_800  # 1,048,800 bytes of base64 each
        yield b"--zz\r\nContent-Type: application/octet-stream\r\n"
        yield b'Content-Disposition: attachment; filename="b.bin"\r\n\r\n'
        for _ in range(20):
            yield b"\xff" * 2**20
        yield b"\r\n--zz\r\nContent-Type: text/csv\r\n"
        yield b'Content-Disposition: attachment; filename="c.csv"\r\n\r\n1,2\r\n--zz--\r\n'

    tracemalloc.start()
    try:
        found = mail_files(pieces())
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found == (
        MailFile("a.pdf", "application/pdf", 20 * 13_800 * 57),
        MailFile("b.bin", "application/octet-stream", 20 * 2**20),
        MailFile("c.csv", "text/csv", 3),
    )
    assert peak < 4 * 2**20
