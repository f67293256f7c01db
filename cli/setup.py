"""`ticketty init` and `ticketty demo`: a new database, empty or filled with demo data."""

from __future__ import annotations

import argparse
from pathlib import Path

from access.audit_actions import DEMO_CREATE
from cli.command import Commands, settings_of, username
from cli.output import EXIT_PERSON, EXIT_USAGE, CommandError, bounded_int
from store.db import (
    connect,
    erase,
    is_postgres,
    is_taken,
    refuse_foreign_file,
    shown,
)


def register(commands: Commands) -> None:
    init = commands.add("init", init_database)
    init.add_argument("--admin", required=True)
    init.add_argument("--name")
    demo = commands.add("demo", fill_demo)
    demo.add_argument("--tickets", type=bounded_int, default=2000)
    demo.add_argument("--seed", type=bounded_int, default=7)
    demo.add_argument(
        "--force",
        action="store_true",
        help="replace an existing demo helpdesk (the file, or Ticketty's tables on PostgreSQL)",
    )


def init_database(args: argparse.Namespace) -> int:
    """Create the database and its first administrator.

    Nobody exists yet to pass the gate, so this bootstrap writes the first role, person and
    source directly (with audit events), and refuses on a database that already has people."""
    from access.bootstrap import create_first_admin

    db = connect(settings_of(args).database, create=True)
    create_first_admin(db, args.admin, args.name or args.admin)
    print(f"created {shown(settings_of(args).database)} with administrator {args.admin}")
    return 0


def fill_demo(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from access.demo import PERSONAS, build_demo
    from store.models import utcnow

    location = settings_of(args).database
    if args.tickets < 0:
        raise CommandError("--tickets must not be negative", EXIT_USAGE)
    if is_taken(location):
        may_replace(args, location)
        erase(location)
    db = connect(location, create=True)
    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("tickets", total=args.tickets)
        summary = build_demo(
            db,
            tickets=args.tickets,
            seed=args.seed,
            progress=lambda done, total: bar.update(task, completed=done),
            service_levels=True,
            now=utcnow().replace(second=0, microsecond=0),
        )
    print(
        f"demo helpdesk in {shown(location)}: {summary.tickets} tickets, "
        f"{summary.messages} messages, {summary.people} people, "
        f"{summary.usergroups} usergroups, {summary.sources} sources"
    )
    print("log in as one of:")
    for name, what in PERSONAS.items():
        print(f"  {name:4}  {what}")
    print(f"open it: ticketty --db {shown(location)} --user ada")
    return 0


def may_replace(args: argparse.Namespace, location: str) -> None:
    """`demo` replaces only a database `demo` made, and with --force from one of its
    administrators: a helpdesk holding real work is never lost to a demo. The same on a file
    and on a PostgreSQL database (where only Ticketty's tables are dropped)."""
    from access import Gate
    from access.catalogue import PERMISSIONS
    from access.errors import NoSuchPerson
    from store.models import AuditEvent

    where = shown(location)
    if not is_postgres(location):
        refuse_foreign_file(Path(location))
    db = connect(location)
    try:
        if not AuditEvent.select().where(AuditEvent.action == DEMO_CREATE).exists():
            raise CommandError(
                f"{where} holds a helpdesk that `ticketty demo` did not make; "
                "demo never replaces it"
            )
        if not args.force:
            raise CommandError(f"{where} exists; add --force to replace it with demo data")
        user = username(args)
        try:
            gate = Gate(db, user)
        except NoSuchPerson as exc:
            raise CommandError(
                f"{exc} in {where}; name one of its administrators with --user "
                "(or TICKETTY_USER) to replace it",
                EXIT_PERSON,
            ) from exc
        if not PERMISSIONS.keys() <= gate.me.capabilities():
            raise CommandError(
                f"{user} is not an administrator of {where}; only one may replace it"
            )
    finally:
        db.close()
