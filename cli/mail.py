"""`ticketty mail` and `ticketty serve`: taking customers' mail in and delivering replies.

Each runs as `--user`, who needs `sources.edit`; the mailbox passwords come from the
environment or the secrets file (README, "Customers by e-mail"), never from the command line.
The mail channel is handed in by the entry point (`MailTools`, loaded by `args.mail_tools()`):
the command line does not import it. What reads mail files, the wire and the progress bar are
imported by the commands that use them, so that every other command starts without them.
"""

from __future__ import annotations

import argparse
import logging
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

from access import Gate
from access.intake import Oversized, Taken
from access.outbox import Delivery
from access.vocabulary import SENT
from cli.command import Commands, open_gate
from cli.output import CommandError, bounded_int, print_listing
from cli.ticket_sla import due_within
from settings.config import Config, ConfigError, load_config
from store.models import Source
from wording.safe_text import one_line

MAX_INTERVAL = 7 * 86400  # a week between passes; IDLE takes mail as it comes meanwhile

log = logging.getLogger("ticketty.mail")
Report = Callable[[str], None]


def register(commands: Commands) -> None:
    mail = commands.noun("mail")
    p = mail.add("import", import_files, help="take messages from files: .eml, Maildir, mbox")
    p.add_argument("--source", required=True)
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--quiet", action="store_true", help="no line per message")
    p = mail.add("fetch", fetch, help="one pass over the IMAP folders")
    p.add_argument("--source", help="only this source")
    p.add_argument(
        "--since-now",
        action="store_true",
        help="a first fetch leaves the messages already in the mailbox and takes mail from now on",
    )
    p.add_argument(
        "--all", action="store_true", help="a first fetch takes every message already there"
    )
    p = mail.add("send", send, help="deliver the replies that are due")
    p.add_argument("--source", help="only this source")
    quarantine = mail.noun("quarantine", help="messages that could not be taken in")
    quarantine.add("list", list_quarantine).add_argument("--json", action="store_true")
    quarantine.add("retry", retry_quarantined).add_argument("id", type=bounded_int)
    quarantine.add(
        "discard", discard_quarantined, help="delete quarantined messages for good"
    ).add_argument("id", type=bounded_int, nargs="+")
    p = commands.add("serve", serve)
    p.add_argument("--interval", type=float, default=10.0, help="seconds between passes")
    p.add_argument(
        "--passes",
        type=bounded_int,
        help="stop after this many passes (for tests and scripts; default: until SIGTERM)",
    )
    p.add_argument(
        "--before",
        type=due_within,
        help="warn of due times this much business time before (default: [sla] warn_before)",
    )


class MailChannel(Protocol):
    """Mail in and out as one person (`mail.channel.MailChannel`)."""

    gate: Gate

    @property
    def message_limit(self) -> int: ...

    def fetch(self, source: Source, report: Report, first: str = "") -> int: ...

    def send(self, source: Source, report: Report) -> list[Delivery]: ...

    def import_messages(
        self, source: Source, messages: Iterator[tuple[str, bytes | Oversized]], report: Report
    ) -> dict[str, int]: ...

    def retry_quarantined(self, quarantine_id: int) -> Taken: ...


class MailTools(Protocol):
    """The mail channel as the command line uses it (`mail.tools`)."""

    def channel(self, gate: Gate, config: Config) -> MailChannel: ...

    def failures(self) -> tuple[type[Exception], ...]: ...

    def messages_in(self, path: Path, limit: int) -> Iterator[tuple[str, bytes | Oversized]]: ...

    def size_of(self, paths: list[Path]) -> int: ...

    def size_of_mail(self, raw: bytes | Oversized) -> int: ...

    def serve(
        self,
        gate: Gate,
        config: Config,
        interval: float,
        report: Report,
        stop: socket.socket,
        passes: int | None = None,
    ) -> None: ...


def _mail(args: argparse.Namespace) -> MailChannel:
    """The mail channel as `--user`, with the attachment and message size limits and the
    flood limit of the config file."""
    tools: MailTools = args.mail_tools()
    return tools.channel(*_gate_and_config(args))


def _gate_and_config(args: argparse.Namespace) -> tuple[Gate, Config]:
    """The gate, its file limit the config file's (the attachments of mail kept at most), and
    the config file."""
    try:
        config = load_config()
    except ConfigError as exc:
        raise CommandError(str(exc)) from exc
    return open_gate(args, config.attachment_limit_bytes), config


def _say(line: str) -> None:
    print(one_line(line), flush=True)


def import_files(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeElapsedColumn

    tools: MailTools = args.mail_tools()
    mail = _mail(args)
    source = mail.gate.mailboxes.mail_source(args.source)
    report: Callable[[str], None] = (lambda _line: None) if args.quiet else _say
    columns = ("{task.description}", BarColumn(), DownloadColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("importing", total=tools.size_of(args.paths))

        def messages() -> Iterator[tuple[str, bytes | Oversized]]:
            for path in args.paths:
                for origin, raw in tools.messages_in(path, mail.message_limit):
                    bar.advance(task, tools.size_of_mail(raw))
                    yield origin, raw

        counts = mail.import_messages(source, messages(), report)
    summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
    print(f"imported into {source.name}: {summary or 'no messages'}")
    return 0


def fetch(args: argparse.Namespace) -> int:
    """Every source with an IMAP server is fetched, whatever another one does: a send-only
    source is skipped with a line (an error when it is the one named), a source whose server
    fails is one line on stderr. The exit code is 1 when any source could not be fetched,
    after all the others were."""
    if args.since_now and args.all:
        raise CommandError("--since-now and --all are two different choices; give one")
    first = "now" if args.since_now else "all" if args.all else ""
    mail = _mail(args)
    sources = mail.gate.mailboxes.open_mail_sources(args.source)
    send_only = [s for s in sources if not mail.gate.mailboxes.fetches(s)]
    if args.source is not None and send_only:
        raise CommandError(
            f"{args.source} is send-only (no IMAP server); add one with sources edit"
        )
    for source in send_only:
        _say(f"{source.name}: send-only (no IMAP server); skipped")
    failures = _each_source(args, mail.gate, lambda s: mail.fetch(s, _say, first))
    if failures:
        print(
            f"ticketty: {failures} source(s) could not be fetched; the others were", file=sys.stderr
        )
    return 1 if failures else 0


def send(args: argparse.Namespace) -> int:
    """Exits 1 when a server could not be used (its replies wait) or a reply was not
    delivered (refused for good, or to be tried again): nothing went wrong only when every
    reply due was sent."""
    mail = _mail(args)
    undelivered = 0

    def send_source(source: Source) -> None:
        nonlocal undelivered
        deliveries = mail.send(source, _say)
        undelivered += sum(1 for d in deliveries if d.state != SENT)

    failures = _each_source(args, mail.gate, send_source)
    return 1 if failures or undelivered else 0


def _each_source(args: argparse.Namespace, gate: Gate, work: Callable) -> int:
    """Run `work` on each source (`--source`, else all); a source whose server fails is one
    line, the others go on."""
    tools: MailTools = args.mail_tools()
    failing = tools.failures()
    failures = 0
    for source in gate.mailboxes.open_mail_sources(args.source):
        try:
            work(source)
        except failing as exc:
            print(f"ticketty: {one_line(source.name)}: {one_line(str(exc))}", file=sys.stderr)
            failures += 1
    return failures


def list_quarantine(args: argparse.Namespace) -> int:
    return print_listing(
        args.json,
        open_gate(args).mailboxes.quarantined(),
        ["id", "source", "received", "origin", "bytes", "reason"],
        lambda h: [
            str(h.id),
            h.source,
            f"{h.received_at:%Y-%m-%d %H:%M}",
            h.origin,
            str(h.size),
            h.reason,
        ],
    )


def retry_quarantined(args: argparse.Namespace) -> int:
    taken = _mail(args).retry_quarantined(args.id)
    print(one_line(taken.describe()))
    return 1 if taken.outcome == "quarantined" else 0


def discard_quarantined(args: argparse.Namespace) -> int:
    gate = open_gate(args)
    for quarantine_id in args.id:
        gate.mailboxes.discard_quarantined(quarantine_id)
        print(f"discarded {quarantine_id}")
    return 0


def serve(args: argparse.Namespace) -> int:
    """Fetch and send until SIGTERM or Ctrl-C; each IMAP source's new mail is taken as soon as
    its server announces it (IDLE, a connection per source), else every `--interval`
    seconds. `--passes N` stops after N passes of the loop, each with its time rules and
    service-level warnings: a test waits for the end, not for a time."""
    if not 0 < args.interval <= MAX_INTERVAL:  # also refuses nan and inf
        raise CommandError(f"--interval is a number of seconds above zero, up to {MAX_INTERVAL}")
    if args.passes is not None and args.passes < 1:
        raise CommandError("--passes is a whole number above zero")
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr, force=True
    )
    gate, config = _gate_and_config(args)
    if args.before is not None:
        config = config._replace(sla_warn_before=args.before)
    # Refuses a person without sources.edit before anything starts.
    gate.mailboxes.open_mail_sources()
    wake, stop = socket.socketpair()

    def on_signal(_signum: int, _frame: object) -> None:
        wake.send(b"x")

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    log.info("serving; stop with SIGTERM")
    try:
        tools: MailTools = args.mail_tools()
        tools.serve(
            gate, config, args.interval, lambda line: log.info(one_line(line)), stop, args.passes
        )
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        wake.close()
        stop.close()
    log.info("stopped")
    return 0
