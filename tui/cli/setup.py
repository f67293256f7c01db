"""`ticketty init` and `ticketty demo`: a new database, empty or filled with demo data."""

from __future__ import annotations

import argparse
from pathlib import Path

from store.db import connect, refuse_foreign_file, resolve_location
from tui.cli.command import Commands, username
from tui.cli.output import EXIT_USAGE, CommandError, bounded_int


def register(commands: Commands) -> None:
    init = commands.add("init", init_database, help="create the database and a first admin")
    init.add_argument("--admin", required=True)
    init.add_argument("--name")
    demo = commands.add("demo", fill_demo, help="fill a database with demo data")
    demo.add_argument("--tickets", type=bounded_int, default=2000)
    demo.add_argument("--seed", type=bounded_int, default=7)
    demo.add_argument("--force", action="store_true", help="replace an existing file")


def init_database(args: argparse.Namespace) -> int:
    """Create the database and its first administrator.

    Nobody exists yet to pass the gate, so this bootstrap writes the first role, person and
    source directly (with audit events), and refuses on a database that already has people."""
    from access.bootstrap import create_first_admin

    db = connect(resolve_location(args.db), create=True)
    create_first_admin(db, args.admin, args.name or args.admin)
    print(f"created {resolve_location(args.db)} with administrator {args.admin}")
    return 0


def fill_demo(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from access.demo import PERSONAS, build_demo

    location = resolve_location(args.db)
    path = Path(location)
    if path.exists() and path.stat().st_size > 0:
        may_replace(args, path)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    if args.tickets < 0:
        raise CommandError("--tickets must not be negative", EXIT_USAGE)
    db = connect(location, create=True)
    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("tickets", total=args.tickets)
        summary = build_demo(
            db,
            tickets=args.tickets,
            seed=args.seed,
            progress=lambda done, total: bar.update(task, completed=done),
        )
    print(
        f"demo helpdesk in {location}: {summary.tickets} tickets, {summary.messages} messages, "
        f"{summary.people} people, {summary.usergroups} usergroups, {summary.sources} sources"
    )
    print("log in as one of:")
    for name, what in PERSONAS.items():
        print(f"  {name:4}  {what}")
    print(f"open it: ticketty --db {location} --user ada")
    return 0


def may_replace(args: argparse.Namespace, path: Path) -> None:
    """`demo` replaces only a database `demo` made, and with --force from one of its
    administrators: a helpdesk holding real work is never lost to a demo."""
    from access import Gate
    from access.catalogue import PERMISSIONS
    from store.models import AuditEvent

    refuse_foreign_file(path)
    db = connect(str(path))
    try:
        if not AuditEvent.select().where(AuditEvent.action == "demo.create").exists():
            raise CommandError(
                f"{path} holds a helpdesk that `ticketty demo` did not make; demo never replaces it"
            )
        if not args.force:
            raise CommandError(f"{path} exists; add --force to replace it with demo data")
        user = username(args)
        if not PERMISSIONS.keys() <= Gate(db, user).capabilities():
            raise CommandError(f"{user} is not an administrator of {path}; only one may replace it")
    finally:
        db.close()
