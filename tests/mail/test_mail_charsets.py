"""A mail is read in real charsets only (`mail.charsets`): one that names a codec which is no
mail charset (escape processing, domain-name codecs, transforms, UTF-7) is read as the bytes
sent, in the body, the subject, the sender's name and a file's name, and Python warns of
nothing; the real ones and their aliases still decode. At the parser, through the gate, and
from the real Dovecot."""

from __future__ import annotations

import base64
import codecs
from urllib.parse import quote

import peewee
import pytest

from mail.channel import MailChannel
from mail.parse import parse_mail
from store.models import Attachment, Message, Ticket
from tests.mail_servers import Dovecot
from tests.mail_support import mail_helpdesk
from wording.charsets import REAL_CHARSETS, REAL_CODECS, real_codec

REFUSED = ("unicode_escape", "raw_unicode_escape", "punycode", "idna", "rot13", "utf-7", "hz")
# Escapes, an IDNA label and UTF-7 as plain text, and one letter in UTF-8.
LITERAL = "Café \\u202e \\x41 \\N{BULLET} \\q +ADw-b+AD4- xn--bcher-kva"
AS_FILENAME = LITERAL.replace("\\", "_")  # a file's name holds no path separator


def declaring(charset: str, text: str = LITERAL) -> bytes:
    """A mail whose body, subject, sender's name and two file names (an encoded word, an
    RFC 2231 parameter) all say they are in `charset`, and are `text` in UTF-8."""
    data = text.encode()
    word = f"=?{charset}?b?{base64.b64encode(data).decode()}?="
    head = (
        f"From: {word} <jan@example.pl>\nSubject: {word}\nMessage-ID: <{charset}@example.pl>\n"
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=z\n\n"
    )
    body = f"--z\nContent-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: 8bit\n\n"
    files = "".join(
        f"--z\nContent-Type: application/pdf\nContent-Disposition: attachment; {name}\n\n%PDF\n"
        for name in (f'filename="{word}"', f"filename*={charset}''{quote(data)}")
    )
    return head.encode() + body.encode() + data + b"\n" + files.encode() + b"--z--\n"


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("charset", REFUSED)
def test_a_refused_charset_is_read_as_the_bytes_sent(charset: str) -> None:
    assert real_codec(charset) is None
    mail = parse_mail(declaring(charset))
    assert (mail.subject, mail.sender_name, mail.text) == (LITERAL, LITERAL, LITERAL)
    assert [part.filename for part in mail.parts] == [AS_FILENAME, AS_FILENAME]


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(
    ("charset", "text"),
    [
        ("us-ascii", "plain"),
        ("latin2", "Zażółć gęślą"),
        ("windows-1250", "Zażółć gęślą"),
        ("koi8-r", "Привет"),
        ("iso-2022-jp", "こんにちは"),
        ("sjis", "こんにちは"),
        ("ks_c_5601-1987", "안녕하세요"),
        ("gb2312", "你好"),
        ("big5", "你好"),
        ("utf-16", "Grüße"),
    ],
)
def test_a_real_charset_under_its_aliases_still_decodes(charset: str, text: str) -> None:
    assert real_codec(charset)
    data = text.encode(charset)
    raw = (
        f"From: =?{charset}?b?{base64.b64encode(data).decode()}?= <jan@example.pl>\n"
        f"Subject: hi\nMIME-Version: 1.0\nContent-Type: text/plain; charset={charset}\n"
        "Content-Transfer-Encoding: base64\n\n"
    ).encode() + base64.encodebytes(data)
    mail = parse_mail(raw)
    assert (mail.sender_name, mail.text) == (text, text)


def test_a_mail_in_a_refused_charset_makes_a_ticket_of_its_bytes(db: peewee.Database) -> None:
    gate = mail_helpdesk(db)
    taken = MailChannel(gate).take_mail(
        gate.mailboxes.mail_source("Support"), declaring("unicode_escape"), "test"
    )
    assert taken.outcome == "new" and taken.ticket is not None
    _assert_filed_literally(taken.ticket)


@pytest.mark.usefixtures("mail_password")
def test_dovecot_intake_of_refused_charsets_files_the_bytes_sent(
    db: peewee.Database, dovecot: Dovecot, mailbox: str
) -> None:
    gate = mail_helpdesk(db, imap=dovecot.url(mailbox))
    for charset in ("unicode_escape", "punycode", "idna", "utf-7"):
        dovecot.append(mailbox, declaring(charset))
    lines: list[str] = []
    assert MailChannel(gate).fetch(gate.mailboxes.mail_source("Support"), lines.append) == 4
    assert all(": new" in line for line in lines), lines
    for ticket in Ticket.select():
        _assert_filed_literally(ticket.number)


def _assert_filed_literally(number: int) -> None:
    ticket = Ticket.get_by_id(number)
    assert ticket.subject == LITERAL and ticket.requester.display_name == LITERAL
    message = Message.get(Message.ticket == number)
    assert message.body == LITERAL
    names = [
        a.filename
        for a in Attachment.select().where(Attachment.message == message.id).order_by(Attachment.id)
    ]
    assert names == [AS_FILENAME, AS_FILENAME]


def test_the_codecs_written_out_are_the_real_charsets_by_pythons_names() -> None:
    assert frozenset(codecs.lookup(name).name for name in REAL_CHARSETS) == REAL_CODECS
