"""Hypothesis strategies for hostile MIME: what a stranger on the internet can send. Charsets
that are no text encodings or no charsets at all, deep nesting of parts and attached messages,
encoded words of random bytes, raw 8-bit and control bytes in headers, NUL, broken boundaries,
and bodies of many sizes."""

from __future__ import annotations

import base64
import random

from hypothesis import strategies as st

CHARSETS = (
    "utf-8", "us-ascii", "iso-8859-2", "windows-1250", "iso-2022-jp", "utf-16", "utf-7",
    "zlib", "rot13", "base64", "hex", "uu", "bz2", "quopri", "idna", "punycode",
    "unicode_escape", "raw_unicode_escape", "x-unknown", "", '"', "utf-8\x00", "b\u00e4d",
)  # fmt: skip
HEADER_NAMES = (
    "Subject", "From", "Sender", "Return-Path", "To", "Cc", "Reply-To", "Message-ID",
    "In-Reply-To", "References", "Auto-Submitted", "Precedence", "Content-Type",
    "Content-Transfer-Encoding", "Content-Disposition", "X-Anything",
)  # fmt: skip
SUBTYPES = ("mixed", "alternative", "related", "report", "signed", "digest")
ENCODINGS = ("7bit", "8bit", "base64", "quoted-printable", "binary", "x-uuencode", "bogus")

raw_bytes = st.binary(max_size=300)
charsets = st.sampled_from(CHARSETS)


@st.composite
def encoded_word(draw: st.DrawFn) -> bytes:
    charset = draw(charsets).encode("latin-1", "replace")
    data = draw(raw_bytes)
    if draw(st.booleans()):
        return b"=?" + charset + b"?b?" + base64.b64encode(data) + b"?="
    text = b"".join(b"=%02X" % byte for byte in data)
    return b"=?" + charset + b"?q?" + text + b"?="


header_value = st.one_of(
    st.binary(max_size=200).map(lambda b: b.replace(b"\n", b" ").replace(b"\r", b" ")),
    encoded_word(),
    st.lists(encoded_word(), max_size=5).map(b" ".join),
    st.integers(0, 6000).map(lambda n: b"(" * n + b")" * n),  # nested comments
    st.just(b"<>"),
    st.just(b"auto_reply"),
)


@st.composite
def sender(draw: st.DrawFn) -> bytes:
    name = draw(st.one_of(st.just(b""), encoded_word(), raw_bytes.map(bytes.strip)))
    local = draw(st.one_of(st.just(b"jan"), encoded_word(), st.binary(min_size=1, max_size=20)))
    domain = draw(st.sampled_from([b"example.pl", b"customer.example", b"", b"x\x00y"]))
    address = local + b"@" + domain
    shape = draw(st.integers(0, 3))
    if shape == 0:
        return address
    if shape == 1:
        return name + b" <" + address + b">"
    return name + b" " + b"(" * (shape * 700) + address + b")" * (shape * 700)


@st.composite
def body(draw: st.DrawFn) -> bytes:
    size = draw(st.sampled_from([0, 1, 80, 4000, 70_000]))
    seed = draw(st.integers(0, 2**32))
    return random.Random(seed).randbytes(size) if draw(st.booleans()) else b"x" * size


@st.composite
def part(draw: st.DrawFn, depth: int) -> bytes:
    """One MIME entity: a leaf, a multipart of parts, or an attached message, nested up to
    `depth` (hundreds, to reach the parser's recursion limit)."""
    kind = draw(
        st.sampled_from(["leaf", "leaf", "multipart", "message"]) if depth else st.just("leaf")
    )
    if kind == "multipart":
        boundary = b"b%d" % depth
        children = draw(st.lists(part(depth - 1), min_size=0, max_size=2))
        subtype = draw(st.sampled_from(SUBTYPES)).encode()
        head = b"Content-Type: multipart/" + subtype + b"; boundary=" + boundary
        if subtype == b"report":
            head += b"; report-type=delivery-status"
        inner = b"".join(b"--" + boundary + b"\n" + child + b"\n" for child in children)
        closing = draw(st.sampled_from([b"--" + boundary + b"--\n", b""]))  # or left open
        return head + b"\n\n" + inner + closing
    if kind == "message":
        return b"Content-Type: message/rfc822\n\n" + draw(message(depth - 1))
    main = draw(st.sampled_from(["text/plain", "text/html", "application/pdf", "image/png",
                                 "message/delivery-status", "text/rfc822-headers"]))  # fmt: skip
    head = b"Content-Type: " + main.encode() + b"; charset=" + draw(charsets).encode("utf-8")
    head += b"\nContent-Transfer-Encoding: " + draw(st.sampled_from(ENCODINGS)).encode()
    if draw(st.booleans()):
        head += b"\nContent-Disposition: attachment; filename=" + draw(header_value)
    return head + b"\n\n" + draw(body())


@st.composite
def message(draw: st.DrawFn, depth: int = 3) -> bytes:
    headers = [b"From: " + draw(sender())]
    for name, value in draw(
        st.lists(st.tuples(st.sampled_from(HEADER_NAMES), header_value), max_size=6)
    ):
        headers.append(name.encode() + b": " + value)
    if draw(st.booleans()):
        headers.append(b"MIME-Version: 1.0")
    return b"\n".join(headers) + b"\n" + draw(part(depth))


def nested(depth: int) -> bytes:
    """Attached messages inside multiparts, `depth` levels down."""
    inner = b"Content-Type: text/plain\n\nthe innermost\n"
    for n in range(depth):
        inner = (
            b"Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n"
            b"Content-Type: message/rfc822\n\n%s\n--b%d--\n" % (n, n, inner, n)
        )
    return b"From: jan@example.pl\nSubject: nested\nMIME-Version: 1.0\n" + inner


hostile_mail = st.one_of(message(), st.integers(0, 400).map(nested))
