"""The parser on real-world messages (a public corpus, see tests/mail_corpus/README.md) and on
the mislabelled charsets Polish mail arrives in."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from mail.parse import UnreadableMail, decode_text, parse_mail
from tests.mail_support import customer_mail
from wording.file_text import decoded

CORPUS = Path(__file__).parent.parent / "mail_corpus" / "mikel-mail"
MESSAGES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "MIT-LICENSE")
# Messages with no usable sender: a ticket cannot be made of them, so they go to quarantine.
WITHOUT_SENDER = {
    "error_emails/bad_encoded_subject.eml",  # no From at all
    "plain_emails/raw_email_incorrect_header.eml",  # a broken line ends the header before From
    "rfc2822/example13.eml",  # obsolete `From  :` syntax
    "sample_output_multipart",  # an empty file
}


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


@pytest.mark.parametrize("path", MESSAGES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_every_real_message_is_read_or_refused_with_a_reason(path: Path) -> None:
    name = str(path.relative_to(CORPUS))
    if name in WITHOUT_SENDER:
        with pytest.raises(UnreadableMail):
            parse_mail(path.read_bytes())
        return
    mail = parse_mail(path.read_bytes())
    assert "@" in mail.sender_address
    read = mail.text + mail.subject + mail.sender_name
    assert not any("\ud800" <= ch <= "\udfff" for ch in read)  # no undecoded bytes left


def test_japanese_iso_2022_subject_and_text() -> None:
    mail = parse_mail(corpus("multi_charset/japanese_iso_2022.eml"))
    assert mail.subject == "まみむめも"
    assert mail.text == "すみません。"


def test_encoded_attachment_names_are_decoded() -> None:
    mail = parse_mail(corpus("multi_charset/japanese_attachment.eml"))
    assert [p.filename for p in mail.parts] == ["てすと.txt"]
    latin = parse_mail(corpus("attachment_emails/attachment_nonascii_filename.eml"))
    assert [(p.filename, p.content_type) for p in latin.parts] == [("ciële.txt", "text/plain")]


def test_a_forwarded_message_is_one_attachment_and_an_inline_image_is_marked() -> None:
    forwarded = parse_mail(corpus("attachment_emails/attachment_message_rfc822.eml"))
    assert [(p.filename, p.content_type) for p in forwarded.parts] == [
        ("ForwardedMessage.eml", "message/rfc822")
    ]
    both = parse_mail(corpus("attachment_emails/attachment_message_rfc822_inline_image.eml"))
    assert [(p.filename, p.inline) for p in both.parts] == [
        ("img.png", True),
        ("Testmail.eml", False),
    ]
    assert both.parts[0].data.startswith(b"\x89PNG")


def test_html_only_mail_becomes_text() -> None:
    mail = parse_mail(corpus("error_emails/content_transfer_encoding_text-html.eml"))
    assert mail.text.startswith("Hello,\n\nYou have qualified for the lowest rate in years.")
    assert "<" not in mail.text


@pytest.mark.parametrize(
    ("name", "original", "reason"),
    [
        (
            "multipart_report_emails/multi_address_bounce1.eml",
            "<118707422.15521266992174819.JavaMail.root@lvmail01>",
            "550-5.1.1",
        ),
        (
            "multipart_report_emails/report_530.eml",
            "<200712232303.lBNN3jDq002941@mail12.rrrr.com.au>",
            "Unknown E-Mail Address",
        ),
    ],
)
def test_bounces_name_the_returned_message_and_the_reason(name, original, reason) -> None:
    mail = parse_mail(corpus(name))
    assert mail.is_bounce
    assert mail.bounced_ids == (original,)
    assert reason in mail.bounce_reason


POLISH = "Zażółć gęślą jaźń. Dzień dobry, paczka nie dotarła do Łodzi."


@pytest.mark.parametrize("actual", ["iso-8859-2", "windows-1250"])
@pytest.mark.parametrize("declared", ["us-ascii", None, "x-unknown"])
def test_polish_text_in_a_mislabelled_charset_reads_right(actual, declared) -> None:
    assert decode_text(POLISH.encode(actual), declared) == POLISH


# Western European mail in windows-1252 labelled us-ascii: read as windows-1250 (the first
# fallback) the French and Spanish letters turned into Czech, Slovak and Polish ones.
WESTERN = [
    "Sehr geehrte Damen und Herren, die Lieferung ist nicht angekommen. Grüße, Jürgen Weiß",
    "Der „Versand“ kostet 5 € \u2013 bitte prüfen…",
    "Bonjour, ma commande n'est pas arrivée. Très déçu, je voudrais être remboursé.",
    "Où est ma commande à Noël ?",
    "Très déçu",
    "¿Dónde está mi pedido? Señor García, mañana quiero una devolución.",
]
CENTRAL = [
    ("iso-8859-2", POLISH),
    ("iso-8859-2", "Święta"),
    ("iso-8859-2", "Paweł Małecki"),
    ("windows-1250", "Zamówienie nie dotarło"),
    ("windows-1250", "Dobrý den, zásilka nedorazila. Děkuji, Jiří Novák"),
]


@pytest.mark.parametrize("text", WESTERN)
def test_western_text_in_windows_1252_labelled_ascii_reads_right(text: str) -> None:
    assert decode_text(text.encode("windows-1252"), "us-ascii") == text


@pytest.mark.parametrize(("actual", "text"), CENTRAL)
def test_central_european_text_labelled_ascii_reads_right(actual: str, text: str) -> None:
    assert decode_text(text.encode(actual), "us-ascii") == text


def test_a_mislabelled_french_message_reads_right() -> None:
    raw = (
        b"From: =?us-ascii?Q?Fran=E7ois_Lef=E8vre?= <fl@example.fr>\r\n"
        b"Subject: =?us-ascii?Q?O=F9_est_ma_commande_=E0_No=EBl_=3F?=\r\n"
        b"Content-Type: text/plain; charset=us-ascii\r\n\r\n" + WESTERN[2].encode("cp1252")
    )
    mail = parse_mail(raw)
    assert (mail.sender_name, mail.subject, mail.text.strip()) == (
        "François Lefèvre",
        "Où est ma commande à Noël ?",
        WESTERN[2],
    )


def test_a_mislabelled_polish_header_and_body_read_right() -> None:
    raw = (
        b"From: =?us-ascii?Q?Pawe=B3_Ma=B3ecki?= <pawel@example.pl>\r\n"
        b"Subject: =?us-ascii?Q?Zam=F3wienie_nie_dotar=B3o?=\r\n"
        b"Content-Type: text/plain; charset=us-ascii\r\n\r\n" + POLISH.encode("iso-8859-2")
    )
    mail = parse_mail(raw)
    assert (mail.sender_name, mail.subject, mail.text) == (
        "Paweł Małecki",
        "Zamówienie nie dotarło",
        POLISH,
    )


def test_raw_utf8_headers_are_read() -> None:
    raw = "From: Łukasz <l@example.pl>\r\nSubject: Żółta kartka\r\n\r\nok".encode()
    mail = parse_mail(raw)
    assert (mail.sender_name, mail.subject) == ("Łukasz", "Żółta kartka")


def test_a_header_is_read_from_its_first_line_of_that_name_in_any_case_unfolded() -> None:
    raw = (
        b"From: Jan <jan@example.pl>\nSUBJECT: =?utf-8?q?Zwrot_paczki?=\n =?utf-8?q?_nr_5?=\n"
        b"Subject: the second\nto: a@shop.example,\n B@Shop.example\nX-AUTOREPLY: yes\n"
        b"Date: Thu, 3 Dec 2026\n 17:00:00 +0000\n\nText"
    )
    mail = parse_mail(raw)
    assert mail.subject == "Zwrot paczki nr 5"
    assert mail.recipients == ("a@shop.example", "b@shop.example")
    assert mail.automatic == "auto-reply: X-Autoreply"
    assert dict(mail.headers)["Date"] == "Thu, 3 Dec 2026 17:00:00 +0000"
    assert dict(mail.headers)["Subject"] == "Zwrot paczki nr 5"


def test_a_correct_label_is_believed() -> None:
    assert decode_text("Grüße".encode("iso-8859-1"), "iso-8859-1") == "Grüße"
    assert decode_text("Ωμέγα".encode("iso-8859-7"), "iso-8859-7") == "Ωμέγα"


def test_names_with_unquoted_specials_still_give_the_address() -> None:
    mail = parse_mail(b"From: Ola [Shop] Nowak <ola@example.pl>\r\n\r\nhi")
    assert (mail.sender_address, mail.sender_name) == ("ola@example.pl", "Ola [Shop] Nowak")


@pytest.mark.parametrize(
    ("sender", "headers", "ignored", "unanswered"),
    [
        ("jan@example.pl", {}, "", ""),
        ("jan@example.pl", {"Auto-Submitted": "no"}, "", ""),
        ("jan@example.pl", {"X-Auto-Response-Suppress": "DR, RN"}, "", ""),
        ("noreplyjan@example.pl", {}, "", ""),
        ("jan@example.pl", {"Auto-Submitted": "auto-replied"}, "auto-reply", ""),
        ("jan@example.pl", {"Precedence": "junk"}, "auto-reply", ""),
        ("jan@example.pl", {"X-Autorespond": "yes"}, "auto-reply", ""),
        ("jan@example.pl", {"Return-Path": "<>"}, "auto-reply", ""),
        ("MAILER-DAEMON@example.pl", {}, "bounce", ""),
        ("jan@example.pl", {"List-Id": "<l.example.pl>"}, "", "mailing list: List-Id"),
        ("jan@example.pl", {"List-Unsubscribe": "<mailto:x@l.pl>"}, "", "mailing list"),
        ("jan@example.pl", {"X-Auto-Response-Suppress": "All"}, "", "X-Auto-Response-Suppress"),
        ("jan@example.pl", {"X-Auto-Response-Suppress": "OOF"}, "", "X-Auto-Response-Suppress"),
        ("No-Reply@shop.pl", {}, "", "sent by no-reply@"),
        ("noreply+orders@shop.pl", {}, "", "sent by noreply+orders@"),
        ("do-not-reply@shop.pl", {}, "", "sent by do-not-reply@"),
        ("donotreply@shop.pl", {}, "", "sent by donotreply@"),
        ("postmaster@shop.pl", {}, "", "sent by postmaster@"),
    ],
)
def test_automatic_mail_is_told_apart(
    sender: str, headers: dict[str, str], ignored: str, unanswered: str
) -> None:
    """Auto-replies and bounces are ignored (`automatic`); mail of lists and machines is filed
    but never answered automatically (`no_auto_reply`); a person's mail is neither."""
    parsed = parse_mail(customer_mail(sender=sender, headers=headers))
    assert parsed.automatic.startswith(ignored) and bool(parsed.automatic) == bool(ignored)
    assert parsed.no_auto_reply.startswith(unanswered)
    assert bool(parsed.no_auto_reply) == bool(unanswered)


def test_a_text_file_keeps_the_charset_it_is_read_by() -> None:
    """Its content type carries the charset it declares (a real one, as a plain token), which
    the app reads it by when it is opened (`wording.file_text`)."""
    polish = "Zażółć gęślą jaźń\n"
    head = "From: Jan <jan@example.pl>\r\nTo: support@shop.example\r\nSubject: pliki\r\n"
    parts = [
        ("lista.txt", "iso-8859-2", base64.b64encode(polish.encode("iso-8859-2"))),
        ("odd.txt", '"x\\r\\nInjected: yes"', base64.b64encode(b"plain")),
        ("none.csv", "", base64.b64encode(b"a;b\n")),
    ]
    body = "".join(
        f"--b\r\nContent-Type: text/plain{f'; charset={cs}' if cs else ''}; name={name}\r\n"
        f"Content-Disposition: attachment; filename={name}\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n{data.decode()}\r\n"
        for name, cs, data in parts
    )
    raw = (
        f"{head}MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        f"--b\r\nContent-Type: text/plain\r\n\r\nSee the files.\r\n{body}--b--\r\n"
    ).encode()
    mail = parse_mail(raw)
    assert [(p.filename, p.content_type) for p in mail.parts] == [
        ("lista.txt", "text/plain; charset=iso-8859-2"),
        ("odd.txt", "text/plain"),
        ("none.csv", "text/plain"),
    ]
    assert decoded(mail.parts[0].data, mail.parts[0].content_type) == polish
