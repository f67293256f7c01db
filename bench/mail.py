"""`mail import` of a large mbox against Python's `email` parser alone on the same file.

    python -m bench.mail [--messages 100000] [--runs 1]

Generates (once, cached in bench/.data/) an mbox of real-shaped messages: UTF-8 and
quoted-printable Polish text, 8-bit text mislabelled as us-ascii, HTML-only mail, answers with
In-Reply-To and the ticket tag, one in ten with a small attachment, a thousand senders. Then, each
in a process of its own (so its peak memory is its own): the `email` parser reading every
message and its body, and `mail import` into a fresh database. Prints messages per second for
both, their ratio, and each process's peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from bench.paint import resident_mb

DATA = Path(__file__).resolve().parent / ".data"
WORDS = [
    "zamówienie",
    "paczka",
    "zwrot",
    "faktura",
    "dostawa",
    "kurier",
    "reklamacja",
    "płatność",
    "przelew",
    "konto",
    "hasło",
    "order",
    "refund",
    "invoice",
    "delivery",
    "parcel",
    "courier",
    "complaint",
    "payment",
    "account",
    "password",
    "wrong",
    "size",
    "colour",
    "broken",
    "damaged",
    "missing",
    "late",
    "tracking",
    "number",
    "address",
    "change",
    "cancel",
]


def generate(path: Path, messages: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    senders = [f"klient{n}@example{n % 37}.pl" for n in range(1000)]
    with path.open("wb") as out:
        for n in range(messages):
            out.write(b"From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n")
            raw = _message(rng, n, senders).replace(b"\r\n", b"\n")
            out.write(raw.replace(b"\nFrom ", b"\n>From ").rstrip(b"\n") + b"\n\n")


def _message(rng: random.Random, n: int, senders: list[str]) -> bytes:
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 400)))
    kind = n % 10
    subject = f"Zamówienie {rng.randint(1000, 99999)} - {rng.choice(WORDS)}"
    if kind == 7:  # 8-bit Polish text labelled us-ascii, as old clients send it
        head = (
            f"From: {rng.choice(senders)}\nTo: support@shop.example\nSubject: order {n}\n"
            f"Message-ID: <m{n}@bench.example>\nContent-Type: text/plain; charset=us-ascii\n\n"
        )
        return head.encode() + text.encode("iso-8859-2", "replace")
    mail = EmailMessage(policy=SMTP)
    mail["From"] = f"Klient {n % 1000} <{rng.choice(senders)}>"
    mail["To"] = "support@shop.example"
    mail["Message-ID"] = f"<m{n}@bench.example>"
    if kind in (3, 4) and n > 10:
        earlier = rng.randint(0, n - 1)
        mail["In-Reply-To"] = f"<m{earlier}@bench.example>"
        subject = f"Re: [#{earlier + 1}] {subject}"
    mail["Subject"] = subject
    if kind == 5:
        mail.set_content(f"<html><body><p>{text}</p><ul><li>{n}</li></ul></body></html>", "html")
    else:
        mail.set_content(text, cte="quoted-printable" if kind == 2 else None)
    if kind == 9:
        mail.add_attachment(rng.randbytes(rng.randint(2_000, 30_000)), "application", "pdf",
                            filename=f"faktura-{n}.pdf")  # fmt: skip
    return mail.as_bytes()


def parse_only(path: Path) -> dict[str, float]:
    """The `email` package alone: parse each message and read its body, as intake must."""
    from email import policy
    from email.parser import BytesParser

    from access.mail.files import messages_in

    parser = BytesParser(policy=policy.default)
    count = 0
    started = time.perf_counter()
    for _origin, raw in messages_in(path):
        message = parser.parsebytes(raw)
        body = message.get_body(preferencelist=("plain", "html"))
        if body is not None:
            body.get_content()
        count += 1
    seconds = time.perf_counter() - started
    return {"messages": count, "seconds": seconds, "peak_mb": peak_mb()}


def import_all(path: Path, database: Path) -> dict[str, float]:
    """`mail import` into a fresh helpdesk with one e-mail source."""
    from access import Gate
    from access.bootstrap import create_first_admin
    from access.mail.files import messages_in
    from store.db import connect

    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    db = connect(str(database), create=True)
    create_first_admin(db, "ada", "Ada")
    gate = Gate(db, "ada")
    gate.add_source("Support", "email", address="support@shop.example")
    source = gate.mail_source("Support")
    started = time.perf_counter()
    outcomes = gate.import_messages(source, messages_in(path), lambda _line: None)
    seconds = time.perf_counter() - started
    count = sum(outcomes.values())
    return {"messages": count, "seconds": seconds, "peak_mb": peak_mb(), **outcomes}


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resident_mb()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.mail")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        what, target = args.child
        mbox = DATA / f"mail-{args.messages}.mbox"
        result = parse_only(mbox) if what == "parse" else import_all(mbox, Path(target))
        print(json.dumps(result))
        return
    from bench.__main__ import child

    DATA.mkdir(exist_ok=True)
    mbox = DATA / f"mail-{args.messages}.mbox"
    if not mbox.exists():
        partial = mbox.with_suffix(".building")
        generate(partial, args.messages)
        partial.rename(mbox)
    size_mb = mbox.stat().st_size / 2**20
    print(f"mbox of {args.messages:,} messages, {size_mb:,.0f} MB", flush=True)
    common = ("--messages", str(args.messages), "--child")
    parsed = child("bench.mail", *common, "parse", "-", timeout=7200)
    imported = child("bench.mail", *common, "import", str(DATA / "mail-import.db"), timeout=7200)
    parse_rate = parsed["messages"] / parsed["seconds"]
    import_rate = imported["messages"] / imported["seconds"]
    rows = [
        ("email parser alone (messages/s)", parse_rate),
        ("mail import (messages/s)", import_rate),
        ("ratio import / parser (goal >= 0.5)", import_rate / parse_rate),
        ("email parser alone: peak memory (MB)", parsed["peak_mb"]),
        ("mail import: peak memory (MB, goal < 200)", imported["peak_mb"]),
    ]
    for name, value in rows:
        print(f"{name:44}{value:>12,.2f}")
    outcomes = {k: v for k, v in imported.items() if k not in ("messages", "seconds", "peak_mb")}
    print("import outcomes: " + ", ".join(f"{int(v):,} {k}" for k, v in sorted(outcomes.items())))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
