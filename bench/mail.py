"""`mail import` of a large mbox against Python's `email` parser alone on the same file, how
soon a message appended to an IMAP folder shows in an open inbox with `ticketty serve` running,
and how soon an agent's reply reaches the SMTP server.

    python -m bench.mail [--messages 100000] [--attachment-kb 16]
                         [--skip import hostile large idle reply] [--idle-runs 20] [--reply-runs 20]

Generates (once, cached in bench/.data/) an mbox of real-shaped messages: UTF-8 and
quoted-printable Polish text, 8-bit text mislabelled as us-ascii, HTML-only mail, answers with
In-Reply-To and the ticket tag, one in ten with an attachment (`--attachment-kb`; 20,000 messages
at 384 KB make an mbox of about 1 GB), a thousand senders. Then, each
in a process of its own (so its peak memory is its own): the `email` parser reading every
message and its body, and `mail import` into a fresh database. Prints messages per second for
both, their ratio, and each process's peak resident memory. The same again on an mbox where
one message in ten is hostile MIME from the fuzz test's strategies (`tests/hostile_mail.py`:
charsets that are no text encodings, nesting hundreds deep, encoded words of random bytes...),
drawn once by Hypothesis with a fixed seed and cached with the mbox.

The IMAP figure runs a real Dovecot (as the tests start it, `tests.mail_servers`), `ticketty
serve` as a process of its own (waiting in IDLE), and the app headless as ada on a fresh
database, following others' changes at its usual interval; a latency runs from the APPEND sent
to Dovecot to the first frame written whose inbox shows the new ticket on top.

The reply figure runs `ticketty serve --interval 30` on a fresh database with the tests' SMTP
server (aiosmtpd) in this process; a latency runs from a reply's commit to the server holding
the message.
"""

from __future__ import annotations

import argparse
import json
import queue
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from email.message import EmailMessage
from email.policy import SMTP
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.paint import resident_mb

if TYPE_CHECKING:
    from tests.mail_servers import Smtp

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


def generate(
    path: Path,
    messages: int,
    attachment_kb: int = 16,
    seed: int = 7,
    words: Callable[[random.Random], tuple[str, str]] | None = None,
) -> None:
    """An mbox of `messages` real-shaped messages; one in ten carries a PDF of about
    `attachment_kb` KB (from half to one and a half times that). Their words as `_message`
    draws them."""
    rng = random.Random(seed)
    senders = [f"klient{n}@example{n % 37}.pl" for n in range(1000)]
    with path.open("wb") as out:
        for n in range(messages):
            out.write(b"From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n")
            raw = _message(rng, n, senders, attachment_kb, words).replace(b"\r\n", b"\n")
            out.write(raw.replace(b"\nFrom ", b"\n>From ").rstrip(b"\n") + b"\n\n")


def _message(
    rng: random.Random,
    n: int,
    senders: list[str],
    attachment_kb: int,
    words: Callable[[random.Random], tuple[str, str]] | None = None,
) -> bytes:
    """A message of `WORDS` drawn at random, or of the text and the subject's last word that
    `words` draws."""
    if words is None:
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 400)))
        subject = f"Zamówienie {rng.randint(1000, 99999)} - {rng.choice(WORDS)}"
    else:
        text, about = words(rng)
        subject = f"Zamówienie {rng.randint(1000, 99999)} - {about}"
    kind = n % 10
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
        size = rng.randint(attachment_kb * 512, attachment_kb * 1536)
        mail.add_attachment(rng.randbytes(size), "application", "pdf",
                            filename=f"faktura-{n}.pdf")  # fmt: skip
    return mail.as_bytes()


HOSTILE_EVERY = 10  # of the mixed mbox's messages, one in this many is hostile
HOSTILE_DISTINCT = 1000  # hostile messages drawn; more are taken from them in turn


def hostile_corpus(count: int) -> list[bytes]:
    """`count` messages drawn from the fuzz test's strategies, the same ones every time:
    Hypothesis derandomized (its examples follow from the test's name), no shrinking, no
    example database."""
    from hypothesis import HealthCheck, Phase, given, settings

    from tests.hostile_mail import hostile_mail

    drawn: list[bytes] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    @given(hostile_mail)
    def draw(raw: bytes) -> None:
        drawn.append(raw)

    draw()
    return drawn


def generate_mixed(path: Path, messages: int, attachment_kb: int = 16) -> None:
    """The mbox of `generate`, with one message in `HOSTILE_EVERY` replaced by a hostile one."""
    rng = random.Random(7)
    senders = [f"klient{n}@example{n % 37}.pl" for n in range(1000)]
    hostile = hostile_corpus(min(HOSTILE_DISTINCT, max(1, messages // HOSTILE_EVERY)))
    with path.open("wb") as out:
        for n in range(messages):
            out.write(b"From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n")
            if n % HOSTILE_EVERY == HOSTILE_EVERY - 1:
                raw = hostile[(n // HOSTILE_EVERY) % len(hostile)]
            else:
                raw = _message(rng, n, senders, attachment_kb)
            raw = raw.replace(b"\r\n", b"\n")
            out.write(raw.replace(b"\nFrom ", b"\n>From ").rstrip(b"\n") + b"\n\n")


def parse_only(path: Path) -> dict[str, float]:
    """The `email` package alone: parse each message and read its body, as intake must."""
    from email import policy
    from email.parser import BytesParser

    from mail.files import messages_in

    parser = BytesParser(policy=policy.default)
    count = 0
    started = time.perf_counter()
    for _origin, raw in messages_in(path):
        if not isinstance(raw, bytes):
            continue
        try:
            message = parser.parsebytes(raw)
            body = message.get_body(preferencelist=("plain", "html"))
            if body is not None:
                body.get_content()
        except Exception:  # hostile mail: the parser alone gives up on it
            pass
        count += 1
    seconds = time.perf_counter() - started
    return {"messages": count, "seconds": seconds, "peak_mb": peak_mb()}


def import_all(
    path: Path, database: Path, prepare: Callable[[Any], None] | None = None
) -> dict[str, Any]:
    """`mail import` into a fresh helpdesk with one e-mail source (and what `prepare` adds
    through the administrator's gate: rules, for `bench.rules`)."""
    from access import Gate
    from access.bootstrap import create_first_admin
    from access.intake import Oversized
    from mail.channel import MailChannel
    from mail.files import messages_in
    from store.db import connect

    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    db = connect(str(database), create=True)
    create_first_admin(db, "ada", "Ada")
    gate = Gate(db, "ada")
    gate.sources.add_source("Support", "email", address="support@shop.example")
    if prepare is not None:
        prepare(gate)
    source = gate.mailboxes.mail_source("Support")
    tens: list[float] = []  # when each 10,000th message was read (taken: all before it)
    resident: list[float] = []  # MB, at every 2,000th message: flat when streamed

    def timed() -> Iterator[tuple[str, bytes | Oversized]]:
        for n, message in enumerate(messages_in(path), 1):
            yield message
            if n % 10_000 == 0:
                tens.append(time.perf_counter())
            if n % 2_000 == 0:
                resident.append(resident_mb())

    started = time.perf_counter()
    outcomes = MailChannel(gate).import_messages(source, timed(), lambda _line: None)
    seconds = time.perf_counter() - started
    count = sum(outcomes.values())
    per_10k = [b - a for a, b in zip([started, *tens], tens, strict=False)]
    return {
        "messages": count,
        "seconds": seconds,
        "peak_mb": peak_mb(),
        "outcomes": outcomes,
        "per_10k_s": per_10k,
        "resident_mb": resident,
    }


LARGE_MB = 120


def write_large_message(path: Path, megabytes: int = LARGE_MB) -> None:
    """One message of about `megabytes` MB: a line of text and a binary attachment in base64,
    written in pieces so that making it takes little memory."""
    import base64
    import os

    with path.open("wb") as out:
        out.write(
            b"From: Jan Kowalski <jan@example.pl>\r\nTo: support@shop.example\r\n"
            b"Subject: the whole video\r\nMessage-ID: <large@bench.example>\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=cut\r\n\r\n"
            b"--cut\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe recording.\r\n"
            b"--cut\r\nContent-Type: video/mp4\r\nContent-Transfer-Encoding: base64\r\n"
            b"Content-Disposition: attachment; filename=recording.mp4\r\n\r\n"
        )
        raw_bytes = megabytes * 2**20 * 3 // 4
        line = 57 * 1024  # base64 lines of 76 characters
        for _ in range(raw_bytes // line):
            chunk = base64.encodebytes(os.urandom(line)).replace(b"\n", b"\r\n")
            out.write(chunk)
        out.write(b"--cut--\r\n")


def take_large(path: Path) -> dict[str, Any]:
    """Peak resident memory of this process taking the one message in `path` (its size limit
    raised above it), from reading the file to its transaction's end."""
    import tempfile

    from access import Gate
    from access.bootstrap import create_first_admin
    from mail.channel import MailChannel, reading
    from store.db import connect

    folder = tempfile.TemporaryDirectory(prefix="ticketty-bench-large-")
    db = connect(str(Path(folder.name) / "help.db"), create=True)
    create_first_admin(db, "ada", "Ada")
    limit = 2 * path.stat().st_size
    gate = Gate(db, "ada", file_limit=limit)
    gate.sources.add_source("Support", "email", address="support@shop.example")
    source = gate.mailboxes.mail_source("Support")
    mail = MailChannel(gate, reading(message_limit=limit))
    before = resident_mb()
    taken = mail.take_mail(source, path.read_bytes(), path.name)
    peak = peak_mb()
    db.close()
    folder.cleanup()
    size = path.stat().st_size / 2**20
    return {"outcome": taken.outcome, "size_mb": size, "before_mb": before, "peak_mb": peak}


SERVE_INTERVAL = 30  # seconds: far above the goal, so only IDLE can meet it


def start_serve(location: str) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    """`ticketty serve` as ada on `location` (the mailbox's password in its environment),
    and its log lines as they come."""
    import os
    import threading

    from tests.mail_servers import PASSWORD

    serve = subprocess.Popen(
        [sys.executable, "-m", "ticketty", "--db", location, "--user", "ada", "serve",
         "--interval", str(SERVE_INTERVAL)],
        stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TICKETTY_MAIL_PASSWORD_SUPPORT": PASSWORD},
    )  # fmt: skip
    log: queue.Queue[str] = queue.Queue()

    def read_log() -> None:
        for line in serve.stderr or ():
            log.put(line)

    threading.Thread(target=read_log, daemon=True).start()
    return serve, log


async def idle_latency(runs: int) -> dict[str, float]:
    """Median and p95 of APPEND to the ticket on an open inbox, with `serve` waiting in IDLE."""
    import asyncio
    import signal
    import tempfile

    from access import Gate
    from access.bootstrap import create_first_admin
    from bench.__main__ import FrameClock, timed_app
    from bench.live import p95
    from screens.inbox import InboxScreen
    from store.db import connect
    from tests.mail_servers import start_dovecot, stop_dovecot
    from tests.mail_support import customer_mail
    from tests.tui_support import settle
    from tui.ticket_list import TicketList

    dovecot = start_dovecot()
    folder = tempfile.TemporaryDirectory(prefix="ticketty-bench-idle-")
    location = str(Path(folder.name) / "help.db")
    db = connect(location, create=True)
    create_first_admin(db, "ada", "Ada")
    gate = Gate(db, "ada")
    gate.sources.add_source(
        "Support", "email", address="support@shop.example", imap=dovecot.url("bench")
    )
    serve, log = start_serve(location)
    frames = FrameClock()

    Timed = timed_app(frames)

    samples: list[float] = []
    try:
        while "waiting for mail in IMAP IDLE" not in log.get(timeout=30):
            pass
        app = Timed(gate, InboxScreen)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            tickets = app.screen.query_one(TicketList)
            for run in range(runs):
                subject = f"Parcel {run} missing"

                def on_top(subject: str = subject) -> bool:
                    # The first row: the cursor stays on the ticket it was on.
                    row = tickets.row_at(0)
                    return row is not None and row.subject == subject

                frames.expect(on_top)
                raw = customer_mail(subject=subject, sender=f"Klient {run} <k{run}@example.pl>")
                appended = time.perf_counter()
                await asyncio.to_thread(dovecot.append, "bench", raw)
                await asyncio.wait_for(frames.shown.wait(), timeout=60)
                samples.append(frames.at - appended)
                await settle(pilot)
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=30)
        stop_dovecot(dovecot)
        db.close()
        folder.cleanup()
    return {"median_s": statistics.median(samples), "p95_s": p95(samples), "runs": runs}


def reply_latency(runs: int) -> dict[str, float]:
    """Median and p95 from an agent's reply committed to the SMTP server holding it, with
    `serve --interval 30` running (its sender woken by the change signal)."""
    import signal
    import tempfile

    from access import Gate
    from access.bootstrap import create_first_admin
    from bench.live import p95
    from mail.channel import MailChannel
    from store.db import connect
    from tests.mail_servers import run_smtp, start_dovecot, stop_dovecot
    from tests.mail_support import customer_mail

    servers = ExitStack()
    smtp = servers.enter_context(contextmanager(run_smtp)())
    dovecot = start_dovecot()
    servers.callback(stop_dovecot, dovecot)
    folder = tempfile.TemporaryDirectory(prefix="ticketty-bench-reply-")
    location = str(Path(folder.name) / "help.db")
    db = connect(location, create=True)
    create_first_admin(db, "ada", "Ada")
    gate = Gate(db, "ada")
    gate.sources.add_source(
        "Support",
        "email",
        address="support@shop.example",
        imap=dovecot.url("bench"),
        smtp=smtp.url,
    )
    taken = MailChannel(gate).take_mail(
        gate.mailboxes.mail_source("Support"), customer_mail(), "bench"
    )
    number = taken.ticket
    assert number is not None
    serve, log = start_serve(location)
    samples: list[float] = []
    arrived = smtp.recorder.arrived
    try:
        while "waiting for mail in IMAP IDLE" not in log.get(timeout=30):
            pass
        for run in range(1, runs + 1):
            queued = time.perf_counter()
            gate.messages.reply(number, f"Answer {run}")
            with arrived:
                if not arrived.wait_for(partial(_holds, smtp, run), timeout=60):
                    raise RuntimeError("a reply did not reach the SMTP server within 60 s")
            samples.append(time.perf_counter() - queued)
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=30)
        db.close()
        folder.cleanup()
        servers.close()
    return {"median_s": statistics.median(samples), "p95_s": p95(samples), "runs": runs}


def _holds(smtp: Smtp, count: int) -> bool:
    return len(smtp.received) >= count


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resident_mb()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.mail")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=("import", "hostile", "idle", "large", "reply")
    )
    parser.add_argument("--idle-runs", type=int, default=20)
    parser.add_argument("--reply-runs", type=int, default=20)
    parser.add_argument(
        "--attachment-kb", type=int, default=16, help="the size of one in ten messages' PDF"
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        what, target = args.child
        hostile = what.endswith("-hostile")
        what = what.removesuffix("-hostile")
        mbox = mbox_path(args.messages, args.attachment_kb, hostile)
        if what == "idle":
            import asyncio

            result = asyncio.run(idle_latency(int(target)))
        elif what == "large":
            result = take_large(Path(target))
        elif what == "reply":
            result = reply_latency(int(target))
        else:
            result = parse_only(mbox) if what == "parse" else import_all(mbox, Path(target))
        print(json.dumps(result))
        return
    from bench.__main__ import child

    if "import" not in args.skip:
        import_figures(args.messages, args.attachment_kb)
    if "hostile" not in args.skip:
        import_figures(args.messages, args.attachment_kb, hostile=True)
    if "large" not in args.skip:
        large_figures()
    if "idle" not in args.skip:
        idle = child("bench.mail", "--child", "idle", str(args.idle_runs), timeout=1800)
        print(f"IMAP APPEND to ticket on an open inbox, serve in IDLE ({args.idle_runs} runs):")
        print(f"{'  median (s, goal < 3)':44}{idle['median_s']:>12,.2f}")
        print(f"{'  p95 (s)':44}{idle['p95_s']:>12,.2f}")
    if "reply" not in args.skip:
        reply = child("bench.mail", "--child", "reply", str(args.reply_runs), timeout=1800)
        print(f"an agent's reply to the SMTP server, serve --interval 30 ({args.reply_runs} runs):")
        print(f"{'  median (s, goal < 2)':44}{reply['median_s']:>12,.2f}")
        print(f"{'  p95 (s)':44}{reply['p95_s']:>12,.2f}")
    sys.stdout.flush()


def large_figures() -> None:
    from bench.__main__ import child

    DATA.mkdir(exist_ok=True)
    path = DATA / f"large-{LARGE_MB}.eml"
    if not path.exists():
        write_large_message(path)
    large = child("bench.mail", "--child", "large", str(path), timeout=1800)
    print(f"one message of {large['size_mb']:,.0f} MB ({large['outcome']}), limit raised above it:")
    print(f"{'  resident before taking it (MB)':44}{large['before_mb']:>12,.0f}")
    print(f"{'  peak resident (MB, goal < 250)':44}{large['peak_mb']:>12,.0f}")


def mbox_path(messages: int, attachment_kb: int, hostile: bool = False) -> Path:
    sized = "" if attachment_kb == 16 else f"-{attachment_kb}k"
    mixed = "-hostile" if hostile else ""
    return DATA / f"mail-{messages}{sized}{mixed}.mbox"


def import_figures(messages: int, attachment_kb: int, hostile: bool = False) -> None:
    from bench.__main__ import child

    DATA.mkdir(exist_ok=True)
    mbox = mbox_path(messages, attachment_kb, hostile)
    if not mbox.exists():
        partial = mbox.with_suffix(".building")
        (generate_mixed if hostile else generate)(partial, messages, attachment_kb)
        partial.rename(mbox)
    size_mb = mbox.stat().st_size / 2**20
    mixed = f", one in {HOSTILE_EVERY} hostile (the fuzz corpus)" if hostile else ""
    print(f"mbox of {messages:,} messages{mixed}, {size_mb:,.0f} MB", flush=True)
    common = ("--messages", str(messages), "--attachment-kb", str(attachment_kb), "--child")
    suffix = "-hostile" if hostile else ""
    parsed = child("bench.mail", *common, "parse" + suffix, "-", timeout=7200)
    imported: dict[str, Any] = child(
        "bench.mail", *common, "import" + suffix, str(DATA / "mail-import.db"), timeout=7200
    )
    parse_rate = parsed["messages"] / parsed["seconds"]
    import_rate = imported["messages"] / imported["seconds"]
    rows = [
        ("email parser alone (messages/s)", parse_rate),
        ("mail import (messages/s)", import_rate),
        ("ratio import / parser (goal >= 0.8)", import_rate / parse_rate),
        ("email parser alone: peak memory (MB)", parsed["peak_mb"]),
        ("mail import: peak memory (MB, goal < 200)", imported["peak_mb"]),
    ]
    for name, value in rows:
        print(f"{name:44}{value:>12,.2f}")
    outcomes = imported["outcomes"]
    print("import outcomes: " + ", ".join(f"{int(v):,} {k}" for k, v in sorted(outcomes.items())))
    if imported["per_10k_s"]:
        times = " ".join(f"{t:.1f}" for t in imported["per_10k_s"])
        print(f"import, seconds per 10,000 messages in turn: {times}")
    print(
        "import, resident memory (MB) at every 2,000th message: "
        + " ".join(f"{mb:.0f}" for mb in imported["resident_mb"])
    )


if __name__ == "__main__":
    main()
