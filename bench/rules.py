"""Rule figures at the gate: the rule work added to a ticket change by 100 active event rules
that do not match (CPU time, with against without), a time-rule pass with nothing due, and
`rules test NAME --since 30d` (of a common word and of a word in no ticket); and, with
`--mail N`, `mail import` of N messages with 20 rules against Python's `email` parser alone on
the same mbox, for each of two rule sets (`--rules crowded|realistic|both`: `RULE_SETS`).
`--mail-into COPY` imports them into COPY (a copy of a demo database, SQLite file or
PostgreSQL URL, written to: its e-mail source, the demo's rules disabled; one rule set, crowded
unless named) instead of a fresh helpdesk. `--mail-server URL` (a PostgreSQL server's URL
ending in `/`) makes the fresh helpdesk there, in a new database dropped after, instead of in
a SQLite file. `--mail-only`: no other figures.

    python -m bench.rules DATABASE [--runs 20] [--mail 0] [--rules both] [--mail-only]
                                   [--mail-into COPY] [--mail-server URL]

Prints one JSON line (milliseconds, medians over the runs). The rules it adds are deleted
again before it ends, the demo's own ones put back as they were; the changes it measures
toggle one ticket's priority.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import peewee

USER = "ada"
EVENT_RULES = 100
MAIL_RULES = 20


def measure(location: str, runs: int) -> dict[str, float]:
    from access import Gate
    from store.db import connect
    from store.models import Ticket, utcnow

    db = connect(location)
    gate = Gate(db, USER)
    demo_rules = [r.name for r in gate.rules.list_rules() if r.active]
    for name in demo_rules:
        gate.rules.set_rule_active(name, False)
    number = Ticket.select(Ticket.number).order_by(Ticket.number.desc()).scalar()
    added: list[str] = []
    try:
        figures = {"change without rules (ms CPU)": _change_cpu_ms(gate, number, runs)}
        for n in range(EVENT_RULES):  # every one tried, none matching
            name = f"bench priority {n}"
            gate.rules.create_rule(
                name,
                on="priority",
                conditions=[f"words=nomatch{n}" if n % 2 else "priority=urgent"],
                actions=["note:never"],
            )
            added.append(name)
        with_rules = _change_cpu_ms(gate, number, runs)
        figures[f"change with {EVENT_RULES} rules (ms CPU)"] = with_rules
        figures["difference (ms CPU; noisy on a shared machine)"] = (
            with_rules - figures["change without rules (ms CPU)"]
        )
        figures["rule work in a change (ms CPU, goal < 3)"] = _rule_work_ms(gate, number, runs)
        never = "tag=bench-never"  # a tag no ticket carries: one found is tried, never acted on
        gate.rules.create_rule(
            "bench due", every="5m", conditions=["due=30m", never], actions=["tag:bench-never"]
        )
        gate.rules.create_rule(
            "bench idle",
            every="5m",
            conditions=["status=pending", "idle=366d", "tag=bench-never"],
            actions=["tag:bench-never"],
        )
        added += ["bench due", "bench idle"]
        figures["time-rule pass, nothing due (ms, goal < 50)"] = _time_pass_ms(runs)
        gate.rules.create_rule(
            "bench refunds", on="created", conditions=["words=refund"], actions=["priority:high"]
        )
        added.append("bench refunds")
        # The demo's last 30 days: its newest ticket may be weeks old by now.
        newest = Ticket.select(peewee.fn.MAX(Ticket.created_at)).scalar()
        since = f"{(utcnow() - newest).days + 30}d"
        started = time.perf_counter()
        tried = gate.rules.try_rule("bench refunds", since)
        figures["rules test --since 30d (ms, goal < 10000)"] = (
            time.perf_counter() - started
        ) * 1000
        figures["rules test --since 30d: tickets listed"] = len(tried)
        gate.rules.create_rule(  # a word in no ticket: the whole month, or the index, is read
            "bench rare word", on="created", conditions=["words=xyzzy"], actions=["priority:high"]
        )
        added.append("bench rare word")
        wall, cpu = time.perf_counter(), time.process_time()
        gate.rules.try_rule("bench rare word", since)
        figures["rules test --since 30d, a word in no ticket (ms, goal < 10000)"] = (
            time.perf_counter() - wall
        ) * 1000
        figures["rules test --since 30d, a word in no ticket (cpu ms)"] = (
            time.process_time() - cpu
        ) * 1000
    finally:
        for name in added:
            gate.rules.delete_rule(name)
        for name in demo_rules:
            gate.rules.set_rule_active(name, True)
    return {k: round(v, 2) for k, v in figures.items()}


def _change_cpu_ms(gate: Any, number: int, runs: int) -> float:
    """A priority change of one ticket, back and forth: the process's CPU time per change."""
    from store.models import Ticket

    first = "low" if Ticket.get_by_id(number).priority != "low" else "high"
    other = "high" if first == "low" else "low"
    samples = []
    for n in range(runs):
        started = time.process_time()
        gate.changes.set_priority(number, other if n % 2 else first)
        samples.append(time.process_time() - started)
    return statistics.median(samples) * 1000


def _rule_work_ms(gate: Any, number: int, runs: int) -> float:
    """The CPU time of the rules' run itself (`rule_runner.after_event`) in each change."""
    from access import rule_runner

    spent: list[float] = []
    run = rule_runner.after_event

    def timed(*args: Any, **kwargs: Any) -> None:
        started = time.process_time()
        run(*args, **kwargs)
        spent.append(time.process_time() - started)

    rule_runner.after_event = timed
    try:
        _change_cpu_ms(gate, number, runs)
    finally:
        rule_runner.after_event = run
    return statistics.median(spent) * 1000


def _time_pass_ms(runs: int) -> float:
    """The pass `ticketty serve` makes, every time rule due to be tried, as it comes five
    minutes after the last: the due rule looks at what came within its window since."""
    from datetime import timedelta

    from access.rule_conditions import Clock
    from access.rule_time import run_due_rules
    from store.models import utcnow
    from store.rule_models import Rule

    samples = []
    for _ in range(runs):
        last = utcnow() - timedelta(minutes=5)
        Rule.update(last_run_at=last).where(Rule.name.startswith("bench ")).execute()
        started = time.perf_counter()
        tried = run_due_rules(Clock())
        samples.append(time.perf_counter() - started)
        assert tried == 0, f"{tried} tickets were due; the figure is of a pass with none"
    return statistics.median(samples) * 1000


# The rule sets `--mail` measures: "crowded", the 20 rules of `_mail_rules` on mail full of
# their words (every message sets off several actions), and "realistic", the 20 rules of
# `bench.rule_mail` on mail written as customers write (a message meets one or two).
RULE_SETS = ("crowded", "realistic")


def mail_with_rules(
    messages: int, rule_sets: tuple[str, ...] = RULE_SETS, server: str | None = None
) -> dict[str, float]:
    """`mail import` of `messages` into a fresh helpdesk with each set of 20 created-rules,
    against the `email` parser alone on the same mbox (CPU, `time.process_time`, and wall
    time, a ratio of each), and the rules' actions per message. The helpdesk and its rules
    are made before the timed part: only the import is timed. The helpdesk is a SQLite file,
    or a new database on the PostgreSQL server at `server` (dropped after)."""
    from access import Gate
    from access.bootstrap import create_first_admin
    from store.db import connect

    figures: dict[str, float] = {}
    for rule_set in rule_sets:
        with _fresh_location(server) as location:
            db = connect(location, create=True)
            create_first_admin(db, USER, "Ada")
            gate = Gate(db, USER)
            gate.sources.add_source("Support", "email", address="support@shop.example")
            figures |= _timed_import(gate, "Support", messages, rule_set)
            db.close()
    return figures


@contextmanager
def _fresh_location(server: str | None) -> Iterator[str]:
    """A SQLite file in a new folder, or a new database on `server` (a PostgreSQL URL ending
    in `/`), removed when done."""
    if server is None:
        with tempfile.TemporaryDirectory() as folder:
            yield str(Path(folder) / "import.db")
        return
    import psycopg

    name = f"bench_mail_rules_{os.getpid()}"
    with psycopg.connect(server + "postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield server + name
    finally:
        with psycopg.connect(server + "postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")


def mail_into(messages: int, location: str, rule_set: str = "crowded") -> dict[str, float]:
    """`mail import` of `messages` with one set of 20 rules into the demo database at
    `location` (a copy: it is written to), CPU (`time.process_time`) and wall time of the
    import and of the `email` parser alone."""
    from access import Gate
    from store.db import connect
    from store.models import Source

    gate = Gate(connect(location), USER)
    for rule in gate.rules.list_rules():
        if rule.active:
            gate.rules.set_rule_active(rule.name, False)
    email = Source.select(Source.name).where((Source.kind == "email") & ~Source.archived)
    return _timed_import(gate, email.order_by(Source.id).scalar(), messages, rule_set)


def _timed_import(gate: Any, name: str, messages: int, rule_set: str) -> dict[str, float]:
    """The rule set made at the source `name`, then the `email` parser alone and the import
    of the same mbox timed, each alone."""
    from bench.mail import parse_only
    from mail.channel import MailChannel
    from mail.files import messages_in

    mbox = _mbox(messages, rule_set)
    _prepare(rule_set, name)(gate)
    source = gate.mailboxes.mail_source(name)
    cpu, wall = time.process_time(), time.perf_counter()
    parse_only(mbox)
    parser = time.process_time() - cpu, time.perf_counter() - wall
    before = _acted()
    cpu, wall = time.process_time(), time.perf_counter()
    MailChannel(gate).import_messages(source, messages_in(mbox), lambda _line: None)
    spent = time.process_time() - cpu, time.perf_counter() - wall
    return _figures(rule_set, parser, spent, (_acted() - before) / messages)


def _mbox(messages: int, rule_set: str) -> Path:
    from bench.mail import DATA, generate
    from bench.rule_mail import words

    DATA.mkdir(exist_ok=True)
    realistic = rule_set == "realistic"
    mbox = DATA / f"rules-mail-{'topical-' if realistic else ''}{messages}.mbox"
    if not mbox.exists():
        generate(mbox.with_suffix(".building"), messages, words=words if realistic else None)
        mbox.with_suffix(".building").rename(mbox)
    return mbox


def _prepare(rule_set: str, source: str = "Support") -> Any:
    from bench.rule_mail import realistic_rules

    if rule_set == "realistic":
        return lambda gate: realistic_rules(gate, source)
    return _mail_rules


def _acted() -> int:
    from store.models import AuditEvent

    return int(AuditEvent.select().where(AuditEvent.action == "rule.acted").count())


def _figures(
    rule_set: str, parser: tuple[float, float], spent: tuple[float, float], acted: float
) -> dict[str, float]:
    label = f"{rule_set} {MAIL_RULES} rules"
    return {
        f"{label}: email parser alone (s CPU)": parser[0],
        f"{label}: email parser alone (s wall)": parser[1],
        f"{label}: mail import (s CPU)": spent[0],
        f"{label}: mail import (s wall)": spent[1],
        f"{label}: rule actions per message": acted,
        f"{label}: ratio import / parser, CPU (goal >= 0.5)": parser[0] / spent[0],
        f"{label}: ratio import / parser, wall (goal >= 0.5)": parser[1] / spent[1],
    }


def _mail_rules(gate: Any) -> None:
    words = ["refund", "zwrot", "faktura", "invoice", "broken", "paczka", "order", "urgent"]
    for n in range(MAIL_RULES):
        word = words[n % len(words)]
        action = ["priority:high", f"tag:{word}", "note:seen by a rule"][n % 3]
        gate.rules.create_rule(
            f"mail {n}",
            on="created",
            conditions=[f"words={word}{'' if n < 8 else n}"],
            actions=[action],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("location")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--mail", type=int, default=0, help="messages to import with rules")
    parser.add_argument("--mail-into", help="a copy of a demo database to import the mail into")
    parser.add_argument(
        "--rules",
        choices=[*RULE_SETS, "both"],
        default="both",
        help="the rule set of --mail (one only with --mail-into: crowded unless named)",
    )
    parser.add_argument("--mail-only", action="store_true", help="no figures but --mail's")
    parser.add_argument("--mail-server", help="a PostgreSQL server's URL (ending in /) for --mail")
    args = parser.parse_args()
    sets = RULE_SETS if args.rules == "both" else (args.rules,)
    if args.mail and args.mail_into:
        into = mail_into(args.mail, args.mail_into, sets[0])
        print(json.dumps({k: round(v, 3) for k, v in into.items()}))
        return
    figures = {} if args.mail_only else measure(args.location, args.runs)
    if args.mail:
        figures |= {
            k: round(v, 3) for k, v in mail_with_rules(args.mail, sets, args.mail_server).items()
        }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
